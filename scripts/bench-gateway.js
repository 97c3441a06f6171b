// `npm run bench`, third part: the gateway. Per-call overhead against calling the same upstream directly (one
// process, loopback, sessions kept on both paths), sequential and 64 at a time, and tools/list on a 20,000-tool
// store against an empty one. Figures with ratios against the goals, not pass/fail tests.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
// The direct path uses the client the gateway itself uses upstream (the v1 SDK's), so that the difference measured is
// the gateway, not two HTTP client implementations.
import {Client as UpstreamClient} from '@modelcontextprotocol/sdk/client/index.js'
import {StreamableHTTPClientTransport} from '@modelcontextprotocol/sdk/client/streamableHttp.js'

import {writeBenchStore} from '../bench/scale/fixtures.js'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const CALLS = Number(process.env.BENCH_GATEWAY_CALLS ?? 2000)
// Both paths warm up slowly: the CPU a call costs falls three to five times over the first few thousand calls (JIT in
// three processes), so a short warm-up measures the compiler, not the gateway.
const WARM_UP = Number(process.env.BENCH_GATEWAY_WARM_UP ?? 4000)
// The two paths are measured in alternating blocks, so that drift over the run (the machine, the JIT, the heap) falls
// on both alike instead of on whichever ran second. Concurrent blocks are longer, so that filling and draining 64
// calls in flight is a small part of each.
const BLOCK = 100
const CONCURRENT_BLOCK = 500
const CONCURRENCY = 64
const LISTS = 1000

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}
const fmt = (ms) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`
/** Each goal's outcome, for `npm run bench`'s count of goals met. */
export const gatewayGoals = []
const verdict = (met) => (gatewayGoals.push(met), met ? 'met' : 'MISSED')

async function upstream() {
  const child = spawn(process.execPath, [join(root, 'bench', 'gateway', 'upstream.js')], {stdio: ['pipe', 'pipe', 'inherit']})
  const line = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench upstream exited (${code})`)))
    createInterface({input: child.stdout}).once('line', resolve)
  })
  child.removeAllListeners('exit')
  return {close: () => child.stdin.end(), url: JSON.parse(line).url}
}

function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), ...args], {env: {...process.env, ...env, CI: 'true'}, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`mcpctl ${args.join(' ')} exited ${code}: ${stderr}`))))
  })
}

async function gatewayClient(env) {
  const client = new Client({name: 'bench', version: '1.0.0'})
  await client.connect(new StdioClientTransport({args: [join(root, 'bin', 'run.js'), 'gateway'], command: process.execPath, env: {...process.env, ...env}, stderr: 'ignore'}))
  return client
}

/** `count` calls of each of `paths`, taking turns in blocks: each path's latencies and wall time. */
async function alternate(paths, count, concurrency) {
  const results = paths.map(() => ({latencies: [], wall: 0}))
  const size = concurrency > 1 ? CONCURRENT_BLOCK : BLOCK
  for (let done = 0; done < count; done += size) {
    for (const [index, call] of paths.entries()) {
      const block = await measure(call, Math.min(size, count - done), concurrency)
      results[index].latencies.push(...block.latencies)
      results[index].wall += block.wall
    }
  }

  return results
}

/** Latencies (ms) of `count` calls, `concurrency` in flight at a time, and the wall time of all of them. */
async function measure(call, count, concurrency) {
  const latencies = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({length: concurrency}, async () => {
      while (next < count) {
        next++
        const start = performance.now()
        await call()
        latencies.push(performance.now() - start)
      }
    }),
  )
  return {latencies, wall: performance.now() - started}
}

