// Real MCP servers for tests, built from the SDK's server classes, in every authentication shape mcpctl must
// recognise (see shared/reference/mcp-client-auth.md) — HTTPS with the test CA unless `tls: false`.
import {randomUUID} from 'node:crypto'
import http, {type IncomingHttpHeaders, type IncomingMessage, type ServerResponse} from 'node:http'
import https from 'node:https'
import type {AddressInfo, Socket} from 'node:net'

import {Server} from '@modelcontextprotocol/sdk/server/index.js'
import {SSEServerTransport} from '@modelcontextprotocol/sdk/server/sse.js'
import {StreamableHTTPServerTransport} from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import {CallToolRequestSchema, ElicitResultSchema, ListToolsRequestSchema} from '@modelcontextprotocol/sdk/types.js'

import {testCa, trustTestCaInProcess} from './ca.js'

/**
 * Listen on 127.0.0.1 (any free port). `close()` also drops open connections, TLS sockets still in their handshake
 * included (closeAllConnections does not see those), so no test leaves a server behind.
 */
export async function listenOnLoopback(server: http.Server | https.Server): Promise<{close(): Promise<void>; port: number}> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  let closing: Promise<void> | undefined
  return {
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
      return closing
    },
    port: (server.address() as AddressInfo).port,
  }
}

/** One request as the server saw it (headers unredacted: tests assert exactly what the client sent). */
export interface RecordedRequest {
  /** Body of a POST, PUT or PATCH: parsed JSON when it is JSON, else the text (undefined when empty or another method). */
  body?: unknown
  headers: IncomingHttpHeaders
  method: string
  /** Path and query. */
  path: string
  /** The body's text exactly as sent ('' when none): vendor emulators check its encoding, not only its value. */
  rawBody: string
}

/** A started HTTP(S) server; `close()` also drops open connections (SSE streams included). */
export interface TestHttpServer {
  /** `https://127.0.0.1:<port>` (or http://, or with `localhost`). */
  origin: string
  port: number
  requests: RecordedRequest[]
  close(): Promise<void>
}

/** Options shared by every test server. */
export interface HttpServerOptions {
  /** Host name used in `origin`/`url`; the server always listens on 127.0.0.1 and the certificate covers both. */
  host?: '127.0.0.1' | 'localhost'
  /** HTTPS with the test CA's certificate (default), or plain HTTP with `false`. */
  tls?: boolean | {cert: string; key: string}
}

/**
 * Start a bare HTTP(S) server on 127.0.0.1:0 around `handler`, recording every request (POST/PUT/PATCH bodies parsed
 * as JSON when they are JSON). For redirect tests, fake authorization servers and anything that is not MCP.
 */
