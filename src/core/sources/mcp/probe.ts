// Probe: an unauthenticated MCP `initialize` — and when it is answered, `notifications/initialized` and `tools/list`,
// since some servers demand credentials only from there on — then protected-resource discovery on the first challenge,
// to tell how a server authenticates. The decision table is shared/reference/mcp-client-auth.md.
import {LATEST_PROTOCOL_VERSION} from '@modelcontextprotocol/sdk/types.js'

import {McpctlError} from '../../errors.js'
import type {AuthType, Transport} from '../../store/schema.js'
import {isLoopbackHost} from '../../net/endpoint.js'
import {type FetchLike, formatSeconds, guardedFetch} from '../../net/http.js'
import {printable} from '../../net/untrusted.js'
import {MCPCTL_CLIENT_INFO} from './version.js'

export interface ProbeResult {
  url: string
  auth: AuthType
  transport: Transport
  /** HTTP status of the answer the verdict rests on: the initialize, the tools/list after it, or the legacy SSE GET. */
  status: number
  /** Which request was challenged, when it was not the initialize: a server that lets anyone initialize but not list. */
  challengedAt?: 'tools/list'
  /** One line a person can read: why this verdict. */
  reason: string
  /** Server identity from a successful unauthenticated initialize (auth `none`). */
  server?: {name?: string; protocolVersion?: string; version?: string}
  /** Scheme of the WWW-Authenticate challenge, when any (e.g. `Bearer`). */
  challenge?: string
  /** Protected-resource metadata, when the server publishes it (auth `oauth`). */
  oauth?: {
    authorizationServers: string[]
    /** `scope` of the WWW-Authenticate challenge: what the server says this request needs (MCP scope selection). */
    challengeScope?: string
    resource?: string
    resourceMetadataUrl: string
    scopes?: string[]
  }
}

export const PROBE_TIMEOUT_MS = 15_000
// Nothing the probe reads (an initialize result, metadata, one SSE event) is anywhere near this.
const PROBE_MAX_BYTES = 1024 * 1024
// A legacy SSE server sends `event: endpoint` at once; a stream that stays silent this long is something else.
const SSE_ENDPOINT_WAIT_MS = 5000

export async function probeServer(
  url: URL,
  options: {
    /** Static headers of the connection (a tenant id), sent to the MCP endpoint as every later request will. */
    headers?: Record<string, string>
    signal?: AbortSignal
    timeoutMs?: number
  } = {},
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(), timeoutMs)
  const signal = options.signal ? AbortSignal.any([deadline.signal, options.signal]) : deadline.signal
  const guarded = guardedFetch({maxBytes: PROBE_MAX_BYTES, signal})
  const extra = options.headers ?? {}
  // The static headers go to the MCP endpoint only (not to metadata URLs elsewhere), under the probe's own headers.
  const fetch: FetchLike = (target, init = {}) =>
    guarded(target, String(target) === url.href ? {...init, headers: {...extra, ...(init.headers as Record<string, string> | undefined)}} : init)
  try {
    return await probe(url, fetch, signal)
  } catch (error) {
    if (deadline.signal.aborted && !options.signal?.aborted) {
      throw new McpctlError('server', `Cannot reach ${url.origin}: no complete answer within ${formatSeconds(timeoutMs)}`, {
        cause: error,
        detail: {origin: url.origin, reason: 'timeout'},
      })
    }
    throw error
  } finally {
    clearTimeout(timer)
  }
}

async function probe(url: URL, fetch: FetchLike, signal: AbortSignal): Promise<ProbeResult> {
  const response = await fetch(url, {
    body: JSON.stringify({
      id: 1,
      jsonrpc: '2.0',
      method: 'initialize',
      params: {capabilities: {}, clientInfo: MCPCTL_CLIENT_INFO, protocolVersion: LATEST_PROTOCOL_VERSION},
    }),
    headers: {accept: 'application/json, text/event-stream', 'content-type': 'application/json'},
    method: 'POST',
  })
  const {status} = response

  if (status >= 200 && status < 300) return initialized(url, response, fetch, signal)
  if (status === 401 || status === 403) return authVerdict(url, response, 'streamable-http', fetch)
  if (status === 400 || status === 404 || status === 405) {
    await discard(response)
    return legacySse(url, status, fetch, signal)
  }
  await discard(response)
  throw new McpctlError('server', `${where(url)} answered HTTP ${status} to an MCP initialize request`, {
    detail: {status},
    hint: status >= 500 ? 'The server failed; try again later.' : 'Check that the URL is the server’s MCP endpoint.',
  })
}

