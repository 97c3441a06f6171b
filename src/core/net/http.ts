// The only fetch the MCP client uses: no redirect leaves the server's origin, bodies are capped, and network
// failures become readable McpctlErrors. Node's fetch forwards headers such as `x-api-key` on a cross-origin
// redirect (it drops only `Authorization`), so redirects are followed here, one checked hop at a time.
import {McpctlError} from '../errors.js'

/** The shape of fetch the MCP SDK transports accept. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>

/** No MCP response mcpctl needs comes near this; a hostile server streaming 50 MB stops here. */
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024

const MAX_REDIRECTS = 5
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304])

export interface GuardedFetchOptions {
  /** Cap on each response body, counted as it streams (SSE keeps streaming; nothing is buffered). */
  maxBytes?: number
  /** Cancels every request made through this fetch (e.g. Ctrl-C). */
  signal?: AbortSignal
  /** How long each hop may take to answer with headers. Bodies are not timed: SSE streams stay open. */
  timeoutMs?: number
}

/**
 * A fetch that follows a redirect only within the request's origin (never to plain http, at most 5 hops) and
 * refuses anything else with McpctlError('server'); caps response bodies; maps connection, DNS, TLS and timeout
 * failures to McpctlError('server', "Cannot reach <origin>: <reason>"). A caller's own abort passes through as is.
 */
export function guardedFetch(options: GuardedFetchOptions = {}): FetchLike {
  const maxBytes = options.maxBytes ?? MAX_RESPONSE_BYTES
  return async (input, init = {}) => {
    let url = new URL(input instanceof URL ? input.href : input)
    let request: RequestInit = init
    for (let hop = 0; ; hop++) {
      const response = await fetchHop(url, request, options)
      const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null
      if (location === null) return capBody(response, maxBytes)

      await response.body?.cancel().catch(() => {})
      const target = resolveRedirect(location, url)
      if (target.origin !== url.origin || target.username || target.password) {
        throw new McpctlError('server', `Server redirected to another origin (${target.origin}); not following with credentials`, {
          detail: {from: url.origin, to: target.origin, status: response.status},
          hint: 'If you trust the new address, use it directly.',
        })
      }
      if (hop + 1 > MAX_REDIRECTS) {
        throw new McpctlError('server', `${url.origin} redirected more than ${MAX_REDIRECTS} times; giving up`)
      }
      request = redirectedRequest(request, response.status, url)
      url = target
    }
  }
}

function resolveRedirect(location: string, base: URL): URL {
  try {
    return new URL(location, base)
  } catch {
    throw new McpctlError('server', `${base.origin} answered with a redirect to an invalid address`)
  }
}

// Browsers turn a 301/302/303 after a POST into a GET without its body; that would silently drop an MCP message,
// so only 307/308 are followed for requests that carry one.
function redirectedRequest(init: RequestInit, status: number, url: URL): RequestInit {
  const method = (init.method ?? 'GET').toUpperCase()
  if (method !== 'GET' && method !== 'HEAD' && status !== 307 && status !== 308) {
    throw new McpctlError('server', `${url.origin} answered ${method} with HTTP ${status}, a redirect that would drop the request body`)
  }
  if (init.body instanceof ReadableStream) {
    throw new McpctlError('server', `${url.origin} redirected a streamed request, which cannot be sent again`)
  }
  return init
}

async function fetchHop(url: URL, init: RequestInit, options: GuardedFetchOptions): Promise<Response> {
  const timeout = new AbortController()
  const timer = options.timeoutMs ? setTimeout(() => timeout.abort(), options.timeoutMs) : undefined
  const signals = [timeout.signal, init.signal, options.signal].filter((signal): signal is AbortSignal => Boolean(signal))
  try {
    return await fetch(url, {...init, redirect: 'manual', signal: AbortSignal.any(signals)})
  } catch (error) {
    if (init.signal?.aborted || options.signal?.aborted) throw error
    if (timeout.signal.aborted) {
      throw new McpctlError('server', `Cannot reach ${url.origin}: no answer within ${formatSeconds(options.timeoutMs!)}`, {
        detail: {origin: url.origin, reason: 'timeout'},
      })
    }
    throw networkError(url, error)
  } finally {
    clearTimeout(timer)
  }
}

