import assert from 'node:assert/strict'

import {McpctlError} from '../../../../src/core/errors.js'
import {type Credentials, openSession, type Session} from '../../../../src/core/sources/mcp/session.js'
import {freePort} from '../../../helpers/free-port.js'
import {type McpServerOptions, startHttpServer, startMcpServer, type TestMcpServer} from '../../../helpers/servers.js'

const tools = [
  {description: 'Lists tickets', inputSchema: {type: 'object'}, name: 'list_tickets'},
  {description: 'Deletes a ticket', inputSchema: {properties: {id: {type: 'string'}}, type: 'object'}, name: 'delete_ticket'},
]

describe('openSession', () => {
  const cleanup: Array<() => Promise<void>> = []
  const start = async (options: McpServerOptions) => {
    const server = await startMcpServer({tools, ...options})
    cleanup.push(() => server.close())
    return server
  }
  const open = async (server: TestMcpServer, credentials: Credentials, extra: Parameters<typeof openSession>[1] extends infer O ? Partial<O> : never = {}) => {
    const session = await openSession(new URL(server.url), {credentials, timeoutMs: 5000, ...extra})
    cleanup.push(() => session.close())
    return session
  }
  const toolNames = async (session: Session) => (await session.client.listTools()).tools.map((tool) => tool.name)
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
  })

  it('connects without credentials, lists tools, calls one, and ends the session on close', async () => {
    const server = await start({})
    const session = await open(server, {type: 'none'})
    assert.equal(session.transport, 'streamable-http')
    assert.deepEqual(await toolNames(session), ['list_tickets', 'delete_ticket'])
    const result = await session.client.callTool({arguments: {id: '7'}, name: 'delete_ticket'})
    assert.deepEqual(JSON.parse((result.content as Array<{text: string}>)[0].text), {args: {id: '7'}, tool: 'delete_ticket'})
    await session.close()
    const deleted = server.requests.find((request) => request.method === 'DELETE')
    assert.ok(deleted?.headers['mcp-session-id'], 'close() terminates the session with DELETE')
  })

  it('sends a static bearer token in the Authorization header', async () => {
    const server = await start({auth: 'bearer', token: 's3cret-token'})
    const session = await open(server, {token: 's3cret-token', type: 'bearer'})
    assert.deepEqual(await toolNames(session), ['list_tickets', 'delete_ticket'])
    assert.ok(server.requests.every((request) => request.headers.authorization === 'Bearer s3cret-token'))
  })

  it('sends a custom header credential', async () => {
    const server = await start({auth: 'header', headerName: 'X-Api-Key', headerValue: 'k-123'})
    const session = await open(server, {name: 'X-Api-Key', type: 'header', value: 'k-123'})
    assert.deepEqual(await toolNames(session), ['list_tickets', 'delete_ticket'])
    assert.ok(server.requests.every((request) => request.headers['x-api-key'] === 'k-123'))
  })

  it('passes an OAuth provider through to the SDK, which sends its access token', async () => {
    const server = await start({auth: 'oauth-prm', token: 'oauth-access'})
    const provider = {
      clientInformation: () => ({client_id: 'mcpctl-test'}),
      clientMetadata: {client_name: 'mcpctl', redirect_uris: ['http://127.0.0.1/callback']},
      codeVerifier: () => 'unused',
      redirectToAuthorization: () => {
        throw new Error('not expected: the stored token is valid')
      },
      redirectUrl: 'http://127.0.0.1/callback',
      saveCodeVerifier: () => {},
      saveTokens: () => {},
      tokens: () => ({access_token: 'oauth-access', token_type: 'Bearer'}),
    }
    const session = await open(server, {provider, type: 'oauth'})
    assert.deepEqual(await toolNames(session), ['list_tickets', 'delete_ticket'])
    assert.ok(server.requests.filter((request) => request.path === '/mcp').every((request) => request.headers.authorization === 'Bearer oauth-access'))
  })

  it('turns a rejected token into an auth error that does not contain the token', async () => {
    const server = await start({auth: 'bearer', token: 'right-token'})
    await assert.rejects(open(server, {token: 'wrong-token-value', type: 'bearer'}), (error: unknown) => {
      assert.ok(error instanceof McpctlError)
      assert.equal(error.kind, 'auth')
      assert.equal(error.message, 'The server rejected the credentials (HTTP 401).')
      assert.match(error.hint ?? '', /Check the token/)
      assert.doesNotMatch(JSON.stringify({cause: String(error.cause), detail: error.detail, hint: error.hint, message: error.message}), /wrong-token-value/)
      return true
    })
  })

  it('keeps a credential the server echoes back out of the error message', async () => {
    const server = await startHttpServer(
      (req, res) => void res.writeHead(500, {'content-type': 'text/plain'}).end(`bad key ${String(req.headers['x-api-key'])}`),
    )
    cleanup.push(() => server.close())
    await assert.rejects(
      openSession(new URL(`${server.origin}/mcp`), {credentials: {name: 'x-api-key', type: 'header', value: 'echo-me-123'}, timeoutMs: 5000}),
      (error: unknown) => {
        assert.ok(error instanceof McpctlError)
        assert.equal(error.kind, 'server')
        assert.match(error.message, /answered HTTP 500: .*bad key \[redacted\]/)
        assert.doesNotMatch(error.message, /echo-me-123/)
        return true
      },
    )
  })

  it('says credentials are required when none were sent to a server that wants them', async () => {
    const server = await start({auth: 'forbidden'})
    await assert.rejects(open(server, {type: 'none'}), (error: unknown) => error instanceof McpctlError && error.kind === 'auth' && /requires credentials \(HTTP 403\)/.test(error.message))
  })

  it('falls back to legacy SSE on 404/405, with the credential on the stream and on every POST', async () => {
    const server = await start({auth: 'bearer', legacyPostStatus: 404, transport: 'sse'})
    const session = await open(server, {token: 'test-token', type: 'bearer'})
    assert.equal(session.transport, 'sse')
    assert.deepEqual(await toolNames(session), ['list_tickets', 'delete_ticket'])
    const stream = server.requests.find((request) => request.method === 'GET')
    assert.equal(stream?.headers.authorization, 'Bearer test-token')
    const posts = server.requests.filter((request) => request.method === 'POST' && request.path.includes('/messages'))
    assert.ok(posts.length >= 2)
    assert.ok(posts.every((request) => request.headers.authorization === 'Bearer test-token'))
  })

  it('uses SSE directly when pinned, and does not fall back when pinned to streamable HTTP', async () => {
    const server = await start({transport: 'sse'})
    const session = await open(server, {type: 'none'}, {transport: 'sse'})
    assert.equal(session.transport, 'sse')
    assert.equal(server.requests[0].method, 'GET')
    await assert.rejects(open(server, {type: 'none'}, {transport: 'streamable-http'}), (error: unknown) => error instanceof McpctlError && error.kind === 'server' && /HTTP 405/.test(error.message))
  })

  it('reports an endpoint that is neither transport as not MCP', async () => {
    const server = await startHttpServer((_req, res) => void res.writeHead(404).end('nothing here'))
    cleanup.push(() => server.close())
    await assert.rejects(
      openSession(new URL(`${server.origin}/nope`), {credentials: {type: 'none'}, timeoutMs: 5000}),
      /does not look like an MCP endpoint: streamable HTTP answered HTTP 404 and legacy SSE answered HTTP 404/,
    )
  })

  it('reports connection refused and timeouts as server errors', async () => {
    const port = await freePort()
    await assert.rejects(
      openSession(new URL(`https://127.0.0.1:${port}/mcp`), {credentials: {token: 't', type: 'bearer'}}),
      (error: unknown) => error instanceof McpctlError && error.kind === 'server' && error.message === `Cannot reach https://127.0.0.1:${port}: connection refused`,
    )
    const silent = await startHttpServer(() => {})
    cleanup.push(() => silent.close())
    await assert.rejects(
      openSession(new URL(`${silent.origin}/mcp`), {credentials: {type: 'none'}, timeoutMs: 300}),
      (error: unknown) => error instanceof McpctlError && error.kind === 'server' && /0\.3 s/.test(error.message),
    )
  })

  it('refuses a cross-origin redirect without sending the API key there', async () => {
    const target = await start({})
    const redirector = await startHttpServer((_req, res) => void res.writeHead(307, {location: target.url}).end())
    cleanup.push(() => redirector.close())
    await assert.rejects(
      openSession(new URL(`${redirector.origin}/mcp`), {credentials: {name: 'x-api-key', type: 'header', value: 'k'}, timeoutMs: 5000}),
      (error: unknown) => error instanceof McpctlError && error.kind === 'server' && /redirected to another origin/.test(error.message),
    )
    assert.equal(target.requests.length, 0)
  })
})
