// `npm run bench`, second half: the fleet-scale figures. A 200-server × 100-tool store (20,000 tools) against a
// small one, a 1,000-entry `policy apply`, `tools sync` of 20 loopback servers (50 ms tools/list latency) against
// one, `integrations list --check` of 8 servers that take 1 s to answer against one, and peak RSS. Figures with
// ratios against their goals (each marked met or missed), not pass/fail tests.
import {spawn, spawnSync} from 'node:child_process'
import {copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {createInterface} from 'node:readline'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {benchPolicyFile, writeBenchStore} from '../bench/scale/fixtures.js'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const SERVERS = 200
const TOOLS = 100
const SYNC_SERVERS = 20
const SYNC_TOOLS = 50
const SYNC_LATENCY_MS = 50
const APPLY_ENTRIES = 1000
const CHECK_SERVERS = 8
const CHECK_LATENCY_MS = 1000

const fmt = (ms) => `${ms.toFixed(1)} ms`
const ratio = (a, b) => `${(a / b).toFixed(2)}x`
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Like bench.js `time`, but `reset()` runs before every run, outside the timed window (commands that change the store). */
function timeFresh(args, env, reset, runs) {
  const options = {env: {...process.env, ...env}, stdio: ['ignore', 'ignore', 'pipe']}
  const times = []
  for (let i = 0; i <= runs; i++) {
    reset()
    const start = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, options)
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed (exit ${result.status}): ${result.stderr}`)
    if (i > 0) times.push(Number(process.hrtime.bigint() - start) / 1e6) // run 0 warms the disk cache
  }

  return median(times)
}

/** Peak RSS (MiB) of one run, from the preload that writes process.resourceUsage().maxRSS on exit. */
function peakRss(mcpctl, args, env, scratch) {
  const file = join(scratch, `rss-${Math.random().toString(36).slice(2)}`)
  const preload = pathToFileURL(join(root, 'bench', 'scale', 'maxrss.js')).href
  const result = spawnSync(process.execPath, ['--import', preload, mcpctl, ...args], {
    env: {...process.env, ...env, MCPCTL_BENCH_RSS_FILE: file},
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`)
  return Number(readFileSync(file, 'utf8').trim()) / 1024
}

/** The loopback servers run in a child: spawnSync blocks this process's event loop while timing. */
async function startServers(count, initializeLatencyMs = 0) {
  const args = [String(count), String(SYNC_TOOLS), String(SYNC_LATENCY_MS), String(initializeLatencyMs)]
  const child = spawn(process.execPath, [join(root, 'bench', 'scale', 'servers.js'), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const line = await new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`bench servers exited (${code})`)))
    createInterface({input: child.stdout}).once('line', resolve)
  })
  child.removeAllListeners('exit')
  return {close: () => child.kill(), ports: JSON.parse(line).ports}
}