/** Where, for messages: origin and path, never the query (some servers take API keys there). */
const where = (url: URL) => `${url.origin}${url.pathname}`

const discard = (response: Response) => response.body?.cancel().catch(() => {})

async function initialized(url: URL, response: Response, fetch: FetchLike, signal: AbortSignal): Promise<ProbeResult> {
  const sessionId = response.headers.get('mcp-session-id')
  try {
    const message = (await firstMessage(response, 1, signal)) as
      | undefined
      | {error?: {message?: unknown}; result?: {protocolVersion?: unknown; serverInfo?: {name?: unknown; version?: unknown}}}
    const result = message?.result
    if (result && (typeof result.protocolVersion === 'string' || typeof result.serverInfo === 'object')) {
      const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : undefined)
      const server = {
        name: text(result.serverInfo?.name),
        protocolVersion: text(result.protocolVersion),
        version: text(result.serverInfo?.version),
      }
      const challenged = await listToolsChallenge(url, {protocolVersion: server.protocolVersion, sessionId}, fetch, signal)
      if (challenged) {
        const verdict = await authVerdict(url, challenged, 'streamable-http', fetch)
        return {
          ...verdict,
          challengedAt: 'tools/list',
          reason: `initialize was answered without credentials, but tools/list was not: ${verdict.reason}`,
          server,
        }
      }
      return {
        auth: 'none',
        reason: `HTTP ${response.status}: the server accepted initialize and tools/list without credentials`,
        server,
        status: response.status,
        transport: 'streamable-http',
        url: url.href,
      }
    }
    if (message?.error) {
      const said = typeof message.error.message === 'string' ? `: ${printable(message.error.message)}` : ''
      throw new McpctlError('server', `${where(url)} refused the MCP initialize request${said}`, {detail: {status: response.status}})
    }
    throw new McpctlError('server', `${where(url)} answered HTTP ${response.status} but not with an MCP initialize result`, {
      detail: {status: response.status},
      hint: 'Check that the URL is the server’s MCP endpoint.',
    })
  } finally {
    // The probe opened a session it will never use: end it rather than leave it to the server's expiry.
    if (sessionId) await endSession(url, sessionId, fetch)
  }
}

/**
 * One step further than initialize, as a client would go: `notifications/initialized`, then `tools/list`. Returns the
 * first 401/403 answer (its challenge and metadata decide the verdict), or undefined when both went through — or
 * failed some other way, which is not the probe's to judge (the add that follows reports it).
 */
async function listToolsChallenge(
  url: URL,
  session: {protocolVersion?: string; sessionId: null | string},
  fetch: FetchLike,
  signal: AbortSignal,
): Promise<Response | undefined> {
  const headers: Record<string, string> = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    'mcp-protocol-version': session.protocolVersion ?? LATEST_PROTOCOL_VERSION,
  }
  if (session.sessionId) headers['mcp-session-id'] = session.sessionId
  const steps = [
    {jsonrpc: '2.0', method: 'notifications/initialized'},
    {id: 2, jsonrpc: '2.0', method: 'tools/list', params: {}},
  ]
  for (const body of steps) {
    const response = await fetch(url, {body: JSON.stringify(body), headers, method: 'POST'})
    if (response.status === 401 || response.status === 403) return response
    if (!('id' in body)) {
      await discard(response)
      continue
    }
    // The listing itself is not wanted: only whether it was refused. Read its answer so a JSON-RPC error is not
    // mistaken for a listing, but treat anything other than a refusal as "no credential needed here".
    await firstMessage(response, 2, signal).catch((error: unknown) => {
      if (signal.aborted) throw error
    })
  }
  return undefined
}

async function endSession(url: URL, sessionId: string, fetch: FetchLike): Promise<void> {
  try {
    const response = await fetch(url, {
      headers: {'mcp-protocol-version': LATEST_PROTOCOL_VERSION, 'mcp-session-id': sessionId},
      method: 'DELETE',
      signal: AbortSignal.timeout(3000),
    })
    await discard(response)
  } catch {
    // Best effort: a server that cannot end sessions expires them.
  }
}

