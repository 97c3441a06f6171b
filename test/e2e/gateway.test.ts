// `mcpctl gateway` as agents meet it: a real gateway process, real SDK clients (2025 and 2026-07-28, with and
// without elicitation), a real upstream MCP server over HTTPS with a stored credential.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {type Agent, type Era, stdioAgent, textOf} from '../helpers/gateway.js'
import {runInPty} from '../helpers/pty.js'
import {startMcpServer, type TestMcpServer} from '../helpers/servers.js'

const SECRET = 'key-GATEWAY-7f3a'
const tools = [
  {description: 'Lists tickets.', inputSchema: {properties: {company: {type: 'string'}}, type: 'object'}, name: 'list_tickets'},
  {description: 'Gets a ticket.', inputSchema: {type: 'object'}, name: 'get_ticket'},
  {description: 'Creates a ticket.', inputSchema: {type: 'object'}, name: 'create_ticket'},
  {description: 'Deletes a ticket.', inputSchema: {type: 'object'}, name: 'delete_ticket'},
  {description: 'Gets a ticket, dotted.', inputSchema: {type: 'object'}, name: 'tickets.get'},
]
const NO_SELF_APPROVAL = /mcpctl|approvals|--yes|policy set/

describe('gateway (stdio)', function () {
  this.timeout(60_000)
  let sandbox: ReturnType<typeof cliSandbox>
  let server: TestMcpServer
  const agents: Agent[] = []

  const connect = async (args: string[] = [], options: Parameters<typeof stdioAgent>[2] = {}) => {
    const agent = await stdioAgent(sandbox.env, args, options)
    agents.push(agent)
    return agent
  }

  const calls = () => server.requests.filter((r) => (r.body as {method?: string})?.method === 'tools/call')
  const audit = () =>
    readFileSync(join(sandbox.dir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, any>)

  beforeEach(async () => {
    sandbox = cliSandbox({HELPDESK_KEY: SECRET, NODE_EXTRA_CA_CERTS: testCa().caFile})
    server = await startMcpServer({auth: 'header', headerName: 'x-api-key', headerValue: SECRET, tools})
    const add = await sandbox.run(['integrations', 'add', server.url, '--name', 'hd', '--header-name', 'x-api-key', '--token-env', 'HELPDESK_KEY'])
    assert.equal(add.code, 0, add.stderr)
    assert.equal((await sandbox.run(['policy', 'set', 'mcp:hd:delete_ticket', 'disabled'])).code, 0)
  })
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.close()))
    await server.close()
    sandbox.cleanup()
  })

  for (const era of ['2025', '2026'] as Era[]) {
    describe(`on the ${era} protocol`, () => {
      it('lists every tool that is not disabled under client-safe names, the ones `tools list --json` shows', async () => {
        const agent = await connect([], {era})
        const listed = (await agent.client.listTools()).tools
        const names = listed.map((tool) => tool.name).sort()
        assert.equal(names.length, 4)
        assert.ok(names.includes('hd__list_tickets'))
        assert.ok(!names.includes('hd__delete_ticket'))
        for (const name of names) assert.match(name, /^[A-Za-z0-9_-]{1,50}$/)
        const dotted = names.find((name) => name.startsWith('hd__tickets_get_'))
        assert.ok(dotted, 'a name with a dot gets a hash suffix')
        assert.deepEqual(listed.find((tool) => tool.name === 'hd__list_tickets')?.inputSchema, tools[0].inputSchema)

        const rows = (await sandbox.run(['tools', 'list', '--json'])).json<{gatewayName: string; name: string}[]>()
        assert.equal(rows.find((row) => row.name === 'mcp:hd:tickets.get')?.gatewayName, dotted)
      })

      it('forwards an auto call with the stored credential, and audits it without arguments or secrets', async () => {
        const agent = await connect([], {era})
        const result = await agent.client.callTool({arguments: {company: 'acme-private'}, name: 'hd__list_tickets'})
        assert.deepEqual(JSON.parse(textOf(result)), {args: {company: 'acme-private'}, tool: 'list_tickets'})
        assert.equal(calls().at(-1)?.headers['x-api-key'], SECRET)

        const [line] = audit()
        assert.equal(line.decision, 'auto')
        assert.equal(line.outcome, 'ok')
        assert.equal(line.tool, 'mcp:hd:list_tickets')
        assert.equal(line.client.name, 'gateway-test-agent')
        assert.match(line.argsDigest, /^sha256:[0-9a-f]{64}$/)
        const raw = readFileSync(join(sandbox.dir, 'audit.log'), 'utf8')
        assert.ok(!raw.includes(SECRET) && !raw.includes('acme-private'))
      })

      it('asks in the client for an approval_needed call and runs it only when approved', async () => {
        const seen: string[] = []
        let answer: 'accept' | 'decline' = 'accept'
        const agent = await connect([], {
          elicit: async (request) => {
            seen.push(request.message)
            return answer === 'accept' ? {action: 'accept', content: {approve: true}} : {action: 'decline'}
          },
          era,
        })
        const approved = await agent.client.callTool({arguments: {summary: 'printer'}, name: 'hd__create_ticket'})
        assert.equal(approved.isError, undefined, textOf(approved))
        assert.equal(calls().length, 1)
        assert.match(seen[0], /mcp:hd:create_ticket/)
        assert.match(seen[0], /"hd"/)
        assert.match(seen[0], /printer/)

        answer = 'decline'
        const denied = await agent.client.callTool({arguments: {summary: 'again'}, name: 'hd__create_ticket'})
        assert.equal(denied.isError, true)
        assert.doesNotMatch(textOf(denied), NO_SELF_APPROVAL)
        assert.equal(calls().length, 1)
        assert.deepEqual(
          audit().map((line) => [line.decision, line.approval, line.outcome]),
          [
            ['approved', 'elicitation', 'ok'],
            ['denied', 'elicitation', 'not_called'],
          ],
        )
      })
    })
  }

  it('refuses disabled, unknown and out-of-scope tools alike, and lists only the --only scope', async () => {
    const agent = await connect(['--only', 'mcp:hd:list_*', '--only', 'mcp:hd:get_ticket', '--only', 'mcp:hd:delete_ticket'])
    assert.deepEqual((await agent.client.listTools()).tools.map((tool) => tool.name).sort(), ['hd__get_ticket', 'hd__list_tickets'])
    const texts = []
    for (const name of ['hd__delete_ticket', 'hd__create_ticket', 'hd__nope']) {
      const result = await agent.client.callTool({arguments: {}, name})
      assert.equal(result.isError, true)
      texts.push(textOf(result).replace(name, 'X'))
    }

    assert.equal(new Set(texts).size, 1, 'one answer for every refusal')
    assert.doesNotMatch(texts[0], NO_SELF_APPROVAL)
    assert.equal(calls().length, 0)
    assert.deepEqual(
      audit().map((line) => [line.decision, line.reason]),
      [
        ['disabled', 'disabled'],
        ['disabled', 'out_of_scope'],
        ['disabled', 'unknown_tool'],
      ],
    )
  })

  it('without elicitation, waits until a person approves in a terminal, from another process', async () => {
    const agent = await connect()
    const progress: {message?: string}[] = []
    const call = agent.client.callTool({arguments: {summary: 'via cli'}, name: 'hd__create_ticket'}, {onprogress: (update) => progress.push(update), timeout: 30_000})
    const pending = await waitFor(async () => {
      const listed = (await sandbox.run(['approvals', 'list', '--json'])).json<{args: unknown; id: string; tool: string}[]>()
      return listed.length > 0 ? listed : undefined
    })
    assert.equal(pending[0].tool, 'mcp:hd:create_ticket')
    assert.deepEqual(pending[0].args, {summary: 'via cli'})

    // An agent running shell commands has no terminal: it cannot approve its own call.
    const selfApproval = await sandbox.run(['approvals', 'approve', pending[0].id])
    assert.equal(selfApproval.code, 2)

    const person = runInPty(['approvals', 'approve', pending[0].id], sandbox.env)
    assert.equal(await person.exit, 0, person.output())
    const result = await call
    assert.equal(result.isError, undefined, textOf(result))
    assert.equal(calls().length, 1)
    assert.deepEqual(audit().map((line) => [line.decision, line.approval]), [['approved', 'cli']])
    // The client asked for progress: it heard that the call waits, and nothing about how to approve it.
    assert.ok(progress.length > 0)
    for (const update of progress) assert.doesNotMatch(update.message ?? '', NO_SELF_APPROVAL)
    // Single use: the approval is gone.
    assert.equal((await sandbox.run(['approvals', 'approve', pending[0].id])).code, 2)
  })

  it('refuses a call a person denies, and one nobody approves in time', async () => {
    const elicit = async () => ({action: 'accept', content: {approve: true}}) as const
    const agent = await connect(['--approvals', 'cli'], {elicit})
    const call = agent.client.callTool({arguments: {summary: 'deny me'}, name: 'hd__create_ticket'})
    const [pending] = await waitFor(async () => {
      const listed = (await sandbox.run(['approvals', 'list', '--json'])).json<{id: string}[]>()
      return listed.length > 0 ? listed : undefined
    })
    assert.equal((await sandbox.run(['approvals', 'deny', pending.id])).code, 0)
    const denied = await call
    assert.equal(denied.isError, true)
    assert.doesNotMatch(textOf(denied), NO_SELF_APPROVAL)

    const impatient = await connect(['--approvals', 'cli', '--approval-timeout', '1'], {elicit})
    const late = await impatient.client.callTool({arguments: {summary: 'nobody'}, name: 'hd__create_ticket'})
    assert.equal(late.isError, true)
    assert.doesNotMatch(textOf(late), NO_SELF_APPROVAL)
    assert.equal(calls().length, 0)
    assert.deepEqual(
      audit().map((line) => [line.decision, line.approval]),
      [
        ['denied', 'cli'],
        ['timeout', 'cli'],
      ],
    )
  })

  it('follows a policy change while connected: list_changed, and the call is refused at once', async () => {
    let changed = 0
    const agent = await connect([], {onListChanged: () => changed++})
    assert.equal((await agent.client.callTool({arguments: {}, name: 'hd__get_ticket'})).isError, undefined)
    assert.equal((await sandbox.run(['policy', 'set', 'mcp:hd:get_ticket', 'disabled'])).code, 0)
    // The call-time check does not wait for the notification.
    const refused = await agent.client.callTool({arguments: {}, name: 'hd__get_ticket'})
    assert.equal(refused.isError, true)
    await waitFor(async () => (changed > 0 ? true : undefined))
    assert.ok(!(await agent.client.listTools()).tools.some((tool) => tool.name === 'hd__get_ticket'))
    assert.equal(calls().length, 1)
  })

  it('fails only the calls of an upstream that died, and recovers when it is back', async () => {
    const other = await startMcpServer({tools: [{description: 'Lists devices.', inputSchema: {type: 'object'}, name: 'list_devices'}]})
    try {
      assert.equal((await sandbox.run(['integrations', 'add', other.url, '--name', 'rmm'])).code, 0)
      const agent = await connect()
      assert.equal((await agent.client.callTool({arguments: {}, name: 'hd__list_tickets'})).isError, undefined)
      await server.close()
      const failed = await agent.client.callTool({arguments: {}, name: 'hd__list_tickets'})
      assert.equal(failed.isError, true)
      assert.ok(!textOf(failed).includes(SECRET))
      const fine = await agent.client.callTool({arguments: {}, name: 'rmm__list_devices'})
      assert.equal(fine.isError, undefined, textOf(fine))
      assert.deepEqual(
        audit().map((line) => [line.tool, line.outcome]),
        [
          ['mcp:hd:list_tickets', 'ok'],
          ['mcp:hd:list_tickets', 'upstream_error'],
          ['mcp:rmm:list_devices', 'ok'],
        ],
      )
    } finally {
      await other.close()
    }
  })
})

/** Poll `check` (a real condition, not a clock) until it yields a value, for at most 20 s. */
async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not met within 20 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
