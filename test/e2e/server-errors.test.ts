// What a server says when something fails reaches the person through one path (sessionError): inert (no live escape
// sequences), without the connection's credential in any form, and with the documented exit code. Real HTTPS servers
// on loopback that misbehave on purpose, driven through the real CLI.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {join} from 'node:path'

import {testCa} from '../helpers/ca.js'
import {cliSandbox, type CliResult} from '../helpers/cli.js'
import {startMcpServer, type TestMcpServer} from '../helpers/servers.js'

const TOKEN = 'sk-live-7d2c9e41b0a8f3'
// A clipboard write (OSC 52) and a screen clear: a terminal acts on both if they arrive raw.
const HOSTILE = '\u001B]52;c;cHduZWQ=\u0007\u001B[2J\u001B[H'

type Message = {id?: unknown; method?: string}

const STORED_TOKEN = ['--auth', 'bearer', '--token-stdin', '--insecure-storage']
/** stderr without oclif's wrapping of error lines. */
const unwrapped = (text: string) => text.replaceAll(/\s*\n ›\s+/g, ' ')

/** The whole of what a run printed, checked for a live escape and for the credential (raw and base64). */
function assertClean(result: CliResult, what: string): void {
  const out = result.stdout + result.stderr
  assert.ok(!out.includes('\u001B'), `${what}: a live escape sequence reached the output:\n${JSON.stringify(out)}`)
  assert.ok(!out.includes(TOKEN), `${what}: the token was printed:\n${out}`)
  assert.ok(!out.includes(Buffer.from(TOKEN).toString('base64').slice(0, 16)), `${what}: the token was printed in base64:\n${out}`)
}

