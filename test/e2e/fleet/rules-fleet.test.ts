// Rules and ceilings through the real CLI, against a fleet of real MCP servers (HTTPS with the test CA, and plain http
// on loopback) and a catalog app connection (HaloPSA, against its emulator).
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {startMcpServer, type TestMcpServer, type TestTool} from '../../helpers/servers.js'
import {startHaloEmulator} from '../../helpers/vendors/halopsa.js'

const schema = {properties: {id: {type: 'string'}}, type: 'object'}
const tool = (name: string, description: string): TestTool => ({description, inputSchema: schema, name})

type Row = {name: string; permission: string; reason: string; rule?: string; source: string}

describe('rules and ceilings across a fleet (CLI)', () => {
  let sandbox: ReturnType<typeof cliSandbox>
  let acme: TestMcpServer
  let globex: TestMcpServer
  let local: TestMcpServer

  beforeEach(async () => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
    acme = await startMcpServer({tools: [tool('list_tickets', 'Lists tickets.'), tool('delete_ticket', 'Deletes a ticket.'), tool('run_script', 'Runs a script.')]})
    globex = await startMcpServer({tools: [tool('list_devices', 'Lists devices.')]})
    local = await startMcpServer({tls: false, tools: [tool('get_device', 'Gets a device.'), tool('run_backup', 'Runs a backup.')]})
  })
  afterEach(async () => {
    await Promise.all([acme.close(), globex.close(), local.close()])
    sandbox.cleanup()
  })

  const run = async (args: string[], input?: string) => sandbox.run(args, {input})
  const ok = async (args: string[], input?: string) => {
    const result = await run(args, input)
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`)
    return result
  }

  const tools = async () => Object.fromEntries((await ok(['tools', 'list', '--json'])).json<Row[]>().map((r) => [r.name, r]))
  const addFleet = async () => {
    await ok(['integrations', 'add', acme.url, '--name', 'acme', '--json'])
    await ok(['integrations', 'add', globex.url, '--name', 'globex', '--json'])
    await ok(['integrations', 'add', local.url, '--name', 'local', '--allow-http', '--json'])
  }

  it('a baseline set before any connection exists decides every tool the fleet brings, and tools a later sync finds', async () => {
    const none = await ok(['policy', 'rules', 'add', '*:*:delete_*', 'disabled'])
    assert.match(none.stderr, /Added rule \*:\*:delete_\* → disabled: it matches no tool today and applies to tools that appear later\./)
    await ok(['policy', 'rules', 'add', '*:*:run_*', '--at-most', 'approval_needed'])
    await ok(['policy', 'rules', 'add', 'mcp:local:*', 'auto'])

    const added = await ok(['integrations', 'add', acme.url, '--name', 'acme', '--json'])
    const seeded = Object.fromEntries(added.json().tools.map((t: {permission: string; reason: string; tool: string}) => [t.tool, `${t.permission}: ${t.reason}`]))
    assert.equal(seeded.delete_ticket, 'disabled: rule *:*:delete_*')
    await ok(['integrations', 'add', globex.url, '--name', 'globex', '--json'])
    await ok(['integrations', 'add', local.url, '--name', 'local', '--allow-http', '--json'])

    let rows = await tools()
    assert.deepEqual([rows['mcp:acme:delete_ticket'].permission, rows['mcp:acme:delete_ticket'].source, rows['mcp:acme:delete_ticket'].rule], ['disabled', 'rule', '*:*:delete_*'])
    assert.deepEqual([rows['mcp:local:get_device'].permission, rows['mcp:local:get_device'].source], ['auto', 'rule'])
    // mcp:local:* says auto, but the ceiling over run_* holds whatever else matches.
    assert.deepEqual([rows['mcp:local:run_backup'].permission, rows['mcp:local:run_backup'].source, rows['mcp:local:run_backup'].rule], ['approval_needed', 'ceiling', '*:*:run_*'])
    assert.match(rows['mcp:local:run_backup'].reason, /ceiling \*:\*:run_\*: at most approval_needed \(auto by rule mcp:local:\*\)/)
    assert.equal(rows['mcp:globex:list_devices'].source, 'default')

    // A server grows a delete tool: the sync that finds it applies the rule at once, and says which rule.
    globex.setTools([...globex.tools, tool('delete_device', 'Deletes a device.')])
    const synced = await ok(['tools', 'sync', 'globex'])
    assert.match(synced.stderr, /\+ mcp:globex:delete_device {2}disabled \(rule \*:\*:delete_\*\)/)
    rows = await tools()
    assert.deepEqual([rows['mcp:globex:delete_device'].permission, rows['mcp:globex:delete_device'].rule], ['disabled', '*:*:delete_*'])

    // The agent's side reads the one resolved permission: a tool disabled by a rule is refused.
    const call = await run(['tools', 'call', 'mcp:globex:delete_device', '--yes', '--json'])
    assert.equal(call.code, 7, call.stdout)
    assert.equal(globex.requests.some((r) => r.rawBody.includes('tools/call')), false)

    const listed = (await ok(['policy', 'rules', 'list', '--json'])).json<{decides: number; matches: number; pattern: string; position: number}[]>()
    assert.deepEqual(
      listed.map((r) => [r.position, r.pattern, r.matches, r.decides]),
      [
        [1, '*:*:delete_*', 2, 2],
        [2, '*:*:run_*', 2, 0],
        [3, 'mcp:local:*', 2, 2],
      ],
    )

    // Removing a rule resolves its tools again at once: back to the seeded default.
    const removed = await ok(['policy', 'rules', 'remove', '*:*:delete_*', '--json'])
    assert.deepEqual(removed.json().changes.map((c: {name: string; to: string; toSource: string}) => [c.name, c.to, c.toSource]), [
      ['mcp:acme:delete_ticket', 'approval_needed', 'default'],
      ['mcp:globex:delete_device', 'approval_needed', 'default'],
    ])
  })

  it('rules span MCP servers and catalog app connections: an app born under them, kind-wide and fleet-wide rules alike', async () => {
    const halo = await startHaloEmulator({tenant: 'acmetenant'})
    try {
      await ok(['policy', 'rules', 'add', 'halopsa:*:*', 'approval_needed'])
      await ok(['policy', 'rules', 'add', '*:*:update_*', '--at-most', 'disabled'])
      await ok(['policy', 'rules', 'add', '*:*:list_*', 'auto'])
      await ok(['integrations', 'add', acme.url, '--name', 'acme', '--json'])
      const connected = await run(
        ['connect', 'halopsa', '--name', 'psa', '--field', `instance=${halo.origin}`, '--field', `client-id=${halo.credentials.clientId}`, '--secret-stdin', 'client-secret', '--insecure-storage', '--json'],
        halo.credentials.clientSecret,
      )
      assert.equal(connected.code, 0, connected.stderr)

      const rows = await tools()
      // halopsa:*:* (two wildcards) is more specific than *:*:list_* (three): it decides the app's lists too.
      assert.deepEqual([rows['halopsa:psa:list_tickets'].permission, rows['halopsa:psa:list_tickets'].rule], ['approval_needed', 'halopsa:*:*'])
      assert.deepEqual([rows['halopsa:psa:update_ticket'].permission, rows['halopsa:psa:update_ticket'].source, rows['halopsa:psa:update_ticket'].rule], ['disabled', 'ceiling', '*:*:update_*'])
      assert.deepEqual([rows['mcp:acme:list_tickets'].permission, rows['mcp:acme:list_tickets'].rule], ['auto', '*:*:list_*'])

      const refused = await run(['policy', 'set', 'halopsa:psa:update_ticket', 'approval_needed', '--json'])
      assert.equal(refused.code, 7)
      assert.match(refused.json().error.message, /halopsa:psa:update_ticket cannot be approval_needed: ceiling \*:\*:update_\* allows at most disabled/)
      await ok(['policy', 'set', 'halopsa:psa:list_tickets', 'auto'])
      assert.deepEqual([(await tools())['halopsa:psa:list_tickets'].permission, (await tools())['halopsa:psa:list_tickets'].source], ['auto', 'user'])
      const exported = (await ok(['policy', 'export'])).stdout
      assert.match(exported, /\n {2}psa:\n {4}list_tickets: auto\n/)
    } finally {
      await halo.close()
    }
  })

  it('a ceiling refuses a looser choice from policy set, --stdin and a policy file, naming the rule (exit 7)', async () => {
    await addFleet()
    await ok(['policy', 'set', 'mcp:acme:run_script', 'auto'])
    const config = () => readFileSync(join(sandbox.dir, 'config.json'), 'utf8')

    // A new ceiling drops the looser choice already made, and says so.
    const ceiling = await ok(['policy', 'rules', 'add', '*:*:run_*', '--at-most', 'approval_needed'])
    assert.match(ceiling.stderr, /Dropped the choice mcp:acme:run_script auto: ceiling \*:\*:run_\* forbids it\./)
    assert.equal((await tools())['mcp:acme:run_script'].permission, 'approval_needed')

    const before = config()
    const set = await run(['policy', 'set', 'mcp:acme:run_script', 'auto', '--json'])
    assert.equal(set.code, 7)
    const {error} = set.json()
    assert.equal(error.kind, 'policy')
    assert.match(error.message, /^mcp:acme:run_script cannot be auto: ceiling \*:\*:run_\* allows at most approval_needed\. Nothing was changed\.$/)
    assert.deepEqual(error.refused, [{atMost: 'approval_needed', ceiling: '*:*:run_*', name: 'mcp:acme:run_script', permission: 'auto'}])

    const stdin = await run(['policy', 'set', '--stdin', '--json'], 'mcp:*:list_* auto\nmcp:local:run_backup auto\n')
    assert.equal(stdin.code, 7)
    assert.match(stdin.json().error.message, /\n {2}line 2: mcp:local:run_backup cannot be auto: ceiling \*:\*:run_\* allows at most approval_needed$/)

    const file = join(sandbox.dir, 'p.yaml')
    writeFileSync(file, 'version: 1\nservers:\n  acme:\n    run_script: auto\n')
    const applied = await run(['policy', 'apply', '-f', file])
    assert.equal(applied.code, 7)
    assert.match(applied.stderr, /line 4: mcp:acme:run_script cannot be auto/)
    assert.equal(config(), before, 'nothing was written')

    // Stricter than the ceiling is fine.
    await ok(['policy', 'set', 'mcp:acme:run_script', 'disabled'])
    assert.equal((await tools())['mcp:acme:run_script'].permission, 'disabled')
  })

  it('export → apply → export gives the same bytes, with rules, ceilings and choices (YAML and JSON)', async function () {
    this.timeout(240_000) // some 25 CLI runs
    await addFleet()
    await ok(['policy', 'rules', 'add', '*:*:delete_*', 'disabled'])
    await ok(['policy', 'rules', 'add', '*:*:run_*', 'approval_needed', '--at-most', 'approval_needed'])
    await ok(['policy', 'rules', 'add', 'mcp:acme-*:*', 'auto'])
    await ok(['policy', 'rules', 'add', '*:*:wipe_?', '--at-most', 'disabled'])
    await ok(['policy', 'set', 'mcp:acme:list_tickets', 'approval_needed'])
    await ok(['policy', 'set', 'mcp:local:get_device', 'disabled'])

    for (const format of ['yaml', 'json']) {
      const first = join(sandbox.dir, `first.${format}`)
      const second = join(sandbox.dir, `second.${format}`)
      await ok(['policy', 'export', '-o', first])
      const text = readFileSync(first, 'utf8')
      if (format === 'yaml') {
        assert.match(text, /\nrules:\n {2}"\*:\*:delete_\*": disabled\n {2}"\*:\*:run_\*":\n {4}level: approval_needed\n {4}at_most: approval_needed\n {2}mcp:acme-\*:\*: auto\n {2}"\*:\*:wipe_\?":\n {4}at_most: disabled\n/)
      }

      // Wipe rules and choices, then let the file bring them back.
      await ok(['policy', 'rules', 'remove', '*:*:delete_*', '*:*:run_*', 'mcp:acme-*:*', '*:*:wipe_?'])
      await ok(['policy', 'reset', '--yes'])
      assert.deepEqual((await ok(['policy', 'rules', 'list', '--json'])).json(), [])
      const restored = await ok(['policy', 'apply', '-f', first, '--prune', '--json'])
      assert.equal(restored.json().rules.length, 4)
      await ok(['policy', 'export', '-o', second])
      assert.equal(readFileSync(second, 'utf8').replace(/second\./, 'first.'), text)
      const again = await run(['policy', 'apply', '-f', first, '--dry-run', '--prune'])
      assert.equal(again.code, 0, again.stderr)
    }
  })
})
