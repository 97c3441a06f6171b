// An authenticated MCP client session over streamable HTTP, falling back to legacy SSE.
// Every request goes through the guarded fetch (no cross-origin redirects, capped bodies); every failure leaves as
// an McpctlError whose message never contains the credential.
import {type OAuthClientProvider, UnauthorizedError} from '@modelcontextprotocol/sdk/client/auth.js'
import {Client} from '@modelcontextprotocol/sdk/client/index.js'
import {SSEClientTransport, SseError} from '@modelcontextprotocol/sdk/client/sse.js'
import {StreamableHTTPClientTransport, StreamableHTTPError} from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {type ElicitRequest, ElicitRequestSchema, type ElicitResult, ErrorCode, McpError} from '@modelcontextprotocol/sdk/types.js'
import {AjvJsonSchemaValidator} from '@modelcontextprotocol/sdk/validation/ajv'
import type {JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator} from '@modelcontextprotocol/sdk/validation/types.js'

import {McpctlError} from '../../errors.js'
import type {Transport} from '../../store/schema.js'
import {formatSeconds, guardedFetch} from '../../net/http.js'
import {printable, redact, serverText} from '../../net/untrusted.js'
import {MCPCTL_CLIENT_INFO} from './version.js'

export type Credentials =
  | {type: 'bearer'; token: string}
  | {name: string; type: 'header'; value: string}
  | {provider: OAuthClientProvider; type: 'oauth'}
  | {type: 'none'}

/** Answers a server's `elicitation/create` during a call (the gateway passes it to the agent's client). */
export type ElicitationHandler = (params: ElicitRequest['params'], signal: AbortSignal) => Promise<ElicitResult>

export interface Session {
  client: Client
  transport: Transport
  close(): Promise<void>
  /**
   * A failed request on this session (`operation`: the MCP method) as an McpctlError, through sessionError: the
   * server's text inert and without the connection's secrets, 401/403 → auth (exit 3), timeout/unreachable → server (exit 4).
   */
  fail(error: unknown, operation: string): McpctlError
  /** The connection's secret values (token, header value, OAuth tokens): removed from everything the server sends. */
  secrets(): string[]
  /** The server's address for messages: origin and path, never the query. */
  where: string
  /** Timeout and cancellation for requests made on this session (pass to `client.request`/`callTool`). */
  requestOptions?: {signal?: AbortSignal; timeout?: number}
}

/** Default per-request timeout (connect, initialize, each later request). */
export const SESSION_TIMEOUT_MS = 30_000

const LEGACY_FALLBACK_STATUSES = new Set([400, 404, 405])

/**
 * Connect and initialize. `transport` pins one transport; without it, streamable HTTP is tried first and legacy SSE on
 * 400/404/405. Rejected credentials → McpctlError('auth'); unreachable or not MCP → McpctlError('server').
 */