describe('server error text (CLI)', function () {
  this.timeout(120_000)
  const servers: TestMcpServer[] = []
  let sandbox: ReturnType<typeof cliSandbox>

  const start = async (options: Parameters<typeof startMcpServer>[0]) => {
    const server = await startMcpServer({auth: 'bearer', token: TOKEN, ...options})
    servers.push(server)
    return server
  }

  const add = async (server: TestMcpServer, name = 'echoey') => {
    const result = await sandbox.run(['integrations', 'add', server.url, '--name', name, ...STORED_TOKEN], {input: TOKEN})
    assert.equal(result.code, 0, result.stderr)
  }

  /** A tools/call (or tools/list) answered with `answer` instead of by the MCP server; everything else passes. */
  const on = (method: string, answer: (req: IncomingMessage, res: ServerResponse, message: Message) => void) => (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    const message = body as Message | undefined
    if (message?.method !== method) return false
    answer(req, res, message)
    return true
  }

  let failing = false
  const whenFailing = (method: string, answer: (req: IncomingMessage, res: ServerResponse, message: Message) => void) => {
    const handler = on(method, answer)
    return (req: IncomingMessage, res: ServerResponse, body: unknown) => failing && handler(req, res, body)
  }

  const rpcError = (res: ServerResponse, message: Message, text: string) =>
    res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({error: {code: -32_603, message: text}, id: message.id, jsonrpc: '2.0'}))

  const tools = [{description: 'Echoes its input.', inputSchema: {type: 'object'}, name: 'echo'}]

  beforeEach(() => {
    failing = false
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(async () => {
    sandbox.cleanup()
    await Promise.all(servers.splice(0).map((server) => server.close()))
  })

  it('tools call: an HTTP 500 body that echoes the Authorization header and carries escapes is inert and redacted; exit 4', async () => {
    const server = await start({
      intercept: on('tools/call', (req, res) => res.writeHead(500, {'content-type': 'text/plain'}).end(`${HOSTILE}internal error; you sent ${req.headers.authorization} (${Buffer.from(String(req.headers.authorization)).toString('base64')})`)),
      tools,
    })
    await add(server)
    for (const json of [false, true]) {
      const result = await sandbox.run(['tools', 'call', 'mcp:echoey:echo', '--yes', ...(json ? ['--json'] : [])])
      assert.equal(result.code, 4, result.stderr)
      const said = json ? result.json().error.message : unwrapped(result.stderr)
      assert.match(said, /answered tools\/call with HTTP 500: \\u001b.*you sent Bearer \[redacted\] \(\S*\[redacted\]/)
      assert.match(said, /\\u001b\]52/, 'the escape is shown, not acted on')
      assertClean(result, `tools call${json ? ' --json' : ''}`)
    }
  })

  it('tools call: a JSON-RPC error message with escapes and the token is inert and redacted; exit 1', async () => {
    const server = await start({
      intercept: on('tools/call', (req, res, message) => rpcError(res, message, `${HOSTILE}boom for ${req.headers.authorization}`)),
      tools,
    })
    await add(server)
    const result = await sandbox.run(['tools', 'call', 'mcp:echoey:echo', '--yes'])
    assert.equal(result.code, 1, result.stderr)
    assert.match(unwrapped(result.stderr), /answered tools\/call with an error: .*boom for Bearer \[redacted\]/)
    assertClean(result, 'tools call')
  })

  it('tools call: a 401 or 403 from the server is exit 3 (auth), naming the command that replaces the credential', async () => {
    for (const status of [401, 403]) {
      const server = await start({intercept: on('tools/call', (_req, res) => res.writeHead(status, {'content-type': 'text/plain'}).end(`no (${TOKEN})`)), tools})
      await add(server, `echoey-${status}`)
      const result = await sandbox.run(['tools', 'call', `mcp:echoey-${status}:echo`, '--yes', '--json'])
      assert.equal(result.code, 3, `HTTP ${status}: ${result.stderr}`)
      const {error} = result.json()
      assert.equal(error.kind, 'auth')
      assert.match(error.message, new RegExp(`HTTP ${status}`))
      assert.match(error.hint, new RegExp(`mcpctl connect echoey-${status}\\b`))
      assertClean(result, `HTTP ${status}`)
    }
  })

  it('tools call: no answer within --timeout, and a server that is gone, are exit 4', async () => {
    const server = await start({call: (_request, _ask, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({content: []}))), tools})
    await add(server)
    const slow = await sandbox.run(['tools', 'call', 'mcp:echoey:echo', '--yes', '--timeout', '1'])
    assert.equal(slow.code, 4, slow.stderr)
    assert.match(unwrapped(slow.stderr), /did not answer tools\/call within 1 s/)

    await server.close()
    const gone = await sandbox.run(['tools', 'call', 'mcp:echoey:echo', '--yes'])
    assert.equal(gone.code, 4, gone.stderr)
  })

  it('integrations add and tools sync: a tools/list error that echoes the token is inert and redacted', async () => {
    const refuse = (req: IncomingMessage, res: ServerResponse, message: Message) => rpcError(res, message, `${HOSTILE}cannot list for ${req.headers.authorization}`)
    const refusing = await start({intercept: on('tools/list', refuse), tools})
    const added = await sandbox.run(['integrations', 'add', refusing.url, '--name', 'refusing', ...STORED_TOKEN], {input: TOKEN})
    assert.equal(added.code, 4, added.stderr)
    assert.match(unwrapped(added.stderr), /tools\/list.*cannot list for Bearer \[redacted\]/)
    assertClean(added, 'integrations add')

    const flaky = await start({intercept: whenFailing('tools/list', refuse), tools})
    await add(flaky, 'flaky')
    failing = true
    for (const json of [false, true]) {
      const synced = await sandbox.run(['tools', 'sync', ...(json ? ['--json'] : [])])
      assert.equal(synced.code, 4, synced.stderr)
      assert.match(unwrapped(synced.stdout + synced.stderr), /cannot list for Bearer \[redacted\]/)
      assertClean(synced, `tools sync${json ? ' --json' : ''}`)
    }
  })

  it('a server that echoes the credential into its tool definitions and serverInfo: nothing stored or shown keeps it', async () => {
    const echoing = [
      {
        annotations: {title: `Title ${TOKEN}`},
        description: `Uses your key ${TOKEN} (base64 ${Buffer.from(`user:${TOKEN}`).toString('base64')}).`,
        inputSchema: {properties: {key: {default: TOKEN, description: `defaults to ${TOKEN}`, type: 'string'}}, type: 'object'},
        name: 'leaky',
        title: `Leaky ${TOKEN}`,
      },
      {description: 'Named after the key.', inputSchema: {type: 'object'}, name: `tool_${TOKEN}`},
    ]
    const server = await start({serverInfo: {name: `server-${TOKEN}`, version: '1.0.0'}, tools: echoing})
    const added = await sandbox.run(['integrations', 'add', server.url, '--name', 'echoey', ...STORED_TOKEN, '--json'], {input: TOKEN})
    assert.equal(added.code, 0, added.stderr)
    assert.deepEqual(added.json().tools.map((tool: {tool: string}) => tool.tool), ['leaky'], 'a tool named after the key is skipped')
    assertClean(added, 'integrations add')

    const storedFiles = () => [
      join(sandbox.dir, 'config.json'),
      ...readdirSync(join(sandbox.dir, 'definitions')).map((file) => join(sandbox.dir, 'definitions', file)),
    ]
    const assertStoredClean = (when: string) => {
      for (const file of storedFiles()) {
        const text = readFileSync(file, 'utf8')
        assert.ok(!text.includes(TOKEN), `${when}: ${file} holds the token`)
        assert.ok(!text.includes(Buffer.from(`user:${TOKEN}`).toString('base64').slice(8, 24)), `${when}: ${file} holds the token in base64`)
      }
    }
    assertStoredClean('after add')
    assert.match(readFileSync(storedFiles()[1], 'utf8'), /Uses your key \[redacted\]/)

    for (const args of [['tools', 'list'], ['tools', 'list', '--json'], ['tools', 'show', 'mcp:echoey:leaky'], ['tools', 'show', 'mcp:echoey:leaky', '--json'], ['integrations', 'show', 'echoey', '--json']]) {
      const shown = await sandbox.run(args)
      assert.equal(shown.code, 0, shown.stderr)
      assertClean(shown, args.join(' '))
    }

    // A sync that now echoes it somewhere new stores that without it as well.
    server.setTools([{...echoing[0], description: `Changed; key ${TOKEN}.`}])
    const synced = await sandbox.run(['tools', 'sync'])
    assert.equal(synced.code, 0, synced.stderr)
    assert.match(unwrapped(synced.stderr), /Changed; key \[redacted\]/)
    assertClean(synced, 'tools sync')
    assertStoredClean('after sync')
  })
})