/** `30 s`, `0.5 s`: timeouts as people read them. */
export const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`

function capBody(response: Response, maxBytes: number): Response {
  if (!response.body || NULL_BODY_STATUSES.has(response.status)) return response
  const origin = response.url ? new URL(response.url).origin : 'The server'
  const tooLarge = () =>
    new McpctlError('server', `${origin} sent a response larger than ${formatBytes(maxBytes)}; stopped reading`, {
      detail: {maxBytes},
    })
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    response.body.cancel().catch(() => {})
    throw tooLarge()
  }

  // A declared length within the cap is the whole body (HTTP framing ends it there): nothing to count. Not when the
  // body is encoded: fetch decompresses it, and a small gzip body can inflate past any cap.
  const encoding = response.headers.get('content-encoding')
  if (declared <= maxBytes && (!encoding || encoding === 'identity')) return response

  let seen = 0
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength
      if (seen > maxBytes) controller.error(tooLarge())
      else controller.enqueue(chunk)
    },
  })
  const capped = new Response(response.body.pipeThrough(counter), {
    headers: response.headers,
    status: response.status,
    statusText: response.statusText,
  })
  // The SDK names the URL in some of its messages; a constructed Response would otherwise report ''.
  Object.defineProperty(capped, 'url', {value: response.url})
  return capped
}

const formatBytes = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Number((bytes / 1024 / 1024).toFixed(1))} MiB` : `${Number((bytes / 1024).toFixed(1))} KiB`

interface SystemError {
  code?: string
  errors?: unknown[]
  message?: string
}

/** "Cannot reach <origin>: <reason>" for a failed fetch, with TLS problems spelled out and a hint where one helps. */
export function networkError(url: URL, error: unknown): McpctlError {
  const cause = rootCause(error)
  const code = cause.code ?? ''
  let reason: string
  let hint: string | undefined
  switch (code) {
    case 'ECONNREFUSED': {
      reason = 'connection refused'
      hint = 'Check the address and port, and that the server is running.'
      break
    }
    case 'ENOTFOUND':
    case 'EAI_AGAIN': {
      reason = `host ${url.hostname} not found (DNS)`
      hint = 'Check the host name.'
      break
    }
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET': {
      reason = 'the connection was closed by the server'
      break
    }
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT': {
      reason = 'connection timed out'
      break
    }
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY': {
      reason = `TLS certificate not trusted (${cause.message ?? code})`
      hint = 'If the server uses a private certificate authority, point NODE_EXTRA_CA_CERTS at its CA certificate (PEM).'
      break
    }
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID': {
      reason = `TLS certificate not valid now (${cause.message ?? code})`
      break
    }
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      reason = `TLS certificate is not valid for ${url.hostname}`
      break
    }
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER': {
      reason = 'TLS handshake failed (is the server really speaking HTTPS on this port?)'
      break
    }
    default: {
      reason = cause.message && cause.message !== 'fetch failed' ? cause.message : 'network error'
    }
  }
  return new McpctlError('server', `Cannot reach ${url.origin}: ${reason}`, {cause: error, detail: {code: code || undefined, origin: url.origin}, hint})
}

// undici reports `TypeError('fetch failed')` with the socket error as `cause`; with several addresses (localhost →
// ::1 and 127.0.0.1) the cause is an AggregateError whose members carry the codes.
function rootCause(error: unknown): SystemError {
  let current = error as SystemError & {cause?: unknown}
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    if (current.code) return current
    if (Array.isArray(current.errors) && current.errors.length > 0) {
      const coded = current.errors.find((member) => (member as SystemError)?.code) as SystemError | undefined
      if (coded) return coded
    }
    if (!current.cause) break
    current = current.cause as SystemError & {cause?: unknown}
  }
  return current && typeof current === 'object' ? current : {message: String(error)}
}
