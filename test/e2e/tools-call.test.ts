// `tools call` through the real CLI: the policy decides, the stored credential is sent, the result is printed.
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {startMcpServer, type TestMcpServer} from '../helpers/servers.js'

describe('tools call (CLI)', function () {
  this.timeout(60_000)
  let sandbox: ReturnType<typeof cliSandbox>
  let server: TestMcpServer

  const tools = [
    {description: 'Lists tickets.', inputSchema: {type: 'object'}, name: 'list_tickets'},
    {description: 'Creates a ticket.', inputSchema: {type: 'object'}, name: 'create_ticket'},
    {description: 'Deletes a ticket.', inputSchema: {type: 'object'}, name: 'delete_ticket'},
  ]

  beforeEach(async () => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile, HELPDESK_KEY: 'key-CALL-1'})
    server = await startMcpServer({auth: 'header', headerName: 'x-api-key', headerValue: 'key-CALL-1', tools})
    const add = await sandbox.run(['integrations', 'add', server.url, '--name', 'hd', '--header-name', 'x-api-key', '--token-env', 'HELPDESK_KEY'])
    assert.equal(add.code, 0, add.stderr)
  })
  afterEach(async () => {
    sandbox.cleanup()
    await server.close()
  })

  const calls = () => server.requests.filter((r) => (r.body as {method?: string})?.method === 'tools/call')

  it('runs an auto tool with the stored credential and prints its text', async () => {
    const result = await sandbox.run(['tools', 'call', 'mcp:hd:list_tickets', '--args', '{"company":"acme"}'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {args: {company: 'acme'}, tool: 'list_tickets'})
    assert.equal(calls().at(-1)?.headers['x-api-key'], 'key-CALL-1')
  })

  it('needs --yes for an approval_needed tool without a terminal', async () => {
    const refused = await sandbox.run(['tools', 'call', 'mcp:hd:create_ticket', '--json'])
    assert.equal(refused.code, 7, 'a policy refusal, not a usage error')
    assert.equal(refused.json().error.kind, 'policy')
    assert.match(refused.json().error.hint, /--yes/)
    assert.equal(calls().length, 0)

    const approved = await sandbox.run(['tools', 'call', 'mcp:hd:create_ticket', '--args', '{"summary":"x"}', '--yes', '--json'])
    assert.equal(approved.code, 0, approved.stderr)
    assert.equal(approved.json().content[0].type, 'text')
    assert.equal(calls().length, 1)
  })

  it('refuses a disabled tool, even with --yes', async () => {
    await sandbox.run(['policy', 'set', 'mcp:hd:delete_ticket', 'disabled'])
    const result = await sandbox.run(['tools', 'call', 'mcp:hd:delete_ticket', '--yes'])
    assert.equal(result.code, 7)
    assert.match(result.stderr, /disabled by policy/)
    const json = await sandbox.run(['tools', 'call', 'mcp:hd:delete_ticket', '--yes', '--json'])
    assert.deepEqual([json.code, json.json().error.kind, json.json().error.exitCode], [7, 'policy', 7])
    assert.equal(calls().length, 0)
  })

  it('rejects unknown tools and bad arguments before calling anything, as usage errors (not policy refusals)', async () => {
    assert.equal((await sandbox.run(['tools', 'call', 'mcp:hd:nope'])).code, 2)
    assert.equal((await sandbox.run(['tools', 'call', 'mcp:hd:list_tickets', '--args', '{bad'])).code, 2)
    assert.equal((await sandbox.run(['tools', 'call', 'mcp:hd:list_tickets', '--args', '[1]'])).code, 2)
    assert.equal(calls().length, 0)
  })

  it('takes the arguments from a file (--args @file) or from standard input (--args -)', async () => {
    const file = path.join(sandbox.dir, 'args.json')
    writeFileSync(file, '{\n  "company": "from-file"\n}\n')
    const fromFile = await sandbox.run(['tools', 'call', 'mcp:hd:list_tickets', '--args', `@${file}`, '--json'])
    assert.equal(fromFile.code, 0, fromFile.stderr)
    assert.deepEqual((calls().at(-1)?.body as {params: unknown}).params, {arguments: {company: 'from-file'}, name: 'list_tickets'})

    const fromStdin = await sandbox.run(['tools', 'call', 'mcp:hd:list_tickets', '--args', '-', '--json'], {input: '{"company": "from-stdin"}'})
    assert.equal(fromStdin.code, 0, fromStdin.stderr)
    assert.deepEqual((calls().at(-1)?.body as {params: unknown}).params, {arguments: {company: 'from-stdin'}, name: 'list_tickets'})

    const missing = await sandbox.run(['tools', 'call', 'mcp:hd:list_tickets', '--args', '@/nonexistent/args.json', '--json'])
    assert.equal(missing.code, 2)
    assert.match(missing.json().error.message, /cannot read \/nonexistent\/args\.json \(no such file\)/)
    const bad = await sandbox.run(['tools', 'call', 'mcp:hd:list_tickets', '--args', '-', '--json'], {input: '{bad'})
    assert.equal(bad.code, 2)
    assert.match(bad.json().error.message, /--args - is not valid JSON/)
    assert.match(bad.json().error.hint, /mcpctl tools show mcp:hd:list_tickets/)
    assert.equal(calls().length, 2)
  })

  it('fails with the auth exit code when the referenced variable is unset, naming it and the connection', async () => {
    const result = await sandbox.run(['tools', 'call', 'mcp:hd:list_tickets'], {env: {HELPDESK_KEY: undefined}})
    assert.equal(result.code, 3)
    assert.match(result.stderr, /HELPDESK_KEY/)
    const json = await sandbox.run(['tools', 'call', 'mcp:hd:list_tickets', '--json'], {env: {HELPDESK_KEY: undefined}})
    assert.equal(json.json().error.message, 'Environment variable HELPDESK_KEY is not set')
    assert.match(json.json().error.hint, /store one with `mcpctl connect hd`/)
    assert.equal(calls().length, 0)
  })
})