/** The answer to request `id` in a JSON or SSE response body; undefined when there is none or it is not JSON. */
async function firstMessage(response: Response, id: number, signal: AbortSignal): Promise<unknown> {
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
  try {
    if (type === 'application/json') return JSON.parse(await response.text())
    if (type === 'text/event-stream' && response.body) {
      // The answer to our request: a server may send notifications or pings on the stream first.
      const isAnswer = (candidate: SseEvent) => {
        if ((candidate.event ?? 'message') !== 'message') return false
        try {
          return (JSON.parse(candidate.data) as {id?: unknown})?.id === id
        } catch {
          return false
        }
      }
      const event = await readSseEvent(response.body, isAnswer, signal)
      return event ? JSON.parse(event.data) : undefined
    }
  } catch (error) {
    if (error instanceof McpctlError || signal.aborted) throw error
    return undefined
  }
  await discard(response)
  return undefined
}

interface SseEvent {
  data: string
  event?: string
}

/**
 * Read server-sent events until one satisfies `wanted` (then stop reading and drop the stream), the stream ends, or
 * `waitMs` passes. A tiny parser: the probe needs one event, not the SDK's transport.
 */
async function readSseEvent(
  body: ReadableStream<Uint8Array>,
  wanted: (event: SseEvent) => boolean,
  signal: AbortSignal,
  waitMs?: number,
): Promise<SseEvent | undefined> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const stop = () => void reader.cancel().catch(() => {})
  const timer = waitMs === undefined ? undefined : setTimeout(stop, waitMs)
  signal.addEventListener('abort', stop, {once: true})
  let buffer = ''
  let event: SseEvent = {data: ''}
  let hasData = false
  try {
    for (;;) {
      const {done, value} = await reader.read()
      if (done) return undefined
      buffer += decoder.decode(value, {stream: true})
      const lines = buffer.split(/\r\n|\r|\n/)
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        if (line === '') {
          if (hasData && wanted(event)) return event
          event = {data: ''}
          hasData = false
        } else if (line.startsWith('data:')) {
          const value = line.slice(5).replace(/^ /, '')
          event.data = hasData ? `${event.data}\n${value}` : value
          hasData = true
        } else if (line.startsWith('event:')) {
          event.event = line.slice(6).trim()
        }
      }
    }
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', stop)
    stop()
  }
}

async function legacySse(url: URL, postStatus: number, fetch: FetchLike, signal: AbortSignal): Promise<ProbeResult> {
  const response = await fetch(url, {headers: {accept: 'text/event-stream'}, method: 'GET'})
  if (response.status === 401 || response.status === 403) return authVerdict(url, response, 'sse', fetch)
  const type = (response.headers.get('content-type') ?? '').toLowerCase()
  if (response.ok && type.startsWith('text/event-stream') && response.body) {
    const endpoint = await readSseEvent(response.body, (event) => event.event === 'endpoint', signal, SSE_ENDPOINT_WAIT_MS)
    if (endpoint) {
      return {
        auth: 'none',
        reason: `POST answered HTTP ${postStatus}; GET opened a legacy SSE stream that announced its message endpoint`,
        status: response.status,
        transport: 'sse',
        url: url.href,
      }
    }
  } else {
    await discard(response)
  }
  throw new McpctlError(
    'server',
    `${where(url)} does not look like an MCP endpoint: initialize answered HTTP ${postStatus} and GET did not open a legacy SSE stream (HTTP ${response.status})`,
    {detail: {getStatus: response.status, status: postStatus}, hint: 'Check the URL path (MCP servers often serve /mcp, legacy ones /sse).'},
  )
}

/** Scheme and auth-params of a WWW-Authenticate header (enough for Bearer challenges; other schemes just named). */
export function parseChallenge(header: null | string): {bearer: boolean; params: Record<string, string>; scheme?: string} {
  if (!header) return {bearer: false, params: {}}
  const scheme = /^\s*([!#$%&'*+.^_`|~\w-]+)/.exec(header)?.[1]
  const params: Record<string, string> = {}
  for (const match of header.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))/g)) {
    const name = match[1].toLowerCase()
    params[name] ??= match[2] === undefined ? match[3] : match[2].replaceAll(/\\(.)/g, '$1')
  }
  // Several challenges may share the header (`Basic realm="x", Bearer`): any Bearer one counts.
  const bearer = /(?:^|,)\s*bearer(?:\s|,|$)/i.test(header)
  return {bearer, params, scheme}
}

