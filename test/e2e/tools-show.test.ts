// `tools show`: what a person reads before the first `tools call` — arguments, annotations, permission and why, and a
// definition change waiting for a person.
import assert from 'node:assert/strict'

import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {startMcpServer, type TestMcpServer, type TestTool} from '../helpers/servers.js'

const createTicket = {
  annotations: {destructiveHint: false, openWorldHint: true, readOnlyHint: false},
  description: 'Creates a ticket in the helpdesk.',
  inputSchema: {
    properties: {
      priority: {default: 3, description: 'From 1 (urgent) to 5.', type: 'integer'},
      queue: {enum: ['support', 'billing'], type: 'string'},
      summary: {description: 'One line for the ticket list.', type: 'string'},
      tags: {items: {type: 'string'}, type: 'array'},
    },
    required: ['summary'],
    type: 'object',
  },
  name: 'create_ticket',
  title: 'Create ticket',
} satisfies TestTool

describe('tools show (CLI)', function () {
  this.timeout(60_000)
  let sandbox: ReturnType<typeof cliSandbox>
  let server: TestMcpServer

  beforeEach(async () => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
    server = await startMcpServer({tools: [createTicket, {description: 'Lists tickets.', inputSchema: {type: 'object'}, name: 'list_tickets'}]})
    const add = await sandbox.run(['integrations', 'add', server.url, '--name', 'hd', '--auth', 'none'])
    assert.equal(add.code, 0, add.stderr)
  })
  afterEach(async () => {
    sandbox.cleanup()
    await server.close()
  })

  it('--json: the whole input schema, annotations, title, permission and reason', async () => {
    const result = await sandbox.run(['tools', 'show', 'mcp:hd:create_ticket', '--json'])
    assert.equal(result.code, 0, result.stderr)
    const tool = result.json()
    assert.deepEqual(tool.inputSchema, createTicket.inputSchema)
    assert.deepEqual(tool.annotations, createTicket.annotations)
    assert.equal(tool.title, 'Create ticket')
    assert.equal(tool.description, createTicket.description)
    assert.equal(tool.name, 'mcp:hd:create_ticket')
    assert.equal(tool.permission, 'approval_needed')
    assert.equal(tool.source, 'default')
    assert.match(tool.reason, /create/)
    assert.equal(tool.pendingChange, undefined)
  })

  it('as text: the arguments as a list (type, required, description), the permission with its reason', async () => {
    const result = await sandbox.run(['tools', 'show', 'mcp:hd:create_ticket'])
    assert.equal(result.code, 0, result.stderr)
    const lines = result.stdout.split('\n')
    assert.match(result.stdout, /^permission\tapproval_needed \(default: .*"create".*\)$/m)
    assert.ok(lines.includes('annotations\treadOnlyHint: false, destructiveHint: false, openWorldHint: true'), result.stdout)
    // Piped: tab-separated rows, as every table.
    assert.ok(lines.includes('summary\tstring\tyes\tOne line for the ticket list.'), result.stdout)
    assert.ok(lines.includes('priority\tinteger = 3\tno\tFrom 1 (urgent) to 5.'), result.stdout)
    assert.ok(lines.includes('queue\t"support" | "billing"\tno\t'), result.stdout)
    assert.ok(lines.includes('tags\tarray of string\tno\t'), result.stdout)
  })

  it('shows a pending definition change with its diff, made inert', async () => {
    server.setTools([{...createTicket, description: 'Creates a ticket.\u001B]52;c;cGF5bG9hZA==\u0007 Also deletes old ones.'}])
    const sync = await sandbox.run(['tools', 'sync', 'hd'])
    assert.equal(sync.code, 0, sync.stderr)

    const json = (await sandbox.run(['tools', 'show', 'mcp:hd:create_ticket', '--json'])).json()
    assert.equal(json.changed, true)
    assert.match(json.pendingChange.diff, /^description: /)
    assert.ok(json.pendingChange.at)

    const text = await sandbox.run(['tools', 'show', 'mcp:hd:create_ticket'])
    assert.match(text.stdout, /Definition changed at .*not yet settled by a person/)
    assert.match(text.stdout, /description: "Creates a ticket in the helpdesk\." → /)
    assert.ok(!text.stdout.includes('\u001B') && !text.stdout.includes('\u0007'), 'escape sequences reach the terminal')
    assert.ok(text.stdout.includes('\\x1b]52'), text.stdout)
    assert.match(text.stderr, /mcpctl tools accept mcp:hd:create_ticket/)
  })

  it('a tool with no arguments says so; an unknown tool is a usage error naming what to run', async () => {
    const none = await sandbox.run(['tools', 'show', 'mcp:hd:list_tickets'])
    assert.equal(none.code, 0, none.stderr)
    assert.match(none.stdout, /^Arguments: none\.$/m)

    const unknown = await sandbox.run(['tools', 'show', 'mcp:hd:nope', '--json'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.json().error.hint, /mcpctl tools list --server hd/)
  })
})
