// SDK and authorization-server failures turned into McpctlErrors a person can act on. The SDK's own messages may quote
// a raw response body; none of that reaches ours, and server-supplied text is made printable and scrubbed of secrets.
import {McpctlError} from '../errors.js'
import {serverText} from '../net/untrusted.js'
import type {OAuthHttp} from './http.js'

/** An OAuth error as the SDK parsed it from a JSON error response: its `error` code and `error_description`. */
export function oauthErrorCode(error: unknown): string | undefined {
  const code = (error as {errorCode?: unknown} | undefined)?.errorCode
  return typeof code === 'string' ? code : undefined
}

/** `invalid_grant (the refresh token expired)` — the AS's code and description, printable, secrets removed. */
export function describeOAuthError(error: unknown, secrets: readonly (string | undefined)[]): string {
  const code = oauthErrorCode(error) ?? 'error'
  const description = error instanceof Error && error.message ? `: ${serverText(error.message, secrets, 160)}` : ''
  return `${code}${description}`
}

export const isAbort = (error: unknown) => error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')

export interface FailureContext {
  /** What was being done, completing "… while <action>", e.g. "exchanging the authorization code". */
  action: string
  http: OAuthHttp
  /** Values that must not appear in the message even if the server echoes them. */
  secrets: readonly (string | undefined)[]
}

/**
 * Map whatever the SDK threw during an OAuth request. McpctlErrors (network, oversized body, refused redirect) pass
 * through; OAuth error responses become `auth` (refused) or `server` (server_error); anything unparseable is `server`.
 */
export function oauthFailure(error: unknown, context: FailureContext): McpctlError {
  if (error instanceof McpctlError) return error
  if (isAbort(error)) return new McpctlError('interrupted', 'Authorization cancelled; nothing was saved.')
  const origin = context.http.last?.url.origin ?? 'The authorization server'
  const code = oauthErrorCode(error)
  const message = error instanceof Error ? error.message : String(error)

  if (code !== undefined) {
    // The SDK reports a response that is not an OAuth error document as server_error "HTTP <status>: … Raw body: …".
    const status = /^HTTP (\d{3})\b/.exec(message)?.[1]
    if (status !== undefined) {
      return new McpctlError('server', `${origin} answered HTTP ${status} while ${context.action}; nothing was saved.`, {
        detail: {origin, status: Number(status)},
        hint: 'The authorization server had a problem; try again later.',
      })
    }
    if (code === 'server_error' || code === 'temporarily_unavailable') {
      return new McpctlError('server', `${origin} reported ${describeOAuthError(error, context.secrets)} while ${context.action}; nothing was saved.`, {
        detail: {error: code, origin},
        hint: 'The authorization server had a problem; try again later.',
      })
    }
    return new McpctlError('auth', `${origin} refused ${context.action} (${describeOAuthError(error, context.secrets)}).`, {detail: {error: code, origin}})
  }

  if (error instanceof SyntaxError) {
    return new McpctlError('server', `${origin} answered with something that is not JSON while ${context.action}; nothing was saved.`, {detail: {origin}})
  }

  if (error instanceof Error && error.name === 'ZodError') {
    return new McpctlError('server', `${origin} answered with a malformed OAuth response while ${context.action}; nothing was saved.`, {detail: {origin}})
  }

  return new McpctlError('server', `OAuth failed while ${context.action}: ${serverText(message, context.secrets)}`, {detail: {origin}})
}
