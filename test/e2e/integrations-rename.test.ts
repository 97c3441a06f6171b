// `integrations rename` through the real CLI: tools, policies, choices, definitions and the stored credential stay;
// rules naming the connection follow it; a glob rule that stops matching is reported; bad names change nothing.
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {startMcpServer, type TestMcpServer} from '../helpers/servers.js'

type Row = {name: string; permission: string; source: string}

describe('integrations rename (CLI)', function () {
  this.timeout(120_000)
  let sandbox: ReturnType<typeof cliSandbox>
  let server: TestMcpServer

  const tools = [
    {description: 'Lists tickets.', inputSchema: {properties: {company: {type: 'string'}}, type: 'object'}, name: 'list_tickets'},
    {description: 'Creates a ticket.', inputSchema: {type: 'object'}, name: 'create_ticket'},
    {description: 'Deletes a ticket.', inputSchema: {type: 'object'}, name: 'delete_ticket'},
  ]

  before(async () => {
    server = await startMcpServer({auth: 'bearer', token: 'tok-RENAME-1', tools})
  })
  after(async () => {
    await server.close()
  })
  // Each test: its own store with "acme" connected, its token in the 0600 secrets file.
  beforeEach(async () => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
    const added = await sandbox.run(['integrations', 'add', server.url, '--name', 'acme', '--auth', 'bearer', '--token-stdin', '--insecure-storage'], {input: 'tok-RENAME-1'})
    assert.equal(added.code, 0, added.stderr)
  })
  afterEach(() => {
    sandbox.cleanup()
  })

  const list = async () => {
    const result = await sandbox.run(['tools', 'list', '--json'])
    assert.equal(result.code, 0, result.stderr)
    return result.json<Row[]>().map((r) => [r.name, r.permission, r.source])
  }

  it('keeps tools, policies, choices, definitions and the credential; rewrites the rules that name it', async () => {
    assert.equal((await sandbox.run(['policy', 'set', 'mcp:acme:delete_ticket', 'disabled'])).code, 0)
    assert.equal((await sandbox.run(['policy', 'rules', 'add', '*:acme:create_*', 'disabled'])).code, 0)
    // A connection glob: matches "acme", not "globex".
    assert.equal((await sandbox.run(['policy', 'rules', 'add', 'mcp:ac?e:list_*', 'approval_needed'])).code, 0)
    const secretsBefore = readFileSync(path.join(sandbox.dir, 'secrets.json'), 'utf8')

    const renamed = await sandbox.run(['integrations', 'rename', 'acme', 'globex', '--json'])
    assert.equal(renamed.code, 0, renamed.stderr)
    assert.deepEqual(renamed.json(), {
      changes: [{from: 'approval_needed', name: 'mcp:globex:list_tickets', reason: 'name verb "list" is read-like', to: 'auto'}],
      choices: 1,
      from: 'acme',
      rules: [{from: '*:acme:create_*', to: '*:globex:create_*'}],
      to: 'globex',
      tools: 3,
    })

    assert.deepEqual((await list()).sort(), [
      ['mcp:globex:create_ticket', 'disabled', 'rule'],
      ['mcp:globex:delete_ticket', 'disabled', 'user'],
      ['mcp:globex:list_tickets', 'auto', 'default'],
    ])
    const rules = (await sandbox.run(['policy', 'rules', 'list', '--json'])).json<{pattern: string}[]>().map((r) => r.pattern)
    assert.deepEqual(rules, ['*:globex:create_*', 'mcp:ac?e:list_*'])

    // The definitions moved with it, and the stored credential is used as before, untouched.
    const shown = await sandbox.run(['tools', 'show', 'mcp:globex:list_tickets', '--json'])
    assert.equal(shown.code, 0, shown.stderr)
    assert.deepEqual(shown.json().inputSchema, tools[0].inputSchema)
    assert.deepEqual(readdirSync(path.join(sandbox.dir, 'definitions')).filter((f) => f.startsWith('acme')), [])
    assert.equal(readFileSync(path.join(sandbox.dir, 'secrets.json'), 'utf8'), secretsBefore)
    const called = await sandbox.run(['tools', 'call', 'mcp:globex:list_tickets', '--args', '{"company":"x"}'])
    assert.equal(called.code, 0, called.stderr)
    assert.equal(server.requests.at(-1)?.headers.authorization, 'Bearer tok-RENAME-1')
    assert.equal((await sandbox.run(['tools', 'call', 'mcp:acme:list_tickets'])).code, 2, 'the old name is gone')

    // The text form names what moved.
    const back = await sandbox.run(['integrations', 'rename', 'globex', 'acme'])
    assert.equal(back.code, 0, back.stderr)
    assert.match(back.stdout, /^Renamed globex to acme: 3 tools with their policies, 1 chosen by a person, and its credentials, kept\./)
    assert.match(back.stdout, /rule \*:globex:create_\* → \*:acme:create_\*/)
    assert.match(back.stdout, /mcp:acme:list_tickets: auto → approval_needed \(rule mcp:ac\?e:list_\*\)/)
  })

  it('refuses an unknown connection, an invalid or taken name, and a rule clash, changing nothing (exit 2)', async () => {
    assert.equal((await sandbox.run(['policy', 'rules', 'add', '*:acme:create_*', 'disabled'])).code, 0)
    const config = readFileSync(path.join(sandbox.dir, 'config.json'), 'utf8')
    const cases: [string[], RegExp][] = [
      [['nope', 'other'], /No integration named "nope"/],
      [['acme', 'Not Valid'], /not a valid name/],
      [['acme', 'acme'], /already called that/],
    ]
    for (const [args, message] of cases) {
      const result = await sandbox.run(['integrations', 'rename', ...args, '--json'])
      assert.equal(result.code, 2, args.join(' '))
      assert.match(result.json().error.message, message)
    }

    const second = await sandbox.run(['integrations', 'add', server.url, '--name', 'second', '--auth', 'bearer', '--token-stdin', '--insecure-storage', '--allow-duplicate'], {
      input: 'tok-RENAME-1',
    })
    assert.equal(second.code, 0, second.stderr)
    const taken = await sandbox.run(['integrations', 'rename', 'acme', 'second', '--json'])
    assert.equal(taken.code, 2)
    assert.match(taken.json().error.message, /already exists/)
    assert.equal((await sandbox.run(['disconnect', 'second', '--yes'])).code, 0)

    // A rule already written for the new name would become a second rule with the same pattern.
    assert.equal((await sandbox.run(['policy', 'rules', 'add', '*:later:create_*', 'auto'])).code, 0)
    const clash = await sandbox.run(['integrations', 'rename', 'acme', 'later', '--json'])
    assert.equal(clash.code, 2)
    assert.match(clash.json().error.message, /a rule \*:later:create_\* already exists/)
    assert.equal((await sandbox.run(['policy', 'rules', 'remove', '*:later:create_*'])).code, 0)
    assert.deepEqual(JSON.parse(readFileSync(path.join(sandbox.dir, 'config.json'), 'utf8')).integrations.acme.tools, JSON.parse(config).integrations.acme.tools)
  })

  it('disconnect after a rename leaves no secret behind', async () => {
    assert.equal((await sandbox.run(['integrations', 'rename', 'acme', 'globex'])).code, 0)
    const result = await sandbox.run(['disconnect', 'globex', '--yes', '--json'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.json().removed.secrets, 1)
    const file = path.join(sandbox.dir, 'secrets.json')
    assert.ok(!existsSync(file) || !readFileSync(file, 'utf8').includes('tok-RENAME-1'))
  })
})
