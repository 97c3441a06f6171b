// `npm run bench`: start-up and scale figures with ratios against their baselines. Figures, not pass/fail tests.
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

/** Median wall time in ms of a command run `runs` times (after one warm-up run). */
export function time(args, env = {}) {
  const options = {env: {...process.env, ...env}, stdio: ['ignore', 'ignore', 'pipe']}
  const warm = spawnSync(process.execPath, args, options)
  if (warm.status !== 0) throw new Error(`${args.join(' ')} failed: ${warm.stderr}`)
  const times = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    spawnSync(process.execPath, args, options)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }

  return median(times)
}

const fmt = (ms) => `${ms.toFixed(1)} ms`
const ratio = (a, b) => `${(a / b).toFixed(2)}x`

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
    ['mcpctl --version', version, `${ratio(version, bareVersion)} of bare oclif --version (goal <= 1.30x); ${ratio(version, nodeBare)} of node`],
    ['mcpctl tools list --json (empty store)', toolsList, `${ratio(toolsList, bareCommand)} of bare oclif hello --json (goal <= 1.30x); ${ratio(toolsList, nodeBare)} of node`],
  ]
  for (const [name, ms, note] of rows) process.stdout.write(`  ${name.padEnd(40)} ${fmt(ms).padStart(10)}  ${note}\n`)

  const {scaleBench} = await import('./bench-scale.js').catch(() => ({}))
  if (scaleBench) await scaleBench({mcpctl, runs, time})
  const {rulesBench} = await import('./bench-rules.js')
  await rulesBench({mcpctl, runs})
  const {gatewayBench} = await import('./bench-gateway.js')
  await gatewayBench()
} finally {
  rmSync(store, {force: true, recursive: true})
}