export async function startHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: unknown, rawBody?: string) => Promise<void> | void,
  options: HttpServerOptions = {},
): Promise<TestHttpServer> {
  const tls = options.tls ?? true
  if (tls === true) trustTestCaInProcess()
  const requests: RecordedRequest[] = []
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const rawBody = methodsWithBody.has(req.method ?? '') ? await readText(req) : ''
      const body = parseBody(rawBody)
      requests.push({body, headers: req.headers, method: req.method ?? '', path: req.url ?? '', rawBody})
      await handler(req, res, body, rawBody)
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, {'content-type': 'text/plain'})
      res.end(String(error))
    })
  }
  const server =
    tls === false
      ? http.createServer(listener)
      : https.createServer(tls === true ? {cert: testCa().cert, key: testCa().key} : tls, listener)
  const {close, port} = await listenOnLoopback(server)
  return {
    close,
    origin: `${tls === false ? 'http' : 'https'}://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    requests,
  }
}

const methodsWithBody = new Set(['PATCH', 'POST', 'PUT'])

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > 5 * 1024 * 1024) throw new Error('test server: request body too large')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function parseBody(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** A tool as the test server lists it. Deliberately loose: hostile tests list names and schemas that break the rules. */
export interface TestTool {
  [key: string]: unknown
  annotations?: Record<string, unknown>
  description?: unknown
  inputSchema?: unknown
  name: unknown
  outputSchema?: unknown
  title?: unknown
}

/** How the server authenticates an MCP request — the shapes of the table in mcp-client-auth.md. */
export type TestAuth =
  /** Anyone may connect. */
  | 'none'
  /** `Authorization: Bearer <token>`, else 401 with `WWW-Authenticate: Bearer realm="test"`. */
  | 'bearer'
  /** 401 with no challenge at all; `accepts` decides which credential unlocks it. */
  | 'bare401'
  /** API key in `headerName`, else 401 with a JSON-RPC error body and no challenge. */
  | 'header'
  /** 403 with no challenge; `accepts` decides which credential unlocks it (default the header). */
  | 'forbidden'
  /** 401 `Bearer resource_metadata="…"` plus protected-resource metadata at the well-known URLs; a bearer token unlocks it. */
  | 'oauth-prm'

export interface McpServerOptions extends HttpServerOptions {
  /** Which credential unlocks the server (default: `header` for `header`/`forbidden`, else `bearer`). */
  accepts?: 'bearer' | 'header'
  auth?: TestAuth
  /** Header carrying the API key (default `x-api-key`). */
  headerName?: string
  /** API key value (default `test-key`). */
  headerValue?: string
  /** Streamable HTTP: answer POSTs with JSON instead of an SSE stream. */
  jsonResponse?: boolean
  /** Let `initialize` and notifications through without credentials; the auth shape applies from `tools/list` on. */
  openInitialize?: boolean
  /** Legacy SSE: status of a POST to the main URL (default 405). */
  legacyPostStatus?: number
  /** `oauth-prm` details. */
  oauth?: {
    /** Default `['https://auth.example.test']`. */
    authorizationServers?: string[]
    /** Put `resource_metadata` in the challenge (default true); without it clients must try the well-known URLs. */
    resourceMetadataInHeader?: boolean
    /** Status of the path-aware well-known URL instead of the metadata (e.g. 403 like some CDNs). */
    pathAwareStatus?: number
    scopes?: string[]
    /** Which well-known URLs serve the metadata (default both). */
    wellKnown?: 'both' | 'path' | 'root'
  }
  /** Split `tools` into this many pages (cursors are opaque strings). */
  pages?: number
  /** MCP path (default `/mcp`). */
  path?: string
  /**
   * Raw JSON text of the tools/list `result` for a cursor, written verbatim: for listings the SDK could not
   * serialise (10k-deep schemas) or would never send (50 MB bodies, broken shapes).
   */
  rawToolsList?: (cursor: string | undefined) => string
  /** Every page after the first repeats the same nextCursor. */
  repeatCursor?: boolean
  serverInfo?: {name: string; version: string}
  /**
   * Answers an authorized request instead of the MCP server when it returns true (after the auth check): a hostile
   * server's raw HTTP error, or a JSON-RPC error the SDK would not send. `body` is the parsed JSON-RPC message.
   */
  intercept?: (req: IncomingMessage, res: ServerResponse, body: unknown) => boolean
  /** Awaited before each request is answered: a barrier several servers must reach, a latency. */
  beforeAnswer?: (request: IncomingMessage) => Promise<void>
  /** Streamable HTTP without sessions (a new server per request, no `mcp-session-id`). */
  stateless?: boolean
  /**
   * Answers tools/call instead of the echo; `ask` sends the client an `elicitation/create` during the call (a vendor's
   * own confirmation step) and resolves with the client's answer.
   */
  call?: (request: {arguments: Record<string, unknown>; name: string}, ask: (params: Record<string, unknown>) => Promise<unknown>, signal: AbortSignal) => Promise<unknown>
  /** Bearer token (default `test-token`). */
  token?: string
  /** Tools to list. Read on every tools/list: mutate the array (or use `setTools`) to change what the server offers. */
  tools?: TestTool[]
  /** `streamable-http` (default) or legacy `sse` (GET opens `event: endpoint`, POST on the main URL is refused). */
  transport?: 'sse' | 'streamable-http'
}

/** A running MCP test server. */
export interface TestMcpServer extends TestHttpServer {
  /** Bearer token / header name / header value the server accepts. */
  credentials: {headerName: string; headerValue: string; token: string}
  /** The tools currently offered (the same array the options passed, if any). */
  tools: TestTool[]
  /** The MCP endpoint, e.g. `https://127.0.0.1:4123/mcp`. */
  url: string
  /** Replace what the server offers from now on (for re-sync tests). */
  setTools(tools: TestTool[]): void
}

/** Echo tool result of the test servers' tools/call: the tool name and arguments as JSON text. */
export const echoResult = (tool: string, args: unknown) => ({content: [{text: JSON.stringify({args, tool}), type: 'text'}]})

