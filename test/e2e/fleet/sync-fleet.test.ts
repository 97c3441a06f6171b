// `tools sync` through the real CLI against real MCP servers (HTTPS with the test CA, and plain http on loopback).
import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {testCa} from '../../helpers/ca.js'
import type {Config} from '../../../src/core/store/schema.js'
import {cliSandbox} from '../../helpers/cli.js'
import {freePort} from '../../helpers/free-port.js'
import {startHttpServer, startMcpServer, type TestHttpServer, type TestMcpServer, type TestTool} from '../../helpers/servers.js'
import {fixtureIntegration, writeStore} from '../../helpers/store-fixture.js'

const schema = (properties: Record<string, unknown> = {id: {type: 'string'}}) => ({properties, required: ['id'], type: 'object'})

const HELPDESK: TestTool[] = [
  {description: 'Lists tickets.', inputSchema: schema({}), name: 'list_tickets'},
  {description: 'Gets a ticket.', inputSchema: schema(), name: 'get_ticket'},
  {description: 'Deletes a ticket.', inputSchema: schema(), name: 'delete_ticket'},
  {description: 'Gets an old report.', inputSchema: schema(), name: 'old_report'},
]

type SyncJson = {
  failed: number
  servers: {
    added: {tool: string}[]
    changed: {demoted: boolean; diff: string; from: string; permission: string; tool: string}[]
    error?: {kind: string; message: string}
    name: string
    ok: boolean
    removed: {name: string; permission: string; source: string}[]
    unchanged: number
  }[]
}

