// Serving the gateway: stdio (what local agents spawn) or streamable HTTP on 127.0.0.1 with a bearer token and
// Host/Origin checks. Both watch the store and tell clients when the tool list changes.
import {createHash, randomUUID, timingSafeEqual} from 'node:crypto'
import {watch} from 'node:fs'
import http from 'node:http'
import type {AddressInfo, Socket} from 'node:net'

import {McpctlError} from '../errors.js'
import type {Gateway} from './gateway.js'
import {gatewayServers} from './mcp-server.js'

export interface RunningGateway {
  /** Resolves when the gateway stops (stdin closed, or `close()`). */
  closed: Promise<void>
  /** `http://127.0.0.1:<port>/mcp` for HTTP. */
  url?: string
  close(): Promise<void>
}

export const GATEWAY_PATH = '/mcp'

/** Watch the store and call `changed` when what the agent sees changed (stat poll as a backstop for missed events). */
export function watchTools(gateway: Gateway, dir: string, changed: () => void): () => void {
  let last: string | undefined
  let timer: NodeJS.Timeout | undefined
  let running = false
  const check = async () => {
    if (running) return
    running = true
    try {
      const {signature} = await gateway.views.current()
      if (last !== undefined && signature !== last) changed()
      last = signature
    } catch {
      // A store being rewritten or broken changes nothing the agent sees until it reads cleanly again.
    } finally {
      running = false
    }
  }

  void check()
  const soon = () => {
    clearTimeout(timer)
    timer = setTimeout(() => void check(), 50)
  }

  const watcher = (() => {
    try {
      return watch(dir, soon)
    } catch {
      return undefined
    }
  })()
  watcher?.on('error', () => {})
  const poll = setInterval(() => void check(), 2000)
  poll.unref()
  return () => {
    watcher?.close()
    clearInterval(poll)
    clearTimeout(timer)
  }
}

/**
 * The one way a running gateway stops, whichever binding serves it: stop watching the store, close the binding, then
 * the gateway (its pooled upstreams); once, however often it is asked; `closed` resolves when it has.
 */
function stopOnce(gateway: Gateway, unwatch: () => void, closeBinding: () => Promise<void>): Pick<RunningGateway, 'close' | 'closed'> {
  let closing: Promise<void> | undefined
  let done!: () => void
  const closed = new Promise<void>((resolve) => {
    done = resolve
  })
  const close = () => {
    closing ??= (async () => {
      unwatch()
      await closeBinding()
      await gateway.close()
      done()
    })()
    return closing
  }

  return {close, closed}
}

export async function serveStdio(gateway: Gateway, options: {dir: string; onerror?: (error: Error) => void}): Promise<RunningGateway> {
  const {serveStdio: serve} = await import('@modelcontextprotocol/server/stdio')
  const servers = gatewayServers(gateway)
  const handle = serve(servers.factory, {onerror: options.onerror})
  const unwatch = watchTools(gateway, options.dir, () => servers.toolsChanged())
  const {close, closed} = stopOnce(gateway, unwatch, () => handle.close().catch(() => {}))

  // The SDK closes its side when stdin ends; the gateway follows, as the stdio binding asks.
  process.stdin.once('end', () => void close())
  process.stdin.once('close', () => void close())
  return {close, closed}
}

export interface HttpOptions {
  dir: string
  onerror?: (error: Error) => void
  port?: number
  /** The bearer token every request must carry. */
  token: string
}

export async function serveHttp(gateway: Gateway, options: HttpOptions): Promise<RunningGateway> {
  const server = await import('@modelcontextprotocol/server')
  const {toNodeHandler} = await import('@modelcontextprotocol/node')
  const servers = gatewayServers(gateway)
  const modern = server.createMcpHandler(servers.factory, {legacy: 'reject', onerror: options.onerror})
  const sessions = new Map<string, InstanceType<typeof server.WebStandardStreamableHTTPServerTransport>>()
  const expected = digest(options.token)

  const jsonError = (status: number, message: string, headers: Record<string, string> = {}) =>
    Response.json({error: {code: -32_000, message}, id: null, jsonrpc: '2.0'}, {headers, status})

  // 2025 clients keep a session (server-to-client elicitation and notifications need one); the SDK's own legacy
  // fallback is stateless, so 2025 traffic is routed here and 2026 traffic to the per-request handler.
  const legacy = async (request: Request): Promise<Response> => {
    const id = request.headers.get('mcp-session-id')
    if (id) {
      const transport = sessions.get(id)
      return transport ? transport.handleRequest(request) : jsonError(404, 'Session not found')
    }

    const transport: InstanceType<typeof server.WebStandardStreamableHTTPServerTransport> = new server.WebStandardStreamableHTTPServerTransport({
      onsessionclosed: (sessionId) => void sessions.delete(sessionId),
      onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
      sessionIdGenerator: () => randomUUID(),
    })
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId)
    }

    const instance = await servers.factory({era: 'legacy', requestInfo: request})
    await instance.connect(transport)
    const response = await transport.handleRequest(request)
    // Anything but a successful initialize leaves no session behind.
    if (!transport.sessionId) await instance.close().catch(() => {})
    return response
  }

  const handler = toNodeHandler(
    {
      fetch: async (request: Request) => {
        const rejected =
          server.hostHeaderValidationResponse(request, server.localhostAllowedHostnames()) ?? server.originValidationResponse(request, server.localhostAllowedOrigins())
        if (rejected) return rejected
        if (!authorized(request.headers.get('authorization'), expected)) {
          return jsonError(401, 'Unauthorized', {'www-authenticate': 'Bearer realm="mcpctl-gateway"'})
        }

        if (new URL(request.url).pathname !== GATEWAY_PATH) return jsonError(404, 'Not found')
        return (await server.isLegacyRequest(request)) ? legacy(request) : modern.fetch(request)
      },
    },
    {onerror: options.onerror},
  )

  const httpServer = http.createServer((req, res) => void handler(req, res))
  const sockets = new Set<Socket>()
  httpServer.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new McpctlError('usage', `Port ${options.port} on 127.0.0.1 is in use.`, {hint: 'Choose another with --port, or stop what listens there.'})
          : error,
      ),
    )
    httpServer.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })

  const unwatch = watchTools(gateway, options.dir, () => {
    servers.toolsChanged()
    modern.notify.toolsChanged()
  })
  const {close, closed} = stopOnce(gateway, unwatch, async () => {
    await Promise.all([...sessions.values()].map((transport) => transport.close().catch(() => {})))
    await modern.close().catch(() => {})
    await new Promise<void>((resolve) => {
      httpServer.close(() => resolve())
      httpServer.closeAllConnections()
      for (const socket of sockets) socket.destroy()
    })
  })

  const {port} = httpServer.address() as AddressInfo
  return {close, closed, url: `http://127.0.0.1:${port}${GATEWAY_PATH}`}
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/** Constant time: both sides are hashed to the same length first, so neither length nor content leaks through timing. */
function authorized(header: string | null, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  const given = digest(match ? match[1] : '')
  return timingSafeEqual(given, expected) && match !== null
}
