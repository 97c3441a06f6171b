// The fetch every OAuth request goes through, and the HTTPS rule for authorization-server endpoints.
// Built on the MCP client's guarded fetch: redirects only within one origin and never to plain http, bodies capped.
import {McpctlError} from '../errors.js'
import {isLoopbackHost} from '../net/endpoint.js'
import {type FetchLike, guardedFetch} from '../net/http.js'

/** No metadata document, registration or token response comes near this; a bigger body is refused unread. */
export const MAX_OAUTH_RESPONSE_BYTES = 1024 * 1024
export const OAUTH_REQUEST_TIMEOUT_MS = 30_000

export interface OAuthHttp {
  fetch: FetchLike
  /** The last response's URL and status: the SDK's errors do not say which request failed, or with what status. */
  last?: {status: number; url: URL}
}

export function oauthHttp(options: {signal?: AbortSignal; timeoutMs?: number} = {}): OAuthHttp {
  const guarded = guardedFetch({maxBytes: MAX_OAUTH_RESPONSE_BYTES, signal: options.signal, timeoutMs: options.timeoutMs ?? OAUTH_REQUEST_TIMEOUT_MS})
  const http: OAuthHttp = {
    async fetch(input, init) {
      const url = new URL(input instanceof URL ? input.href : input)
      const response = await guarded(url, init)
      http.last = {status: response.status, url}
      return response
    },
  }
  return http
}

/**
 * Parse an authorization-server endpoint and insist on HTTPS (plain http only to a loopback host, and only when the
 * user allowed it). Credentials and codes go to these addresses.
 */
export function secureEndpoint(label: string, value: unknown, options: {allowHttp?: boolean}): URL {
  let url: URL
  try {
    url = new URL(String(value))
  } catch {
    throw new McpctlError('server', `The authorization server's ${label} is not a valid URL.`, {detail: {endpoint: label}})
  }

  if (url.username || url.password) {
    throw new McpctlError('server', `The authorization server's ${label} carries a user name or password; refusing to use it.`, {detail: {endpoint: label}})
  }

  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
    if (options.allowHttp) return url
    throw new McpctlError('server', `The authorization server's ${label} (${url.origin}) is plain http://; refusing to send credentials there.`, {
      detail: {endpoint: label},
      hint: 'For a local development server on a loopback address, pass --allow-http.',
    })
  }

  throw new McpctlError('server', `The authorization server's ${label} (${url.protocol}//${url.host}) is not HTTPS; refusing to send credentials there.`, {
    detail: {endpoint: label},
    hint: 'Authorization servers must be reached over https://. Ask the server operator to fix its metadata.',
  })
}
