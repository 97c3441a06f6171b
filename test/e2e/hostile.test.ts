// A red-team pass through the real CLI: hostile MCP servers on loopback (HTTPS with the test CA) and bad input.
import assert from 'node:assert/strict'

import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {startMcpServer, type TestMcpServer, type TestTool} from '../helpers/servers.js'

type Row = {name: string; permission: string; source: string}

describe('hostile servers and bad input (CLI)', function () {
  this.timeout(120_000)
  const servers: TestMcpServer[] = []
  let sandbox: ReturnType<typeof cliSandbox>

  const start = async (options: Parameters<typeof startMcpServer>[0]) => {
    const server = await startMcpServer(options)
    servers.push(server)
    return server
  }

  const ok = async (args: string[], options: {input?: string} = {}) => {
    const result = await sandbox.run(args, options)
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`)
    return result
  }

  const permissions = async (args: string[] = []) =>
    Object.fromEntries((await ok(['tools', 'list', '--json', ...args])).json<Row[]>().map((row) => [row.name, `${row.permission}/${row.source}`]))

  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(async () => {
    sandbox.cleanup()
    await Promise.all(servers.splice(0).map((server) => server.close()))
  })

  describe('names that are Object.prototype properties', () => {
    const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']
    const tools: TestTool[] = NAMES.map((name) => ({description: `Gets the ${name}.`, inputSchema: {type: 'object'}, name}))

    it('keeps every such tool, and a connection named constructor, through add, list, set, sync, call, export, apply and disconnect', async () => {
      const server = await start({tools})
      const added = await ok(['integrations', 'add', server.url, '--name', 'constructor', '--json'])
      assert.deepEqual(added.json().tools.map((t: {tool: string}) => t.tool).sort(), [...NAMES].sort())
      const all = NAMES.map((name) => `mcp:constructor:${name}`).sort()
      assert.deepEqual(Object.keys(await permissions()).sort(), all)

      await ok(['policy', 'set', 'mcp:constructor:__proto__', 'mcp:constructor:constructor', 'disabled'])
      await ok(['tools', 'sync'])
      const after = await permissions()
      assert.deepEqual(Object.keys(after).sort(), all, 'a sync drops none of them')
      assert.equal(after['mcp:constructor:__proto__'], 'disabled/user')
      assert.equal(after['mcp:constructor:constructor'], 'disabled/user')
      assert.equal(after['mcp:constructor:toString'], 'auto/default')

      const refused = await sandbox.run(['tools', 'call', 'mcp:constructor:__proto__', '--yes'])
      assert.equal(refused.code, 7, refused.stderr)
      const called = await ok(['tools', 'call', 'mcp:constructor:toString', '--json'])
      assert.match(JSON.stringify(called.json().content), /toString/)

      assert.match((await ok(['policy', 'export'])).stdout, /\n {2}constructor:\n {4}__proto__: disabled\n {4}constructor: disabled\n/)
      const exported = await ok(['policy', 'export', '--format', 'json'])
      // Parsed, not written as a literal: in a literal `__proto__:` sets the prototype.
      assert.deepEqual(JSON.parse(exported.stdout).servers, JSON.parse('{"constructor": {"__proto__": "disabled", "constructor": "disabled"}}'))
      await ok(['policy', 'apply', '-f', '-'], {input: 'version: 1\nservers:\n  constructor:\n    __proto__: approval_needed\n    valueOf: disabled\n'})
      const applied = await permissions()
      assert.equal(applied['mcp:constructor:__proto__'], 'approval_needed/user')
      assert.equal(applied['mcp:constructor:valueOf'], 'disabled/user')

      const taken = await sandbox.run(['integrations', 'add', server.url, '--name', 'constructor'])
      assert.equal(taken.code, 2)
      assert.match(taken.stderr, /An integration named "constructor" already exists/)
      await ok(['disconnect', 'constructor', '--yes'])
      assert.deepEqual(await permissions(), {})
      // Only now free, and free for real: no "already exists" from Object.prototype.constructor.
      await ok(['integrations', 'add', server.url, '--name', 'constructor'])
    })
  })
})
