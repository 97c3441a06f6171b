// An MCP server protected by the test authorization server: protected-resource metadata naming the AS, 401 with a
// `resource_metadata` challenge without a valid token, tokens checked against the AS (audience = this server's URL,
// expiry, revocation), and optional per-tool scopes that answer 403 `insufficient_scope` (for step-up tests).
import type {IncomingMessage, ServerResponse} from 'node:http'

import {Server} from '@modelcontextprotocol/sdk/server/index.js'
import {StreamableHTTPServerTransport} from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import {CallToolRequestSchema, ListToolsRequestSchema} from '@modelcontextprotocol/sdk/types.js'

import {startHttpServer, type TestHttpServer} from '../servers.js'
import type {TestAuthorizationServer} from './authorization-server.js'

export interface ResourceServerOptions {
  /** Scopes every request needs (default `['mcp']`); also PRM `scopes_supported`. */
  scopes?: string[]
  /** Extra scope a `tools/call` of the named tool needs, e.g. `{admin_reset: 'tools:admin'}`. */
  toolScopes?: Record<string, string>
  /** Rewrites the protected-resource metadata (wrong `resource`, other authorization servers, …). */
  metadata?: (document: Record<string, unknown>) => Record<string, unknown>
  /** Answer `initialize` and notifications without a token; tokens are demanded from `tools/list` on. */
  openInitialize?: boolean
}

export interface TestResourceServer extends TestHttpServer {
  /** The MCP endpoint, `https://127.0.0.1:<port>/mcp`: also the resource indicator. */
  url: string
  /** Tool calls that reached the MCP server (name only), in order. */
  calls: string[]
  /** Requests refused with 401 or 403. */
  refused: {status: number; challenge: string}[]
}

const MCP_PATH = '/mcp'
const PRM_PATH = `/.well-known/oauth-protected-resource${MCP_PATH}`

/** Start the MCP server and register it with `as` as a resource (so the AS issues tokens for it). */
export async function startResourceServer(as: TestAuthorizationServer, options: ResourceServerOptions = {}): Promise<TestResourceServer> {
  const scopes = options.scopes ?? ['mcp']
  const toolScopes = options.toolScopes ?? {}
  const calls: string[] = []
  const refused: {status: number; challenge: string}[] = []
  let origin = ''
  const resource = () => `${origin}${MCP_PATH}`

  const challenge = (extra: string) => `Bearer resource_metadata="${origin}${PRM_PATH}"${extra}`
  const refuse = (res: ServerResponse, status: number, value: string) => {
    refused.push({challenge: value, status})
    res.writeHead(status, {'content-type': 'application/json', 'www-authenticate': value}).end('{"error":"unauthorized"}')
  }

  const newMcpServer = () => {
    const server = new Server({name: 'oauth-test-server', version: '1.0.0'}, {capabilities: {tools: {}}})
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [
        {description: 'Echo the arguments back.', inputSchema: {type: 'object'}, name: 'echo'},
        ...Object.keys(toolScopes).map((name) => ({description: `Needs ${toolScopes[name]}.`, inputSchema: {type: 'object' as const}, name})),
      ],
    }))
    server.setRequestHandler(CallToolRequestSchema, (request) => {
      calls.push(request.params.name)
      return {content: [{text: JSON.stringify({args: request.params.arguments ?? {}, tool: request.params.name}), type: 'text'}]}
    })
    return server
  }

  const handleMcp = async (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    const method = (body as {method?: unknown} | undefined)?.method
    if (options.openInitialize && req.method === 'POST' && typeof method === 'string' && (method === 'initialize' || method.startsWith('notifications/'))) {
      await serveMcp(req, res, body)
      return
    }
    const header = req.headers.authorization ?? ''
    const token = /^Bearer (.+)$/.exec(header)?.[1]
    const info = token === undefined ? undefined : await as.verifyAccessToken(token)
    if (!info || !info.audience.includes(resource())) {
      refuse(res, 401, challenge(token === undefined ? `, scope="${scopes.join(' ')}"` : ', error="invalid_token"'))
      return
    }
    if (!scopes.every((scope) => info.scopes.includes(scope))) {
      refuse(res, 403, challenge(`, error="insufficient_scope", scope="${scopes.join(' ')}"`))
      return
    }
    const message = body as {method?: string; params?: {name?: string}} | undefined
    const needed = message?.method === 'tools/call' ? toolScopes[message.params?.name ?? ''] : undefined
    if (needed && !info.scopes.includes(needed)) {
      refuse(res, 403, challenge(`, error="insufficient_scope", scope="${[...scopes, needed].join(' ')}"`))
      return
    }
    await serveMcp(req, res, body)
  }

  const serveMcp = async (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    if (req.method !== 'POST') {
      res.writeHead(405, {allow: 'POST'}).end()
      return
    }
    // Stateless: a fresh server per request keeps the fixture simple; the client sees no session id.
    const transport = new StreamableHTTPServerTransport({enableJsonResponse: true, sessionIdGenerator: undefined})
    res.on('close', () => void transport.close())
    await newMcpServer().connect(transport)
    await transport.handleRequest(req, res, body)
  }

  const base = await startHttpServer(async (req, res, body) => {
    const url = new URL(req.url ?? '/', origin)
    if (url.pathname === PRM_PATH || url.pathname === '/.well-known/oauth-protected-resource') {
      const document = {authorization_servers: [as.issuer], resource: resource(), scopes_supported: scopes}
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(options.metadata ? options.metadata(document) : document))
      return
    }
    if (url.pathname !== MCP_PATH) {
      res.writeHead(404).end('Not found')
      return
    }
    await handleMcp(req, res, body)
  })
  origin = base.origin
  as.resources[resource()] = [...new Set([...scopes, ...Object.values(toolScopes)])]

  return {...base, calls, refused, url: resource()}
}