export async function openSession(
  url: URL,
  options: {
    /** The stored connection this session is for, so that errors name the command that fixes it (absent while adding). */
    connection?: string
    credentials: Credentials
    /** Offer form elicitation to the server and answer it with this; without it, mcpctl declares no elicitation. */
    elicitation?: ElicitationHandler
    /** The connection's static headers (a tenant id), sent on every request beside the credential. */
    headers?: Record<string, string>
    /** Cap on each response body (default MAX_RESPONSE_BYTES). */
    maxResponseBytes?: number
    signal?: AbortSignal
    timeoutMs?: number
    transport?: Transport
  },
): Promise<Session> {
  const timeoutMs = options.timeoutMs ?? SESSION_TIMEOUT_MS
  const {credentials, elicitation} = options
  const requestInit: RequestInit = {headers: {...options.headers, ...credentialHeaders(credentials)}}
  const authProvider = credentials.type === 'oauth' ? credentials.provider : undefined
  const fetch = guardedFetch({maxBytes: options.maxResponseBytes, signal: options.signal, timeoutMs})
  const requestOptions = {signal: options.signal, timeout: timeoutMs}

  const connect = async (kind: Transport): Promise<Session> => {
    const client = new Client(MCPCTL_CLIENT_INFO, {
      capabilities: elicitation ? {elicitation: {form: {}}} : {},
      jsonSchemaValidator: new DeferredSchemaValidator(),
    })
    if (elicitation) client.setRequestHandler(ElicitRequestSchema, (request, extra) => elicitation(request.params, extra.signal))
    // Both transports add `requestInit.headers` to every request they make (SSE: the GET stream and each POST).
    const transport =
      kind === 'sse'
        ? new SSEClientTransport(url, {authProvider, fetch, requestInit})
        : new StreamableHTTPClientTransport(url, {authProvider, fetch, requestInit})
    try {
      await client.connect(transport, requestOptions)
    } catch (error) {
      await client.close().catch(() => {})
      throw error
    }
    return {
      client,
      close: closer(client, transport),
      fail: (error, operation) => sessionError(url, error, {connection: options.connection, credentials, operation, signal: options.signal, timeoutMs}),
      requestOptions,
      secrets: () => secretValues(credentials),
      transport: kind,
      where: where(url),
    }
  }

  try {
    if (options.transport === 'sse') return await connect('sse')
    try {
      return await connect('streamable-http')
    } catch (error) {
      const legacy =
        options.transport !== 'streamable-http' && error instanceof StreamableHTTPError && LEGACY_FALLBACK_STATUSES.has(error.code ?? 0)
      if (!legacy) throw error
      try {
        return await connect('sse')
      } catch (sseError) {
        if (sseError instanceof SseError && (sseError.code === undefined || LEGACY_FALLBACK_STATUSES.has(sseError.code))) {
          const sse = sseError.code === undefined ? 'did not open' : `answered HTTP ${sseError.code}`
          throw new McpctlError('server', `${where(url)} does not look like an MCP endpoint: streamable HTTP answered HTTP ${error.code} and legacy SSE ${sse}`, {
            detail: {status: error.code},
            hint: 'Check the URL path (MCP servers often serve /mcp, legacy ones /sse).',
          })
        }
        throw sseError
      }
    }
  } catch (error) {
    throw sessionError(url, error, {connection: options.connection, credentials, signal: options.signal, timeoutMs})
  }
}

function credentialHeaders(credentials: Credentials): Record<string, string> {
  switch (credentials.type) {
    case 'bearer': {
      return {authorization: `Bearer ${credentials.token}`}
    }
    case 'header': {
      return {[credentials.name]: credentials.value}
    }
    default: {
      // OAuth: the SDK's authProvider adds the token; none: nothing to add.
      return {}
    }
  }
}

function closer(client: Client, transport: SSEClientTransport | StreamableHTTPClientTransport): () => Promise<void> {
  let closing: Promise<void> | undefined
  return () => {
    closing ??= (async () => {
      if (transport instanceof StreamableHTTPClientTransport) {
        // Ending the session is a courtesy to the server: bounded, and never an error for the caller.
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          transport.terminateSession().catch(() => {}),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, 5000)
          }),
        ])
        clearTimeout(timer)
      }
      await client.close().catch(() => {})
    })()
    return closing
  }
}

/** Where, for messages: origin and path, never the query (some servers take API keys there). */
const where = (url: URL) => `${url.origin}${url.pathname}`

/**
 * The one way a failure of an MCP server reaches the person: connecting, and every request after it (`operation`,
 * e.g. tools/list, tools/call). Whatever the server said is quoted only through serverText (inert, one line, every
 * form of the connection's secrets removed), and the kind follows the documented exit codes: refused credentials →
 * auth (3); a timeout, a dropped connection, an unreachable or non-MCP server, a refused tools/list → server (4); a
 * JSON-RPC error answering tools/call → error (1), like a tool that reports an error.
 */
