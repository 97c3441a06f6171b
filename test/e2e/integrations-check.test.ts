// `integrations list --check`: every connection is contacted at once, each with its own deadline, and shown as
// reachable, unauthorized or unreachable with the reason.
import assert from 'node:assert/strict'

import {ConfigStore} from '../../src/core/store/config-store.js'
import type {Integration, McpIntegration} from '../../src/core/store/schema.js'
import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {freePort} from '../helpers/free-port.js'
import {startMcpServer, type TestMcpServer} from '../helpers/servers.js'

const AT = '2026-01-01T00:00:00.000Z'
const connection = (name: string, url: string, auth: McpIntegration['auth'] = {type: 'none'}): McpIntegration => ({
  auth,
  createdAt: AT,
  name,
  tools: {},
  transport: 'streamable-http',
  updatedAt: AT,
  url,
  warnings: [],
})

interface CheckedRow {
  check: {ms: number; reason?: string; state: string}
  name: string
}

describe('integrations list --check (CLI)', function () {
  this.timeout(120_000)
  let sandbox: ReturnType<typeof cliSandbox>
  let servers: TestMcpServer[] = []

  beforeEach(() => {
    sandbox = cliSandbox({CHECK_TOKEN: 'wrong-token', NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(async () => {
    sandbox.cleanup()
    await Promise.all(servers.map((server) => server.close()))
    servers = []
  })

  const store = (integrations: Integration[]) =>
    new ConfigStore(sandbox.dir).update((config) => {
      for (const integration of integrations) config.integrations[integration.name] = integration
    })

  it('contacts all 8 at once: each server answers only once every one of them has been reached', async () => {
    // A barrier: no server answers its first request until all eight have one. Checked one after another, the first
    // would wait for the others forever (until its deadline) and be reported unreachable.
    const count = 8
    const reached = new Set<number>()
    let release!: () => void
    const everyoneThere = new Promise<void>((resolve) => (release = resolve))
    servers = await Promise.all(
      Array.from({length: count}, (_, index) =>
        startMcpServer({
          async beforeAnswer() {
            reached.add(index)
            if (reached.size === count) release()
            await everyoneThere
          },
        }),
      ),
    )
    await store(servers.map((server, index) => connection(`psa-${index}`, server.url)))

    const result = await sandbox.run(['integrations', 'list', '--check', '--timeout', '20', '--json'], {timeoutMs: 60_000})
    assert.equal(result.code, 0, result.stderr)
    const rows = result.json<CheckedRow[]>()
    assert.deepEqual(
      rows.map((row) => [row.name, row.check.state]),
      servers.map((_, index) => [`psa-${index}`, 'reachable']),
    )
    assert.equal(reached.size, count)
  })

  it('tells reachable, unauthorized and unreachable apart, with the reason; exit 5 when some are not reachable', async () => {
    const open = await startMcpServer()
    const locked = await startMcpServer({auth: 'bearer', token: 'right-token'})
    const silent = await startMcpServer({beforeAnswer: () => new Promise(() => {})})
    servers = [open, locked, silent]
    const deadPort = await freePort()
    await store([
      connection('open', open.url),
      connection('locked', locked.url, {secret: {kind: 'env', variable: 'CHECK_TOKEN'}, type: 'bearer'}),
      connection('dead', `https://127.0.0.1:${deadPort}/mcp`),
      connection('silent', silent.url),
    ])

    const result = await sandbox.run(['integrations', 'list', '--check', '--timeout', '10', '--json'], {timeoutMs: 60_000})
    assert.equal(result.code, 5, result.stderr)
    const byName = Object.fromEntries(result.json<CheckedRow[]>().map((row) => [row.name, row.check]))
    assert.equal(byName.open.state, 'reachable')
    assert.equal(byName.open.reason, undefined)
    assert.equal(byName.locked.state, 'unauthorized')
    assert.ok(byName.locked.reason, 'an unauthorized connection says why')
    assert.equal(byName.dead.state, 'unreachable')
    assert.match(byName.dead.reason!, /127\.0\.0\.1/)
    assert.equal(byName.silent.state, 'unreachable')
    assert.match(byName.silent.reason!, /within 10 s/)
    assert.ok(!result.stdout.includes('wrong-token'), 'the credential never appears')

    const text = await sandbox.run(['integrations', 'list', '--check', '--timeout', '10'], {timeoutMs: 60_000})
    assert.equal(text.code, 5)
    assert.match(text.stdout, /^locked\t.*\tunauthorized\t.+/m)
    assert.match(text.stdout, /^open\t.*\treachable\t\t/m)
  })

  it('without --check nothing is contacted', async () => {
    const server = await startMcpServer()
    servers = [server]
    await store([connection('open', server.url)])
    const result = await sandbox.run(['integrations', 'list', '--json'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.json()[0].check, undefined)
    assert.equal(server.requests.length, 0)
  })
})