/** Start an MCP server (HTTPS on 127.0.0.1:0 unless `tls: false`) with the given auth shape, transport and tools. */
export async function startMcpServer(options: McpServerOptions = {}): Promise<TestMcpServer> {
  const auth = options.auth ?? 'none'
  const accepts = options.accepts ?? (auth === 'header' || auth === 'forbidden' ? 'header' : 'bearer')
  const credentials = {
    headerName: (options.headerName ?? 'x-api-key').toLowerCase(),
    headerValue: options.headerValue ?? 'test-key',
    token: options.token ?? 'test-token',
  }
  const mcpPath = options.path ?? '/mcp'
  const messagesPath = `${mcpPath === '/' ? '' : mcpPath}/messages`
  let tools = options.tools ?? []
  const streamable = new Map<string, StreamableHTTPServerTransport>()
  const sse = new Map<string, SSEServerTransport>()
  let origin = ''

  const prm = () => ({
    authorization_servers: options.oauth?.authorizationServers ?? ['https://auth.example.test'],
    resource: `${origin}${mcpPath}`,
    scopes_supported: options.oauth?.scopes ?? ['mcp'],
  })
  const prmPathAware = `/.well-known/oauth-protected-resource${mcpPath === '/' ? '' : mcpPath}`
  const prmRoot = '/.well-known/oauth-protected-resource'

  const listPage = (cursor: string | undefined) => {
    const pages = Math.max(1, options.pages ?? 1)
    const index = cursor === undefined ? 0 : Number(Buffer.from(cursor, 'base64url').toString().replace('page-', ''))
    const size = Math.ceil(tools.length / pages)
    const page = tools.slice(index * size, (index + 1) * size)
    let nextCursor: string | undefined
    if (options.repeatCursor && index >= 1) nextCursor = cursor
    else if (index + 1 < pages) nextCursor = Buffer.from(`page-${index + 1}`).toString('base64url')
    return {nextCursor, tools: page}
  }

  const newMcpServer = () => {
    const server = new Server(options.serverInfo ?? {name: 'mcpctl-test-server', version: '1.0.0'}, {capabilities: {tools: {listChanged: true}}})
    // Results are not validated by the SDK server: hostile tool lists go out as given.
    server.setRequestHandler(ListToolsRequestSchema, (request) => listPage(request.params?.cursor) as never)
    server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
      if (!options.call) return echoResult(request.params.name, request.params.arguments ?? {})
      const ask = (params: Record<string, unknown>) => extra.sendRequest({method: 'elicitation/create', params} as never, ElicitResultSchema)
      return options.call({arguments: request.params.arguments ?? {}, name: request.params.name}, ask, extra.signal) as never
    })
    return server
  }

  const authorized = (req: IncomingMessage, res: ServerResponse, body: unknown): boolean => {
    if (auth === 'none') return true
    const method = (body as {method?: unknown} | undefined)?.method
    if (options.openInitialize && typeof method === 'string' && (method === 'initialize' || method.startsWith('notifications/'))) return true
    const ok =
      accepts === 'bearer'
        ? req.headers.authorization === `Bearer ${credentials.token}`
        : req.headers[credentials.headerName] === credentials.headerValue
    if (ok) return true
    switch (auth) {
      case 'bearer': {
        const error = req.headers.authorization ? ', error="invalid_token"' : ''
        res.writeHead(401, {'www-authenticate': `Bearer realm="test"${error}`}).end()
        break
      }
      case 'bare401': {
        res.writeHead(401).end()
        break
      }
      case 'header': {
        res
          .writeHead(401, {'content-type': 'application/json'})
          .end(JSON.stringify({error: {code: -32_001, message: 'Missing or invalid API key'}, id: null, jsonrpc: '2.0'}))
        break
      }
      case 'forbidden': {
        res.writeHead(403, {'content-type': 'text/plain'}).end('Forbidden')
        break
      }
      case 'oauth-prm': {
        const challenge =
          options.oauth?.resourceMetadataInHeader === false
            ? 'Bearer realm="test"'
            : `Bearer resource_metadata="${origin}${prmPathAware}", scope="mcp"`
        res.writeHead(401, {'www-authenticate': challenge}).end()
        break
      }
    }
    return false
  }

  const servePrm = (path: string, res: ServerResponse): boolean => {
    if (auth !== 'oauth-prm' || (path !== prmPathAware && path !== prmRoot)) return false
    const where = options.oauth?.wellKnown ?? 'both'
    if (path === prmPathAware && options.oauth?.pathAwareStatus) {
      res.writeHead(options.oauth.pathAwareStatus).end()
    } else if (where === 'both' || (where === 'path') === (path === prmPathAware)) {
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(prm()))
    } else {
      res.writeHead(404).end()
    }
    return true
  }

  const rawList = (body: unknown, res: ServerResponse): boolean => {
    const message = body as {id?: unknown; method?: string; params?: {cursor?: string}} | undefined
    if (!options.rawToolsList || message?.method !== 'tools/list') return false
    const result = options.rawToolsList(message.params?.cursor)
    res.writeHead(200, {'content-type': 'application/json'}).end(`{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${result}}`)
    return true
  }

  const handleStreamable = async (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    if (options.stateless) {
      if (req.method !== 'POST') {
        res.writeHead(405, {allow: 'POST'}).end()
        return
      }
      const transport = new StreamableHTTPServerTransport({enableJsonResponse: options.jsonResponse, sessionIdGenerator: undefined})
      const server = newMcpServer()
      res.on('close', () => void transport.close())
      await server.connect(transport)
      await transport.handleRequest(req, res, body)
      return
    }
    const sessionId = req.headers['mcp-session-id'] as string | undefined
    const existing = sessionId === undefined ? undefined : streamable.get(sessionId)
    if (existing) {
      await existing.handleRequest(req, res, body)
      return
    }
    if (sessionId !== undefined || req.method !== 'POST') {
      res
        .writeHead(sessionId === undefined ? 400 : 404, {'content-type': 'application/json'})
        .end(JSON.stringify({error: {code: -32_000, message: 'No valid session'}, id: null, jsonrpc: '2.0'}))
      return
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      enableJsonResponse: options.jsonResponse,
      onsessionclosed: (id) => void streamable.delete(id),
      onsessioninitialized: (id) => void streamable.set(id, transport),
      sessionIdGenerator: randomUUID,
    })
    transport.onclose = () => {
      if (transport.sessionId) streamable.delete(transport.sessionId)
    }
    await newMcpServer().connect(transport)
    await transport.handleRequest(req, res, body)
  }

  const handleSse = async (req: IncomingMessage, res: ServerResponse, body: unknown, url: URL) => {
    if (url.pathname === messagesPath && req.method === 'POST') {
      const transport = sse.get(url.searchParams.get('sessionId') ?? '')
      if (transport) await transport.handlePostMessage(req, res, body)
      else res.writeHead(404).end('Unknown session')
      return
    }
    if (url.pathname === mcpPath && req.method === 'GET') {
      const transport = new SSEServerTransport(messagesPath, res)
      sse.set(transport.sessionId, transport)
      res.on('close', () => sse.delete(transport.sessionId))
      await newMcpServer().connect(transport)
      return
    }
    res.writeHead(405, {allow: 'GET'}).end()
  }

  const base = await startHttpServer(async (req, res, body) => {
    await options.beforeAnswer?.(req)
    const url = new URL(req.url ?? '/', origin)
    if (servePrm(url.pathname, res)) return
    const isSseMessages = options.transport === 'sse' && url.pathname === messagesPath
    if (url.pathname !== mcpPath && !isSseMessages) {
      res.writeHead(404).end('Not found')
      return
    }
    // A legacy server has no POST route on its SSE URL: that answer comes before any auth check, as in the wild.
    if (options.transport === 'sse' && url.pathname === mcpPath && req.method === 'POST') {
      res.writeHead(options.legacyPostStatus ?? 405, {allow: 'GET'}).end()
      return
    }
    if (!authorized(req, res, body)) return
    if (options.intercept?.(req, res, body)) return
    if (rawList(body, res)) return
    await (options.transport === 'sse' ? handleSse(req, res, body, url) : handleStreamable(req, res, body))
  }, options)
  origin = base.origin

  return {
    ...base,
    async close() {
      await Promise.allSettled([...streamable.values(), ...sse.values()].map((transport) => transport.close()))
      await base.close()
    },
    credentials,
    get tools() {
      return tools
    },
    setTools(next: TestTool[]) {
      tools = next
    },
    url: `${origin}${mcpPath}`,
  }
}
