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

  describe('caps', () => {
    it('a tools/list cursor over 4 KiB is an error naming the server (add: exit 4; sync: that server fails); the pages stay bounded', async () => {
      const cursor = 'c'.repeat(1024 * 1024)
      let huge = false
      const server = await start({
        rawToolsList: (sent) => JSON.stringify({nextCursor: huge ? cursor : `page-${Number(sent?.slice(5) ?? 0) + 1}`, tools: [{description: 'Gets one.', inputSchema: {type: 'object'}, name: `get_${sent?.slice(5) ?? 0}`}]}),
      })
      const endless = await ok(['integrations', 'add', server.url, '--name', 'endless', '--json'])
      assert.equal(endless.json().tools.length, 100, 'an endless listing stops after 100 pages')
      assert.match(endless.json().warnings.join('\n'), /more than 100 pages/)

      huge = true
      const added = await sandbox.run(['integrations', 'add', server.url, '--name', 'cursed', '--allow-duplicate', '--json'])
      assert.equal(added.code, 4, added.stderr)
      assert.match(added.json().error.message, new RegExp(`^${server.url}.* cursor of 1,048,576 characters \\(at most 4,096\\)`))
      assert.equal(server.requests.filter((request) => request.rawBody.includes(cursor.slice(0, 5000))).length, 0, 'the cursor is never sent back')

      const synced = await sandbox.run(['tools', 'sync', '--json'])
      assert.equal(synced.code, 4, synced.stderr)
      const [result] = synced.json().servers
      assert.equal(result.name, 'endless')
      assert.match(result.error.message, /cursor of 1,048,576 characters/)
    })

    it('tools call --args nested deeper than 64 levels is a usage error (exit 2), not a stack overflow', async () => {
      const server = await start({tools: [{description: 'Gets a value.', inputSchema: {type: 'object'}, name: 'get_value'}]})
      await ok(['integrations', 'add', server.url, '--name', 'deep'])
      const deep = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`
      const refused = await sandbox.run(['tools', 'call', 'mcp:deep:get_value', '--args', '-', '--json'], {input: deep})
      assert.equal(refused.code, 2, refused.stdout + refused.stderr)
      assert.match(refused.json().error.message, /--args - nests deeper than 64 levels/)
      const fine = await sandbox.run(['tools', 'call', 'mcp:deep:get_value', '--args', '-', '--json'], {input: `{"a":${'['.repeat(62)}${']'.repeat(62)}}`})
      assert.equal(fine.code, 0, fine.stdout + fine.stderr)
    })
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
