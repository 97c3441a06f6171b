// The loopback redirect target of the authorization code flow (RFC 8252 §7.3): 127.0.0.1 only, alive only during one
// flow, `state` checked in constant time, `iss` checked against the expected issuer (RFC 9207), then closed.
import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'
import http, {type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'

import {McpctlError} from '../errors.js'
import {printable} from '../net/untrusted.js'

export const CALLBACK_HOST = '127.0.0.1'
export const CALLBACK_PATH = '/callback'
export const DEFAULT_CALLBACK_TIMEOUT_MS = 5 * 60 * 1000

/** 256 bits from the CSPRNG, URL-safe: well above the 128 bits the spec asks of `state`. */
export const newState = (): string => randomBytes(32).toString('base64url')

/** What a genuine authorization response for this flow must carry. */
export interface CallbackExpectation {
  /**
   * The authorization server's issuer identifier (its metadata `issuer`). Undefined when it is not known (endpoints
   * given in advance, not discovered): an `iss` in the response is then not compared.
   */
  issuer?: string
  /** The server announced `authorization_response_iss_parameter_supported`: a response without `iss` is refused. */
  requireIss?: boolean
  state: string
}

export interface AuthorizationResponse {
  code: string
  iss?: string
}

export interface CallbackServer {
  port: number
  /** `http://127.0.0.1:<port>/callback`. */
  redirectUrl: string
  /** Stop listening and drop connections. Idempotent. */
  close(): Promise<void>
  /**
   * The authorization response, once the browser brings one. Rejects with McpctlError: `auth` for a refusal, a
   * mismatched `state`/`iss` or the timeout; `interrupted` when `signal` aborts. The listener closes either way.
   */
  wait(expected: CallbackExpectation, options?: {signal?: AbortSignal; timeoutMs?: number}): Promise<AuthorizationResponse>
}

const equalSecrets = (a: string, b: string) =>
  // Hashing first gives equal lengths, so the comparison time says nothing about where the values differ.
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())

const sameIssuer = (a: string, b: string) => a === b || a.replace(/\/$/, '') === b.replace(/\/$/, '')

/**
 * Check the query of an authorization response (RFC 6749 §4.1.2, RFC 9207). Returns the code, or throws the
 * McpctlError to report. `state` is checked first: a response that is not ours says nothing trustworthy.
 */
export function checkAuthorizationResponse(params: URLSearchParams, expected: CallbackExpectation): AuthorizationResponse {
  const state = params.get('state')
  if (state === null || !equalSecrets(state, expected.state)) {
    throw new McpctlError('auth', 'The authorization response does not belong to this sign-in (state mismatch); nothing was saved.', {
      hint: 'Run the command again and finish signing in in the browser window it opens. Do not reuse an older sign-in page.',
    })
  }

  const iss = params.get('iss') ?? undefined
  if (expected.issuer !== undefined && (iss === undefined ? expected.requireIss : !sameIssuer(iss, expected.issuer))) {
    throw new McpctlError(
      'auth',
      iss === undefined
        ? 'The authorization response names no issuer although the authorization server promises one (RFC 9207); nothing was saved.'
        : `The authorization response comes from ${printable(iss, 120)}, not from ${expected.issuer} (possible mix-up attack); nothing was saved.`,
      {hint: 'Run the command again. If this repeats, another authorization server is interfering.'},
    )
  }

  const error = params.get('error')
  if (error !== null) {
    const description = params.get('error_description')
    const said = description ? `: ${printable(description, 200)}` : ''
    if (error === 'access_denied') {
      throw new McpctlError('auth', `Authorization was denied at ${expected.issuer ?? 'the authorization server'}${said}`, {
        detail: {error},
        hint: 'Run the command again and approve the access, or ask the server’s administrator for access.',
      })
    }
    throw new McpctlError('auth', `The authorization server refused the authorization request (${printable(error, 64)}${said}).`, {detail: {error: printable(error, 64)}})
  }

  const code = params.get('code')
  if (!code) throw new McpctlError('auth', 'The authorization response carries no authorization code; nothing was saved.')
  return {code, iss}
}

/**
 * `--no-browser`: the user pastes the address the browser ended on (the loopback page that did not load). It must be
 * our redirect URI; then the same checks as for the listener apply. The pasted text is never echoed: it holds the code.
 */