export async function gatewayBench() {
  const scratch = mkdtempSync(join(tmpdir(), 'mcpctl-bench-gateway-'))
  const server = await upstream()
  const clients = []
  try {
    const env = {MCPCTL_CONFIG_DIR: join(scratch, 'store'), MCPCTL_KEYRING: 'off'}
    await run(['integrations', 'add', server.url, '--allow-http', '--name', 'hd', '--auth', 'none'], env)
    await run(['policy', 'set', 'mcp:hd:get_ticket', 'auto'], env)

    const direct = new UpstreamClient({name: 'bench', version: '1.0.0'})
    // A signal per request, as the gateway's own fetch makes: the transport hands fetch one signal for its whole life,
    // and Node's fetch keeps a listener on it per request until garbage collection (a warning after 1,500 calls).
    const fetchOwnSignal = (url, init) => fetch(url, {...init, signal: init?.signal ? AbortSignal.any([init.signal]) : undefined})
    await direct.connect(new StreamableHTTPClientTransport(new URL(server.url), {fetch: fetchOwnSignal}))
    const gateway = await gatewayClient(env)
    clients.push(direct, gateway)
    const viaDirect = () => direct.callTool({arguments: {id: 1}, name: 'get_ticket'})
    const viaGateway = () => gateway.callTool({arguments: {id: 1}, name: 'hd__get_ticket'})
    // Warm both paths (the gateway opens its upstream session on first use; JIT).
    await alternate([viaDirect, viaGateway], WARM_UP, 1)

    const [d1, g1] = await alternate([viaDirect, viaGateway], CALLS, 1)
    // The floor under any gateway: one more stdio round trip, with nothing behind it.
    const hop = await measure(() => gateway.ping(), CALLS, 1)
    const [d64, g64] = await alternate([viaDirect, viaGateway], CALLS, CONCURRENCY)

    const load = (await import('node:os')).loadavg()[0]
    process.stdout.write(`\nGateway (${CALLS} calls each after ${WARM_UP} to warm up, in alternating blocks of ${BLOCK} (${CONCURRENT_BLOCK} when concurrent); upstream on loopback; Node ${process.version}; load average ${load.toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores):\n`)
    const row = (name, value, note = '') => process.stdout.write(`  ${name.padEnd(52)} ${value.padStart(10)}  ${note}\n`)
    const p50d = quantile(d1.latencies, 0.5)
    const p50g = quantile(g1.latencies, 0.5)
    const overhead = p50g - p50d
    row('direct call, sequential: p50', fmt(p50d))
    row('direct call, sequential: p99', fmt(quantile(d1.latencies, 0.99)))
    row('through the gateway, sequential: p50', fmt(p50g), `${(p50g / p50d).toFixed(2)}x of direct (goal <= 1.20x: ${verdict(p50g / p50d <= 1.2)})`)
    row('through the gateway, sequential: p99', fmt(quantile(g1.latencies, 0.99)), `${(quantile(g1.latencies, 0.99) / quantile(d1.latencies, 0.99)).toFixed(2)}x of direct`)
    row('gateway overhead at p50', fmt(overhead), `goal <= 1 ms: ${verdict(overhead <= 1)}`)
    row('ping through the gateway (the stdio hop alone): p50', fmt(quantile(hop.latencies, 0.5)), `${(quantile(hop.latencies, 0.5) / p50d).toFixed(2)}x of a direct call`)
    row(`direct, ${CONCURRENCY} concurrent: p50 / p99`, `${fmt(quantile(d64.latencies, 0.5))} / ${fmt(quantile(d64.latencies, 0.99))}`, `all ${CALLS} in ${fmt(d64.wall)}`)
    const ratio64 = g64.wall / d64.wall
    row(`gateway, ${CONCURRENCY} concurrent: p50 / p99`, `${fmt(quantile(g64.latencies, 0.5))} / ${fmt(quantile(g64.latencies, 0.99))}`, `all ${CALLS} in ${fmt(g64.wall)}: ${ratio64.toFixed(2)}x of direct (goal <= 1.50x: ${verdict(ratio64 <= 1.5)})`)

    // tools/list: an empty store against 200 servers × 100 tools.
    const emptyEnv = {MCPCTL_CONFIG_DIR: join(scratch, 'empty'), MCPCTL_KEYRING: 'off'}
    const fleetDir = join(scratch, 'fleet')
    await writeBenchStore(root, fleetDir, {servers: 200, toolsPerServer: 100})
    // And one page's worth (100 tools): the same answer as the fleet's first page, so the two differ only by the store.
    const pageDir = join(scratch, 'page')
    await writeBenchStore(root, pageDir, {servers: 1, toolsPerServer: 100})
    const empty = await gatewayClient(emptyEnv)
    const page = await gatewayClient({MCPCTL_CONFIG_DIR: pageDir, MCPCTL_KEYRING: 'off'})
    const fleet = await gatewayClient({MCPCTL_CONFIG_DIR: fleetDir, MCPCTL_KEYRING: 'off'})
    clients.push(empty, page, fleet)
    const list = (client) => () => client.request({method: 'tools/list', params: {}})
    for (const client of [empty, page, fleet]) await measure(list(client), 500, 1)
    const [le, lp, lf] = await alternate([list(empty), list(page), list(fleet)], LISTS, 1)
    const p50e = quantile(le.latencies, 0.5)
    const p50p = quantile(lp.latencies, 0.5)
    const p50f = quantile(lf.latencies, 0.5)
    let pages = 0
    const all = await measure(
      async () => {
        let cursor
        pages = 0
        do {
          const page = await fleet.request({method: 'tools/list', params: cursor ? {cursor} : {}})
          cursor = page.nextCursor
          pages++
        } while (cursor)
      },
      5,
      1,
    )
    row('tools/list, empty store: p50', fmt(p50e))
    row('tools/list, 100 tools (one full page): p50', fmt(p50p), `${(p50p / p50e).toFixed(2)}x of empty (a page of 100 tools against none)`)
    row('tools/list, 20,000 tools (first page of 100): p50', fmt(p50f), `${(p50f / p50e).toFixed(2)}x of empty (goal <= 2.00x: ${verdict(p50f / p50e <= 2)}); ${(p50f / p50p).toFixed(2)}x of 100 tools`)
    row(`tools/list, 20,000 tools, all ${pages} pages: p50`, fmt(quantile(all.latencies, 0.5)), '(what a client that reads every page waits)')
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => {})))
    server.close()
    rmSync(scratch, {force: true, recursive: true})
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await gatewayBench()
