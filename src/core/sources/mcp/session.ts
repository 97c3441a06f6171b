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
import {printable} from '../../net/untrusted.js'
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
    return {client, close: closer(client, transport), requestOptions, transport: kind}
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

/** Any failure while connecting, as an McpctlError without the credential in it. */
export function sessionError(
  url: URL,
  error: unknown,
  context: {connection?: string; credentials?: Credentials; signal?: AbortSignal; timeoutMs?: number},
): McpctlError {
  if (error instanceof McpctlError) return error
  if (context.signal?.aborted) return new McpctlError('interrupted', 'Cancelled.', {cause: error})
  const secrets = secretValues(context.credentials)
  const said = (text: string) => printable(redact(text, secrets))

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
    return new McpctlError(
      'auth',
      none ? `The server requires credentials (HTTP ${status}).` : `The server rejected the credentials (HTTP ${status}).`,
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
    return new McpctlError('server', `${where(url)} did not answer within ${formatSeconds(context.timeoutMs ?? SESSION_TIMEOUT_MS)}`, {detail: {reason: 'timeout'}})
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return new McpctlError('server', `${where(url)} closed the connection during the MCP handshake`)
  }
  const message = error instanceof Error ? error.message.replace(/^(SSE error|Streamable HTTP error): /, '') : String(error)
  if (status !== undefined) {
    return new McpctlError('server', `${where(url)} answered HTTP ${status}: ${said(message)}`, {detail: {status}})
  }
  // The error itself may quote a server response that echoes our header; only the redacted text is kept.
  return new McpctlError('server', `MCP handshake with ${where(url)} failed: ${said(message)}`)
}

function httpStatus(error: unknown): number | undefined {
  if ((error instanceof StreamableHTTPError || error instanceof SseError) && typeof error.code === 'number' && error.code >= 100) {
    return error.code
  }
  // SSEClientTransport reports a failed POST as a plain Error.
  const posted = error instanceof Error ? /^Error POSTing to endpoint \(HTTP (\d{3})\)/.exec(error.message) : null
  return posted ? Number(posted[1]) : undefined
}

function secretValues(credentials: Credentials | undefined): string[] {
  if (credentials?.type === 'bearer') return [credentials.token]
  if (credentials?.type === 'header') return [credentials.value]
  return []
}

const redact = (text: string, secrets: string[]) =>
  secrets.filter((secret) => secret.length > 0).reduce((result, secret) => result.replaceAll(secret, '[redacted]'), text)

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
