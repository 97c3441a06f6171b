import assert from 'node:assert/strict'

import {McpctlError} from '../../../../src/core/errors.js'
import {probeServer} from '../../../../src/core/sources/mcp/probe.js'
import {freePort} from '../../../helpers/free-port.js'
import {type McpServerOptions, startHttpServer, startMcpServer, type TestHttpServer} from '../../../helpers/servers.js'
import {untrustedCert} from '../../../helpers/ca.js'

describe('probeServer', () => {
  const started: Array<{close(): Promise<void>}> = []
  const start = async (options: McpServerOptions) => {
    const server = await startMcpServer(options)
    started.push(server)
    return server
  }
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()))
  })

  it('says none for a server that accepts an unauthenticated initialize, and ends the session it opened', async () => {
    const server = await start({serverInfo: {name: 'open-server', version: '2.1.0'}})
    const result = await probeServer(new URL(server.url))
    assert.equal(result.auth, 'none')
    assert.equal(result.transport, 'streamable-http')
    assert.equal(result.status, 200)
    assert.equal(result.server?.name, 'open-server')
    assert.equal(result.server?.version, '2.1.0')
    assert.ok(result.server?.protocolVersion)
    const init = server.requests[0]
    assert.equal(init.method, 'POST')
    assert.equal((init.body as {method: string}).method, 'initialize')
    assert.equal(init.headers.authorization, undefined)
    assert.match(String(init.headers.accept), /application\/json/)
    assert.match(String(init.headers.accept), /text\/event-stream/)
    const deleted = server.requests.find((request) => request.method === 'DELETE')
    assert.ok(deleted, 'the probe ends its session with DELETE')
    assert.ok(deleted.headers['mcp-session-id'])
  })

  it('goes one step further: initialized, then tools/list without credentials, and says none when both pass', async () => {
    const server = await start({tools: [{inputSchema: {type: 'object'}, name: 'echo'}]})
    const result = await probeServer(new URL(server.url))
    assert.equal(result.auth, 'none')
    assert.equal(result.challengedAt, undefined)
    const methods = server.requests.filter((r) => r.method === 'POST').map((r) => (r.body as {method: string}).method)
    assert.deepEqual(methods, ['initialize', 'notifications/initialized', 'tools/list'])
    const list = server.requests.find((r) => (r.body as {method?: string} | undefined)?.method === 'tools/list')!
    assert.ok(list.headers['mcp-session-id'], 'tools/list is sent in the session initialize opened')
    assert.ok(list.headers['mcp-protocol-version'])
  })

  for (const [auth, verdict] of [
    ['oauth-prm', 'oauth'],
    ['bearer', 'bearer'],
    ['header', 'header'],
  ] as const) {
    it(`says ${verdict} for a server that answers initialize without a token but challenges tools/list (${auth})`, async () => {
      const server = await start({auth, openInitialize: true, serverInfo: {name: 'lazy-auth', version: '1'}})
      const result = await probeServer(new URL(server.url))
      assert.equal(result.auth, verdict)
      assert.equal(result.challengedAt, 'tools/list')
      assert.equal(result.status, 401)
      assert.equal(result.server?.name, 'lazy-auth')
      assert.match(result.reason, /^initialize was answered without credentials, but tools\/list was not: HTTP 401/)
      if (verdict === 'oauth') {
        assert.deepEqual(result.oauth?.authorizationServers, ['https://auth.example.test'])
        assert.equal(result.oauth?.challengeScope, 'mcp')
      }
      assert.ok(server.requests.some((r) => r.method === 'DELETE'), 'the session is still ended')
    })
  }

  it('reads the server info from a JSON answer of a stateless server (no session, no DELETE)', async () => {
    const server = await start({jsonResponse: true, serverInfo: {name: 'json-server', version: '1'}, stateless: true})
    const result = await probeServer(new URL(server.url))
    assert.equal(result.auth, 'none')
    assert.equal(result.server?.name, 'json-server')
    assert.equal(server.requests.filter((request) => request.method === 'DELETE').length, 0)
  })

  it('says bearer for a 401 with a Bearer challenge and no metadata', async () => {
    const server = await start({auth: 'bearer'})
    const result = await probeServer(new URL(server.url))
    assert.equal(result.auth, 'bearer')
    assert.equal(result.challenge, 'Bearer')
    assert.equal(result.status, 401)
    assert.equal(result.transport, 'streamable-http')
    // It looked for protected-resource metadata (path-aware, then root) before settling for bearer.
    const paths = server.requests.map((request) => request.path)
    assert.ok(paths.includes('/.well-known/oauth-protected-resource/mcp'))
    assert.ok(paths.includes('/.well-known/oauth-protected-resource'))
  })

  it('says header for a bare 401 and for an API-key server answering with a JSON-RPC error', async () => {
    for (const auth of ['bare401', 'header'] as const) {
      const server = await start({auth})
      const result = await probeServer(new URL(server.url))
      assert.equal(result.auth, 'header', auth)
      assert.equal(result.status, 401)
      assert.equal(result.challenge, undefined)
      assert.match(result.reason, /credential of unknown form/)
    }
  })

  it('says header for a 403 without a challenge, and says that a 403 alone proves little', async () => {
    const server = await start({auth: 'forbidden'})
    const result = await probeServer(new URL(server.url))
    assert.equal(result.auth, 'header')
    assert.equal(result.status, 403)
    assert.match(result.reason, /not proof/)
  })

  it('says oauth when the challenge points at protected-resource metadata naming an authorization server', async () => {
    const server = await start({auth: 'oauth-prm', oauth: {authorizationServers: ['https://auth.example.test/tenant'], scopes: ['mcp', 'read']}})
    const result = await probeServer(new URL(server.url))
    assert.equal(result.auth, 'oauth')
    assert.equal(result.challenge, 'Bearer')
    assert.deepEqual(result.oauth, {
      authorizationServers: ['https://auth.example.test/tenant'],
      // The challenge's scope="mcp": what the MCP spec's scope selection asks for first.
      challengeScope: 'mcp',
      resource: server.url,
      resourceMetadataUrl: `${server.origin}/.well-known/oauth-protected-resource/mcp`,
      scopes: ['mcp', 'read'],
    })
  })

  it('finds the metadata at the root well-known URL when the challenge omits it and the path-aware URL answers 403', async () => {
    const server = await start({auth: 'oauth-prm', oauth: {pathAwareStatus: 403, resourceMetadataInHeader: false}})
    const result = await probeServer(new URL(server.url))
    assert.equal(result.auth, 'oauth')
    assert.equal(result.oauth?.resourceMetadataUrl, `${server.origin}/.well-known/oauth-protected-resource`)
  })

  it('does not say oauth for metadata that names no authorization server', async () => {
    const server = await start({auth: 'oauth-prm', oauth: {authorizationServers: []}})
    const result = await probeServer(new URL(server.url))
    assert.equal(result.auth, 'bearer')
  })

  it('recognises a legacy SSE server (POST refused, GET streams an endpoint event)', async () => {
    for (const legacyPostStatus of [404, 405]) {
      const server = await start({legacyPostStatus, transport: 'sse'})
      const result = await probeServer(new URL(server.url))
      assert.equal(result.transport, 'sse')
      assert.equal(result.auth, 'none')
      assert.equal(result.status, 200)
      assert.deepEqual(
        server.requests.map((request) => request.method),
        ['POST', 'GET'],
      )
    }
  })

  it('applies the auth rules to a legacy SSE server that wants a bearer token', async () => {
    const server = await start({auth: 'bearer', transport: 'sse'})
    const result = await probeServer(new URL(server.url))
    assert.equal(result.auth, 'bearer')
    assert.equal(result.transport, 'sse')
    assert.equal(result.status, 401)
    assert.deepEqual(
      server.requests.slice(0, 2).map((request) => `${request.method} ${request.path}`),
      ['POST /mcp', 'GET /mcp'],
    )
  })

  it('reports an unreachable port as a server error naming the origin', async () => {
    const port = await freePort()
    await assert.rejects(probeServer(new URL(`https://127.0.0.1:${port}/mcp`)), (error: unknown) => {
      assert.ok(error instanceof McpctlError)
      assert.equal(error.kind, 'server')
      assert.equal(error.message, `Cannot reach https://127.0.0.1:${port}: connection refused`)
      return true
    })
  })

  it('reports an untrusted certificate readably', async () => {
    const server = await startHttpServer((_req, res) => void res.end('{}'), {tls: untrustedCert()})
    started.push(server)
    await assert.rejects(probeServer(new URL(`${server.origin}/mcp`)), (error: unknown) => {
      assert.ok(error instanceof McpctlError)
      assert.equal(error.kind, 'server')
      assert.match(error.message, /^Cannot reach https:\/\/127\.0\.0\.1:\d+: TLS certificate not trusted \(self-signed certificate\)$/)
      assert.match(error.hint ?? '', /NODE_EXTRA_CA_CERTS/)
      return true
    })
    assert.equal(server.requests.length, 0)
  })

  it('reports a server error, a non-MCP answer and a silent server as server errors', async () => {
    const handlers: Record<string, Parameters<typeof startHttpServer>[0]> = {
      '/broken': (_req, res) => void res.writeHead(500).end('oops'),
      '/html': (_req, res) => void res.writeHead(200, {'content-type': 'text/html'}).end('<html></html>'),
      '/notmcp': (_req, res) => void res.writeHead(404).end('not found'),
      '/silent': () => {},
    }
    const server: TestHttpServer = await startHttpServer((req, res, body) => handlers[new URL(req.url!, 'https://x').pathname]?.(req, res, body))
    started.push(server)
    const expectations: Array<[string, RegExp]> = [
      ['/broken', /answered HTTP 500 to an MCP initialize request/],
      ['/html', /answered HTTP 200 but not with an MCP initialize result/],
      ['/notmcp', /does not look like an MCP endpoint: initialize answered HTTP 404 and GET did not open a legacy SSE stream \(HTTP 404\)/],
      ['/silent', /no complete answer within 0\.5 s/],
    ]
    for (const [path, pattern] of expectations) {
      await assert.rejects(probeServer(new URL(`${server.origin}${path}`), {timeoutMs: 500}), (error: unknown) => {
        assert.ok(error instanceof McpctlError, path)
        assert.equal(error.kind, 'server', path)
        assert.match(error.message, pattern, path)
        return true
      })
    }
  })

  it('refuses to follow a redirect to another origin', async () => {
    const other = await start({})
    const redirector = await startHttpServer((_req, res) => void res.writeHead(307, {location: other.url}).end())
    started.push(redirector)
    await assert.rejects(probeServer(new URL(`${redirector.origin}/mcp`)), /Server redirected to another origin/)
    assert.equal(other.requests.length, 0)
  })

  it('works over plain http on loopback', async () => {
    const server = await start({auth: 'bearer', tls: false})
    const result = await probeServer(new URL(server.url))
    assert.equal(result.auth, 'bearer')
    assert.match(server.url, /^http:/)
  })
})
