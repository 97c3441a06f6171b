// `npm run bench`: start-up and scale figures with ratios against their baselines, each goal marked met or missed,
// and a count of goals met at the end. Figures, not a test: it exits 0 either way (wall time on a busy machine varies).
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const runs = Number(process.env.BENCH_RUNS ?? 15)
const mcpctl = join(root, 'bin', 'run.js')
const bare = join(root, 'bench', 'bare-oclif')

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median wall time in ms of a command run `count` times (after one warm-up run). */
export function time(args, env = {}, count = runs) {
  const options = {env: {...process.env, ...env}, stdio: ['ignore', 'ignore', 'pipe']}
  const warm = spawnSync(process.execPath, args, options)
  if (warm.status !== 0) throw new Error(`${args.join(' ')} failed: ${warm.stderr}`)
  const times = []
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint()
    spawnSync(process.execPath, args, options)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }

  return median(times)
}

const fmt = (ms) => `${ms.toFixed(1)} ms`
const ratio = (a, b) => `${(a / b).toFixed(2)}x`
const goals = []

/** `value / baseline` against its goal (at most `limit`), as the note of a row: "1.12x of …, goal <= 1.30x: met". */
function goal(value, baseline, limit, of) {
  const met = value / baseline <= limit
  goals.push(met)
  return `${ratio(value, baseline)} of ${of} (goal <= ${limit.toFixed(2)}x: ${met ? 'met' : 'MISSED'})`
}

if (!existsSync(join(bare, 'oclif.manifest.json'))) {
  spawnSync(process.execPath, [join(root, 'node_modules', 'oclif', 'bin', 'run.js'), 'manifest'], {cwd: bare, stdio: 'ignore'})
}

const store = mkdtempSync(join(tmpdir(), 'mcpctl-bench-'))
try {
  const env = {MCPCTL_CONFIG_DIR: store, MCPCTL_KEYRING: 'off'}
  const nodeBare = time(['-e', '0'])
  const bareVersion = time([join(bare, 'bin', 'run.js'), '--version'])
  const bareCommand = time([join(bare, 'bin', 'run.js'), 'hello', '--json'])
  const version = time([mcpctl, '--version'], env)
  const toolsList = time([mcpctl, 'tools', 'list', '--json'], env)

  process.stdout.write(`Start-up, median of ${runs} runs (Node ${process.version}):\n`)
  const rows = [
    ['node -e 0', nodeBare, ''],
    ['bare oclif --version', bareVersion, ''],
    ['bare oclif hello --json', bareCommand, ''],
    ['mcpctl --version', version, `${goal(version, bareVersion, 1.3, 'bare oclif --version')}; ${ratio(version, nodeBare)} of node`],
    ['mcpctl tools list --json (empty store)', toolsList, `${goal(toolsList, bareCommand, 1.3, 'bare oclif hello --json')}; ${ratio(toolsList, nodeBare)} of node`],
  ]
  for (const [name, ms, note] of rows) process.stdout.write(`  ${name.padEnd(40)} ${fmt(ms).padStart(10)}  ${note}\n`)

  const {scaleBench} = await import('./bench-scale.js').catch(() => ({}))
  if (scaleBench) await scaleBench({goal, mcpctl, runs, time})
  const {rulesBench, rulesGoals} = await import('./bench-rules.js')
  await rulesBench({mcpctl, runs})
  const {gatewayBench, gatewayGoals} = await import('./bench-gateway.js')
  await gatewayBench()
  goals.push(...rulesGoals, ...gatewayGoals)
  process.stdout.write(`
Goals: ${goals.filter(Boolean).length} of ${goals.length} met.
`)
} finally {
  rmSync(store, {force: true, recursive: true})
}