async function authVerdict(url: URL, response: Response, transport: Transport, fetch: FetchLike): Promise<ProbeResult> {
  const {status} = response
  const challenge = parseChallenge(response.headers.get('www-authenticate'))
  await discard(response)
  const base = {challenge: challenge.scheme, status, transport, url: url.href}

  const metadata = await findResourceMetadata(url, challenge.params.resource_metadata, fetch)
  if (metadata && metadata.authorizationServers.length > 0) {
    const mismatch = metadata.resource && !sameResource(metadata.resource, url) ? ` (note: it names the resource ${metadata.resource})` : ''
    return {
      ...base,
      auth: 'oauth',
      oauth: typeof challenge.params.scope === 'string' && challenge.params.scope ? {...metadata, challengeScope: challenge.params.scope} : metadata,
      reason: `HTTP ${status}; protected-resource metadata at ${metadata.resourceMetadataUrl} names the authorization server ${metadata.authorizationServers[0]}${mismatch}`,
    }
  }
  if (challenge.bearer) {
    return {...base, auth: 'bearer', reason: `HTTP ${status} with a Bearer challenge and no protected-resource metadata: the server expects a bearer token`}
  }
  if (status === 403 && !challenge.scheme) {
    return {
      ...base,
      auth: 'header',
      reason:
        'HTTP 403 with no challenge and no protected-resource metadata. A 403 alone is not proof that a credential is needed (servers also refuse unexpected Host headers); if one is, it is a bearer token or a named header',
    }
  }
  const what = challenge.scheme ? `a ${printable(challenge.scheme, 40)} challenge` : 'no challenge'
  return {...base, auth: 'header', reason: `HTTP ${status} with ${what}: the server wants a credential of unknown form (a bearer token or a named header)`}
}

const sameResource = (resource: string, url: URL) => {
  try {
    const named = new URL(resource)
    return named.origin === url.origin && named.pathname.replace(/\/+$/, '') === url.pathname.replace(/\/+$/, '')
  } catch {
    return false
  }
}

type ResourceMetadata = NonNullable<ProbeResult['oauth']>

/** RFC 9728 discovery: the challenge's `resource_metadata`, then the path-aware, then the root well-known URL. */
async function findResourceMetadata(url: URL, fromChallenge: string | undefined, fetch: FetchLike): Promise<ResourceMetadata | undefined> {
  const candidates: URL[] = []
  if (fromChallenge) {
    try {
      const candidate = new URL(fromChallenge)
      // Unauthenticated, but still: no plain http unless the server itself is a local http one.
      const allowed =
        candidate.protocol === 'https:' || (candidate.protocol === 'http:' && url.protocol === 'http:' && isLoopbackHost(candidate.hostname))
      if (allowed) candidates.push(candidate)
    } catch {
      // An unparsable resource_metadata is ignored; the well-known URLs may still answer.
    }
  }
  const path = url.pathname.replace(/\/+$/, '')
  if (path) candidates.push(new URL(`/.well-known/oauth-protected-resource${path}`, url.origin))
  candidates.push(new URL('/.well-known/oauth-protected-resource', url.origin))

  const tried = new Set<string>()
  for (const candidate of candidates) {
    if (tried.has(candidate.href)) continue
    tried.add(candidate.href)
    const metadata = await fetchResourceMetadata(candidate, fetch)
    if (metadata) return metadata
  }
  return undefined
}

async function fetchResourceMetadata(candidate: URL, fetch: FetchLike): Promise<ResourceMetadata | undefined> {
  let document: unknown
  try {
    const response = await fetch(candidate, {headers: {accept: 'application/json', 'mcp-protocol-version': LATEST_PROTOCOL_VERSION}})
    // 404, and the 401/403 some CDNs give the path-aware URL: try the next candidate.
    if (response.status !== 200) {
      await discard(response)
      return undefined
    }
    document = JSON.parse(await response.text())
  } catch (error) {
    // A timeout or Ctrl-C ends the probe; an unreachable or broken metadata URL is just not metadata.
    if (error instanceof Error && error.name === 'AbortError') throw error
    return undefined
  }
  if (!document || typeof document !== 'object') return undefined
  const fields = document as {authorization_servers?: unknown; resource?: unknown; scopes_supported?: unknown}
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [])
  const authorizationServers = strings(fields.authorization_servers).filter((server) => {
    try {
      return ['http:', 'https:'].includes(new URL(server).protocol)
    } catch {
      return false
    }
  })
  const scopes = strings(fields.scopes_supported)
  return {
    authorizationServers,
    resource: typeof fields.resource === 'string' ? fields.resource : undefined,
    resourceMetadataUrl: candidate.href,
    ...(scopes.length > 0 ? {scopes} : {}),
  }
}