export function parseRedirectUrl(pasted: string, expected: CallbackExpectation & {redirectUrl: string}): AuthorizationResponse {
  let url: URL
  try {
    url = new URL(pasted.trim().replace(/^["'<]|["'>]$/g, ''))
  } catch {
    throw new McpctlError('usage', 'That is not a URL. Paste the whole address from the browser’s address bar.', {
      hint: `It starts with ${expected.redirectUrl}?`,
    })
  }

  const redirect = new URL(expected.redirectUrl)
  if (url.origin !== redirect.origin || url.pathname !== redirect.pathname) {
    throw new McpctlError('usage', `That is not the address the sign-in redirects to; it must start with ${expected.redirectUrl}?`, {
      hint: 'Copy the address of the page the browser shows after you approved access (it may say the site cannot be reached).',
    })
  }

  return checkAuthorizationResponse(url.searchParams, expected)
}

const escapeHtml = (text: string) =>
  text.replaceAll(/[&<>"']/g, (char) => ({'"': '&quot;', '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;'})[char]!)

function page(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p>You can close this tab and return to the terminal.</p></body></html>`
}

function respond(res: ServerResponse, status: number, title: string, message: string, done?: () => void) {
  res.writeHead(status, {
    'cache-control': 'no-store',
    connection: 'close',
    'content-security-policy': "default-src 'none'",
    'content-type': 'text/html; charset=utf-8',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  })
  res.end(page(title, message), done)
}

/** Listen on 127.0.0.1 (`port` 0 or omitted: an ephemeral port). A busy port is an error, never silently replaced. */
export async function startCallbackServer(options: {port?: number} = {}): Promise<CallbackServer> {
  const requested = options.port ?? 0
  if (!Number.isInteger(requested) || requested < 0 || requested > 65_535) {
    throw new McpctlError('usage', `Invalid callback port ${requested}: use a number from 1 to 65535.`)
  }

  let onRequest: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server = http.createServer((req, res) => {
    if (onRequest) onRequest(req, res)
    else respond(res, 409, 'No sign-in in progress', 'mcpctl is not waiting for an authorization right now.')
  })
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(requested, CALLBACK_HOST, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') {
      throw new McpctlError('usage', `Port ${requested} is busy; cannot receive the authorization there.`, {
        hint: 'Choose another --callback-port, or omit it to use any free port.',
      })
    }
    if (code === 'EACCES') {
      throw new McpctlError('usage', `Port ${requested} may not be used by this user.`, {hint: 'Choose a --callback-port above 1023, or omit it.'})
    }
    throw new McpctlError('error', `Cannot listen on ${CALLBACK_HOST}:${requested} for the authorization response (${code ?? 'unknown error'}).`, {cause: error})
  }

  const {port} = server.address() as AddressInfo
  const redirectUrl = `http://${CALLBACK_HOST}:${port}${CALLBACK_PATH}`
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      onRequest = undefined
      server.close(() => resolve())
      server.closeAllConnections()
      for (const socket of sockets) socket.destroy()
    })
    return closing
  }

  return {
    close,
    port,
    redirectUrl,
    wait(expected, waitOptions = {}) {
      return new Promise<AuthorizationResponse>((resolve, reject) => {
        const timeoutMs = waitOptions.timeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS
        const {signal} = waitOptions
        let settled = false
        const finish = (outcome: () => void) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          void close().then(outcome)
        }

        const duration = timeoutMs >= 60_000 ? `${Math.round(timeoutMs / 60_000)} min` : timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`
        const timer = setTimeout(() => {
          finish(() =>
            reject(
              new McpctlError('auth', `No authorization arrived within ${duration}; nothing was saved.`, {
                hint: 'Run the command again and finish signing in in the browser. On a machine without a browser, use --no-browser and paste the address the browser ends on.',
              }),
            ),
          )
        }, timeoutMs)
        const onAbort = () => finish(() => reject(new McpctlError('interrupted', 'Authorization cancelled; nothing was saved.')))
        if (signal?.aborted) {
          onAbort()
          return
        }
        signal?.addEventListener('abort', onAbort, {once: true})

        onRequest = (req, res) => {
          const url = new URL(req.url ?? '/', redirectUrl)
          if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
            // Browsers also ask for /favicon.ico; only the callback itself settles the flow.
            respond(res, 404, 'Not found', 'This address is only used to receive an authorization response.')
            return
          }
          if (settled) {
            respond(res, 409, 'Already finished', 'This sign-in has already finished.')
            return
          }
          let result: AuthorizationResponse
          try {
            result = checkAuthorizationResponse(url.searchParams, expected)
          } catch (error) {
            const reason = error instanceof McpctlError ? error.message : 'The response could not be read.'
            settled = true
            clearTimeout(timer)
            signal?.removeEventListener('abort', onAbort)
            respond(res, 400, 'Authorization failed', reason, () => void close().then(() => reject(error)))
            return
          }
          settled = true
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          respond(res, 200, 'Authorization succeeded', 'mcpctl received the authorization.', () => void close().then(() => resolve(result)))
        }
      })
    },
  }
}