export function sessionError(
  url: URL,
  error: unknown,
  context: {connection?: string; credentials?: Credentials; operation?: string; signal?: AbortSignal; timeoutMs?: number},
): McpctlError {
  const secrets = secretValues(context.credentials)
  if (error instanceof McpctlError) return withoutSecrets(error, secrets)
  if (context.signal?.aborted) return new McpctlError('interrupted', 'Cancelled.', {cause: error})
  const said = (text: string) => serverText(text, secrets)
  const {operation} = context

  // The command that fixes a refused credential names the real connection; while adding there is none yet.
  const connect = context.connection === undefined ? undefined : `\`mcpctl connect ${context.connection}\``
  if (error instanceof UnauthorizedError) {
    return new McpctlError('auth', `${where(url)} needs authorization again.`, {
      cause: error,
      hint: connect ? `Re-authorize it with ${connect}.` : 'Authorize again.',
    })
  }
  const status = httpStatus(error)
  if (status === 401 || status === 403) {
    const none = !context.credentials || context.credentials.type === 'none'
    const during = operation ? ` to ${operation}` : ''
    return new McpctlError(
      'auth',
      none ? `The server requires credentials (HTTP ${status}${during}).` : `The server rejected the credentials (HTTP ${status}${during}).`,
      {
        cause: new Error(`HTTP ${status}`),
        detail: {status},
        hint: none
          ? 'Probe it with mcpctl integrations probe <url> to see which credential it wants.'
          : `Check the token (or header name and value); it may be wrong, expired or revoked.${connect ? ` Replace it with ${connect}.` : ''}`,
      },
    )
  }
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    const what = operation ? ` ${operation}` : ''
    return new McpctlError('server', `${where(url)} did not answer${what} within ${formatSeconds(context.timeoutMs ?? SESSION_TIMEOUT_MS)}`, {
      detail: {reason: 'timeout'},
      ...(operation === 'tools/call' ? {hint: 'Raise --timeout if the tool needs longer.'} : {}),
    })
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return new McpctlError('server', `${where(url)} closed the connection during ${operation ?? 'the MCP handshake'}`)
  }
  if (error instanceof McpError && operation) {
    // The SDK prefixes "MCP error <code>: "; the code goes to --json instead.
    const message = error.message.replace(/^MCP error -?\d+: /, '')
    // A failed call is the call's error (exit 1, as a tool reporting one); any other refused request leaves the server unusable.
    return new McpctlError(operation === 'tools/call' ? 'error' : 'server', `${where(url)} answered ${operation} with an error: ${said(message)}`, {
      cause: error,
      detail: {code: error.code},
    })
  }
  const message = error instanceof Error ? error.message.replace(/^(SSE error|Streamable HTTP error): (Error POSTing to endpoint: )?/, '') : String(error)
  if (status !== undefined) {
    return new McpctlError('server', `${where(url)} answered ${operation ? `${operation} with ` : ''}HTTP ${status}: ${said(message)}`, {detail: {status}})
  }
  // The error itself may quote a server response that echoes our header; only the redacted text is kept.
  return new McpctlError('server', `${operation ? `${operation} on ${where(url)}` : `MCP handshake with ${where(url)}`} failed: ${said(message)}`)
}

/** An McpctlError raised below (the guarded fetch, discovery) with every form of the secrets removed from its words. */
function withoutSecrets(error: McpctlError, secrets: string[]): McpctlError {
  if (secrets.length === 0) return error
  const message = redact(error.message, secrets)
  const hint = error.hint === undefined ? undefined : redact(error.hint, secrets)
  if (message === error.message && hint === error.hint) return error
  return new McpctlError(error.kind, message, {cause: error.cause, detail: error.detail, hint})
}

function httpStatus(error: unknown): number | undefined {
  if ((error instanceof StreamableHTTPError || error instanceof SseError) && typeof error.code === 'number' && error.code >= 100) {
    return error.code
  }
  // SSEClientTransport reports a failed POST as a plain Error.
  const posted = error instanceof Error ? /^Error POSTing to endpoint \(HTTP (\d{3})\)/.exec(error.message) : null
  return posted ? Number(posted[1]) : undefined
}

/** The values of a credential that no message, listing or stored definition may contain. */
export function secretValues(credentials: Credentials | undefined): string[] {
  if (credentials?.type === 'bearer') return [credentials.token]
  if (credentials?.type === 'header') return [credentials.value]
  if (credentials?.type === 'oauth') {
    // mcpctl's providers answer synchronously; a promise (another provider) has nothing to read here.
    const tokens = credentials.provider.tokens()
    if (tokens && !(tokens instanceof Promise)) return [tokens.access_token, tokens.refresh_token].filter((token): token is string => typeof token === 'string')
  }
  return []
}

/**
 * The SDK compiles every listed tool's output schema with Ajv as soon as `listTools` returns: a hostile 10k-deep
 * schema would overflow the stack during discovery. Compiling on first use keeps validation for `tools/call` while
 * the listing itself stays safe; a schema that cannot be compiled fails only the call that needs it.
 */
class DeferredSchemaValidator implements jsonSchemaValidator {
  #ajv?: AjvJsonSchemaValidator

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    let compiled: JsonSchemaValidator<T> | undefined
    return (input) => {
      try {
        compiled ??= (this.#ajv ??= new AjvJsonSchemaValidator()).getValidator<T>(schema)
      } catch (error) {
        return {data: undefined, errorMessage: `the tool's output schema cannot be used: ${printable(String(error))}`, valid: false}
      }
      return compiled(input)
    }
  }
}