export async function scaleBench({goal, mcpctl, runs, time}) {
  const scratch = mkdtempSync(join(tmpdir(), 'mcpctl-bench-scale-'))
  const dirs = {}
  const dir = (name) => (dirs[name] ??= mkdtempSync(join(scratch, `${name}-`)))
  const env = (name) => ({MCPCTL_CONFIG_DIR: dir(name), MCPCTL_KEYRING: 'off'})
  let servers
  try {
    process.stdout.write(`\nScale, median of ${runs} runs:\n`)
    const row = (name, ms, note = '') => process.stdout.write(`  ${name.padEnd(48)} ${fmt(ms).padStart(10)}  ${note}\n`)

    const fleet = await writeBenchStore(root, dir('fleet'), {servers: SERVERS, toolsPerServer: TOOLS})
    await writeBenchStore(root, dir('small'), {servers: 1, toolsPerServer: 10})
    const pristine = (name) => {
      const saved = join(scratch, `${name}.config.json`)
      copyFileSync(join(dir(name), 'config.json'), saved)
      return () => copyFileSync(saved, join(dir(name), 'config.json'))
    }

    const resetFleet = pristine('fleet')
    const resetSmall = pristine('small')
    const bytes = readFileSync(join(dir('fleet'), 'config.json')).length
    process.stdout.write(`  (store: ${SERVERS} servers × ${TOOLS} tools = ${SERVERS * TOOLS} tools, config.json ${(bytes / 1e6).toFixed(1)} MB)\n`)

    const listEmpty = time([mcpctl, 'tools', 'list', '--json'], env('empty'))
    const listFleet = time([mcpctl, 'tools', 'list', '--json'], env('fleet'))
    row('tools list --json (empty store)', listEmpty)
    row(`tools list --json (${SERVERS * TOOLS} tools)`, listFleet, goal(listFleet, listEmpty, 1.5, 'the empty store'))

    const set = [mcpctl, 'policy', 'set', 'mcp:*:delete_*', 'disabled']
    const setSmall = timeFresh(set, env('small'), resetSmall, runs)
    const setFleet = timeFresh(set, env('fleet'), resetFleet, runs)
    row("policy set 'mcp:*:delete_*' disabled (10 tools)", setSmall, '(the empty store has no tool to match: 1 server × 10 tools)')
    row(`policy set 'mcp:*:delete_*' disabled (${SERVERS * TOOLS})`, setFleet, `${goal(setFleet, setSmall, 1.5, 'the small store')}; changes ${SERVERS * TOOLS / 10} tools`)

    const policyFile = join(scratch, 'policy.yaml')
    writeFileSync(policyFile, benchPolicyFile(fleet, TOOLS, APPLY_ENTRIES))
    const apply = [mcpctl, 'policy', 'apply', '-f', policyFile]
    const applyFresh = timeFresh(apply, env('fleet'), resetFleet, runs)
    const applyAgain = time(apply, env('fleet'))
    row(`policy apply -f (${APPLY_ENTRIES} entries, ${SERVERS * TOOLS} tools)`, applyFresh, `${ratio(applyFresh, listEmpty)} of an empty tools list; every entry a change`)
    row(`policy apply -f again (no changes)`, applyAgain, `${ratio(applyAgain, listEmpty)} of an empty tools list; nothing written`)

    servers = await startServers(SYNC_SERVERS)
    const urlFor = (i) => `http://127.0.0.1:${servers.ports[i]}/mcp`
    await writeBenchStore(root, dir('sync20'), {servers: SYNC_SERVERS, toolsPerServer: SYNC_TOOLS, urlFor})
    await writeBenchStore(root, dir('sync1'), {servers: 1, toolsPerServer: SYNC_TOOLS, urlFor})
    const sync1 = time([mcpctl, 'tools', 'sync', '--json'], env('sync1'))
    const sync20 = time([mcpctl, 'tools', 'sync', '--json'], env('sync20'))
    row(`tools sync (1 server, ${SYNC_LATENCY_MS} ms latency)`, sync1)
    row(`tools sync (${SYNC_SERVERS} servers, ${SYNC_LATENCY_MS} ms latency)`, sync20, goal(sync20, sync1, 2, 'one server'))
    servers.close()

    // Each server takes CHECK_LATENCY_MS to answer initialize: checked one after another, 8 would take 8 times as long.
    servers = await startServers(CHECK_SERVERS, CHECK_LATENCY_MS)
    await writeBenchStore(root, dir('check8'), {servers: CHECK_SERVERS, toolsPerServer: 1, urlFor})
    await writeBenchStore(root, dir('check1'), {servers: 1, toolsPerServer: 1, urlFor})
    const checkRuns = Math.min(runs, 5)
    const check1 = time([mcpctl, 'integrations', 'list', '--check', '--json'], env('check1'), checkRuns)
    const check8 = time([mcpctl, 'integrations', 'list', '--check', '--json'], env('check8'), checkRuns)
    row(`integrations list --check (1 server, ${CHECK_LATENCY_MS} ms)`, check1, `median of ${checkRuns} runs`)
    row(`integrations list --check (${CHECK_SERVERS} servers, ${CHECK_LATENCY_MS} ms)`, check8, goal(check8, check1, 1.3, 'one server'))

    process.stdout.write('\nPeak memory (maxRSS of the CLI process):\n')
    const mib = (value) => `${value.toFixed(0)} MiB`
    const rssEmpty = peakRss(mcpctl, ['tools', 'list', '--json'], env('empty'), scratch)
    const rssList = peakRss(mcpctl, ['tools', 'list', '--json'], env('fleet'), scratch)
    resetFleet()
    const rssSet = peakRss(mcpctl, set.slice(1), env('fleet'), scratch)
    resetFleet()
    const rssApply = peakRss(mcpctl, apply.slice(1), env('fleet'), scratch)
    for (const [name, value] of [
      ['tools list --json (empty store)', rssEmpty],
      [`tools list --json (${SERVERS * TOOLS} tools)`, rssList],
      [`policy set 'mcp:*:delete_*' disabled (${SERVERS * TOOLS})`, rssSet],
      [`policy apply -f (${APPLY_ENTRIES} entries)`, rssApply],
    ]) {
      process.stdout.write(`  ${name.padEnd(48)} ${mib(value).padStart(10)}\n`)
    }
  } finally {
    servers?.close()
    rmSync(scratch, {force: true, recursive: true})
  }
}