describe('tools sync (CLI)', () => {
  let sandbox: ReturnType<typeof cliSandbox>
  let acme: TestMcpServer
  let globex: TestMcpServer
  let local: TestMcpServer
  let silent: TestHttpServer | undefined

  beforeEach(async () => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
    acme = await startMcpServer({tools: structuredClone(HELPDESK)})
    globex = await startMcpServer({tools: [{description: 'Lists devices.', inputSchema: schema({}), name: 'list_devices'}]})
    local = await startMcpServer({tls: false, tools: [{description: 'Runs a script.', inputSchema: schema(), name: 'run_script'}]})
    writeStore(sandbox.dir, [fixtureIntegration('acme', [], acme.url), fixtureIntegration('globex', [], globex.url), fixtureIntegration('local', [], local.url)])
  })
  afterEach(async () => {
    await Promise.all([acme.close(), globex.close(), local.close(), silent?.close()])
    silent = undefined
    sandbox.cleanup()
  })

  const tools = async (args: string[] = []) => {
    const result = await sandbox.run(['tools', 'list', '--json', ...args])
    assert.equal(result.code, 0, result.stderr)
    return result.json<{changed: boolean; name: string; permission: string; reason: string; source: string}[]>()
  }

  it('syncs every connection (https and loopback http), seeding new tools', async () => {
    const result = await sandbox.run(['tools', 'sync', '--json'])
    assert.equal(result.code, 0, result.stderr)
    const json = result.json<SyncJson>()
    assert.deepEqual(
      json.servers.map((s) => [s.name, s.ok, s.added.length]),
      [
        ['acme', true, 4],
        ['globex', true, 1],
        ['local', true, 1],
      ],
    )
    const rows = await tools()
    assert.equal(rows.length, 6)
    assert.equal(rows.find((r) => r.name === 'mcp:acme:get_ticket')?.permission, 'auto')
    assert.ok(existsSync(join(sandbox.dir, 'definitions', 'acme.json')))

    const again = await sandbox.run(['tools', 'sync', 'acme', '--json'])
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(again.json<SyncJson>().servers.map((s) => [s.name, s.added.length, s.removed.length, s.changed.length, s.unchanged]), [['acme', 0, 0, 0, 4]])
  })

  it('adds, removes and flags changed tools with a diff; auto drops to approval_needed; a user policy is kept', async () => {
    assert.equal((await sandbox.run(['tools', 'sync'])).code, 0)
    assert.equal((await sandbox.run(['policy', 'set', 'mcp:acme:list_tickets', 'disabled'])).code, 0)

    acme.setTools([
      {description: 'Lists tickets, newest first.', inputSchema: schema({}), name: 'list_tickets'},
      {description: 'Gets a ticket.', inputSchema: schema({id: {type: 'string'}, purge: {type: 'boolean'}}), name: 'get_ticket'},
      {description: 'Deletes a ticket.', inputSchema: schema(), name: 'delete_ticket'},
      {description: 'Merges two tickets.', inputSchema: schema(), name: 'merge_tickets'},
    ])
    const human = await sandbox.run(['tools', 'sync', 'acme'])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^acme\tok\t1\t1\t2\t1\t$/m)
    assert.match(human.stderr, /\+ mcp:acme:merge_tickets {2}approval_needed \(seeded\)/)
    assert.match(human.stderr, /- mcp:acme:old_report {2}no longer offered \(was auto\)/)
    assert.match(human.stderr, /~ mcp:acme:get_ticket {2}definition changed; auto → approval_needed until someone sets it again\n {4}inputSchema\.properties\.purge: added \{"type":"boolean"\}/)
    assert.match(human.stderr, /~ mcp:acme:list_tickets {2}definition changed; keeps disabled\n {4}description: "Lists tickets\." → "Lists tickets, newest first\."/)

    const changed = await tools(['--changed'])
    assert.deepEqual(
      changed.map((r) => [r.name, r.permission, r.source]),
      [
        ['mcp:acme:get_ticket', 'approval_needed', 'default'],
        ['mcp:acme:list_tickets', 'disabled', 'user'],
      ],
    )
    assert.equal(changed[0].reason, 'definition changed')
    const all = await tools()
    assert.ok(!all.some((r) => r.name === 'mcp:acme:old_report'))
    assert.ok(all.some((r) => r.name === 'mcp:acme:merge_tickets'))

    // Setting the policy again clears the flag.
    assert.equal((await sandbox.run(['policy', 'set', 'mcp:acme:get_ticket', 'auto'])).code, 0)
    assert.deepEqual((await tools(['--changed'])).map((r) => r.name), ['mcp:acme:list_tickets'])
  })

  it('a person’s choice outlives a tool’s absence: a tool left out of one sync comes back with it, flagged as changed', async () => {
    assert.equal((await sandbox.run(['tools', 'sync', 'acme'])).code, 0)
    const original = [...acme.tools]
    assert.equal((await sandbox.run(['policy', 'set', 'mcp:acme:get_ticket', 'disabled'])).code, 0)
    const byName = async () => Object.fromEntries((await tools()).map((r) => [r.name, r]))
    assert.equal((await byName())['mcp:acme:list_tickets'].permission, 'auto')

    // One sync without them: they leave the listing…
    acme.setTools(original.filter((tool) => tool.name !== 'get_ticket' && tool.name !== 'list_tickets'))
    const gone = await sandbox.run(['tools', 'sync', 'acme'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.match(gone.stderr, /- mcp:acme:get_ticket {2}no longer offered \(was disabled, a person’s choice, kept should it come back\)/)
    assert.ok(!('mcp:acme:get_ticket' in (await byName())))
    const disabled = await sandbox.run(['tools', 'call', 'mcp:acme:get_ticket', '--yes'])
    assert.equal(disabled.code, 2, 'an absent tool is not callable')

    // …and the next one lists them again: the person's disabled stands, and the seeded auto waits for a person.
    acme.setTools(original)
    const back = await sandbox.run(['tools', 'sync', 'acme', '--json'])
    assert.equal(back.code, 0, back.stderr)
    const server = back.json<SyncJson>().servers[0]
    assert.deepEqual(server.added, [], 'a returning tool is not new')
    assert.deepEqual(server.changed.map((tool) => [tool.tool, tool.permission]).sort(), [['get_ticket', 'disabled'], ['list_tickets', 'approval_needed']])
    const rows = await byName()
    assert.deepEqual([rows['mcp:acme:get_ticket'].permission, rows['mcp:acme:get_ticket'].source], ['disabled', 'user'])
    assert.deepEqual([rows['mcp:acme:list_tickets'].permission, rows['mcp:acme:list_tickets'].reason], ['approval_needed', 'definition changed'])
    assert.equal((await sandbox.run(['tools', 'call', 'mcp:acme:get_ticket', '--yes'])).code, 7, 'still disabled')
    assert.deepEqual((await tools(['--changed'])).map((r) => r.name), ['mcp:acme:get_ticket', 'mcp:acme:list_tickets'])
    const shown = await sandbox.run(['tools', 'show', 'mcp:acme:list_tickets'])
    assert.match(shown.stdout + shown.stderr, /reappeared after being absent since/)

    // Accepting it is the person's look: list_tickets runs unattended again.
    assert.equal((await sandbox.run(['tools', 'accept', 'mcp:acme:list_tickets', '--yes'])).code, 0)
    assert.equal((await byName())['mcp:acme:list_tickets'].permission, 'auto')

    // Disconnect forgets everything: connected again, the tool is new and seeded.
    acme.setTools(original.filter((tool) => tool.name !== 'get_ticket'))
    assert.equal((await sandbox.run(['tools', 'sync', 'acme'])).code, 0)
    assert.equal((await sandbox.run(['disconnect', 'acme', '--yes'])).code, 0)
    acme.setTools(original)
    assert.equal((await sandbox.run(['integrations', 'add', acme.url, '--name', 'acme'])).code, 0)
    assert.deepEqual([(await byName())['mcp:acme:get_ticket'].permission, (await byName())['mcp:acme:get_ticket'].source], ['auto', 'default'])
  })

  it('a dead and a silent server fail on their own; the others are still synced (exit 5)', async () => {
    silent = await startHttpServer(() => new Promise(() => {}), {tls: false})
    const deadPort = await freePort()
    writeStore(sandbox.dir, [
      fixtureIntegration('acme', [], acme.url),
      fixtureIntegration('dead', [], `http://127.0.0.1:${deadPort}/mcp`),
      fixtureIntegration('globex', [], globex.url),
      fixtureIntegration('silent', [], `${silent.origin}/mcp`),
    ])
    // The silent server never answers: the command still ends (its per-server deadline), with the others synced.
    // Long enough for the live servers on a loaded machine; the silent one always hits it.
    const result = await sandbox.run(['tools', 'sync', '--timeout', '5', '--json'])
    assert.equal(result.code, 5, result.stderr)
    const json = result.json<SyncJson>()
    assert.equal(json.failed, 2)
    const byName = Object.fromEntries(json.servers.map((s) => [s.name, s]))
    assert.equal(byName.acme.ok, true)
    assert.equal(byName.acme.added.length, 4)
    assert.equal(byName.globex.ok, true)
    assert.equal(byName.dead.ok, false)
    assert.equal(byName.dead.error?.kind, 'server')
    assert.equal(byName.silent.ok, false)
    assert.match(byName.silent.error!.message, /within 5 s/)
    assert.equal((await tools()).length, 5)
  })

  it('exits 4 when every server fails, and 2 for an unknown name', async () => {
    const deadPort = await freePort()
    writeStore(sandbox.dir, [fixtureIntegration('dead', [], `http://127.0.0.1:${deadPort}/mcp`)])
    const dead = await sandbox.run(['tools', 'sync'])
    assert.equal(dead.code, 4, dead.stderr)
    assert.match(dead.stdout, /^dead\tfailed\t0\t0\t0\t0\t.+/m)
    const unknown = await sandbox.run(['tools', 'sync', 'nope'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /No integration named "nope"/)
  })

  it('keeps a policy set while a slow sync was running', async () => {
    assert.equal((await sandbox.run(['tools', 'sync'])).code, 0)
    // A server that holds its first request until the policy has been set: the sync is in flight, its config read.
    let reached!: () => void
    const inFlight = new Promise<void>((resolve) => {
      reached = resolve
    })
    let release!: () => void
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    silent = await startHttpServer(
      async (_req, res) => {
        reached()
        await released
        res.writeHead(503).end()
      },
      {tls: false},
    )
    const file = join(sandbox.dir, 'config.json')
    const config = JSON.parse(readFileSync(file, 'utf8')) as Config
    config.integrations.silent = fixtureIntegration('silent', [], `${silent.origin}/mcp`)
    writeFileSync(file, JSON.stringify(config))

    const sync = sandbox.run(['tools', 'sync', '--timeout', '60', '--json'])
    await inFlight
    const set = await sandbox.run(['policy', 'set', 'mcp:acme:delete_ticket', 'disabled'])
    release()
    assert.equal(set.code, 0, set.stderr)
    const synced = await sync
    assert.equal(synced.code, 5, synced.stderr)
    assert.equal(synced.json<SyncJson>().servers.find((s) => s.name === 'acme')?.unchanged, 4)
    const row = (await tools()).find((r) => r.name === 'mcp:acme:delete_ticket')
    assert.deepEqual([row?.permission, row?.source], ['disabled', 'user'])
  })

  it('a changed tool stays approval_needed through policy reset until tools accept, which shows the diff', async () => {
    assert.equal((await sandbox.run(['tools', 'sync', 'acme'])).code, 0)
    acme.tools[1].description = 'Gets a ticket, or purges it when asked.'
    assert.equal((await sandbox.run(['tools', 'sync', 'acme'])).code, 0)
    const waiting = () => tools(['mcp:acme:get_ticket'])
    assert.deepEqual((await waiting()).map((t) => [t.permission, t.changed]), [['approval_needed', true]])

    const reset = await sandbox.run(['policy', 'reset', 'mcp:acme:get_ticket', '--json'])
    assert.equal(reset.code, 0, reset.stderr)
    assert.deepEqual((await waiting()).map((t) => [t.permission, t.changed]), [['approval_needed', true]], 'reset does not accept the new definition')

    const unconfirmed = await sandbox.run(['tools', 'accept', 'mcp:acme:get_ticket'])
    assert.equal(unconfirmed.code, 2)
    assert.match(unconfirmed.stdout, /description: "Gets a ticket\." → "Gets a ticket, or purges it when asked\."/, 'the diff is shown before anything is asked')
    assert.match(unconfirmed.stderr, /--yes/)
    assert.deepEqual((await waiting()).map((t) => t.changed), [true])

    const accepted = await sandbox.run(['tools', 'accept', 'mcp:acme:get_ticket', '--yes', '--json'])
    assert.equal(accepted.code, 0, accepted.stderr)
    assert.deepEqual(accepted.json().changes.map((c: {from: string; to: string; tool: string}) => [c.tool, c.from, c.to]), [['get_ticket', 'approval_needed', 'auto']])
    assert.deepEqual((await waiting()).map((t) => [t.permission, t.changed]), [['auto', false]])
    const again = await sandbox.run(['tools', 'accept', 'mcp:acme:get_ticket', '--yes', '--json'])
    assert.equal(again.code, 2, 'nothing left to accept')
    assert.match(again.json().error.message, /matched no tool whose definition changed/)
  })
})
