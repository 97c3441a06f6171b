// Token revocation (RFC 7009) on disconnect: the refresh token first (revoking it usually ends the whole grant), then
// the access token. Each outcome is reported for the receipt; nothing here throws for a server's answer.
import {selectClientAuthMethod} from '@modelcontextprotocol/sdk/client/auth.js'

import {McpctlError} from '../errors.js'
import {printable, serverText} from '../net/untrusted.js'
import {isAbort} from './failures.js'
import {type GrantContext, loadIntegrationGrant, withGrantLock} from './grant-store.js'
import type {OAuthGrant} from './grant.js'
import {oauthHttp, secureEndpoint} from './http.js'

export type RevocationOutcome =
  /** 200: revoked, or already invalid (RFC 7009 §2.2). */
  | 'revoked'
  /** The server cannot revoke this kind of token (`unsupported_token_type`, e.g. a self-contained JWT). */
  | 'not-revocable'
  /** The authorization server offers no revocation endpoint. */
  | 'unsupported'
  /** Not revoked: network error, 5xx, 503 after the retries, or another refusal. */
  | 'failed'

export interface TokenRevocation {
  outcome: RevocationOutcome
  /** Why, for `failed`, `not-revocable` and `unsupported` (never a token). */
  reason?: string
  token: 'access_token' | 'refresh_token'
  /** An access token that was not revoked: the ISO time it stops working anyway, when known. */
  validUntil?: string
}

/**
 * Did disconnect revoke everything that could be revoked? The grant ends with its refresh token; an access token the
 * server cannot revoke (a self-contained JWT: `not-revocable`) only runs out, so it does not make a revocation
 * partial as long as the refresh token was revoked (or none was held). `unsupported` (no endpoint) has nothing to do.
 */
export function revocationComplete(revocation: TokenRevocation[] | undefined): boolean {
  if (!revocation) return true
  const refresh = revocation.find((r) => r.token === 'refresh_token')
  const grantEnded = !refresh || refresh.outcome === 'revoked' || refresh.outcome === 'unsupported'
  return revocation.every(
    (r) => r.outcome === 'revoked' || r.outcome === 'unsupported' || (r.outcome === 'not-revocable' && r.token === 'access_token' && grantEnded),
  )
}

/** When the access token stops working by itself: the stored expiry, else a JWT's `exp` (read, not verified: informational). */
export function accessTokenExpiry(grant: OAuthGrant): string | undefined {
  if (grant.expiresAt) return grant.expiresAt
  const payload = grant.tokens.access_token.split('.')
  if (payload.length !== 3) return undefined
  try {
    const exp = (JSON.parse(Buffer.from(payload[1], 'base64url').toString('utf8')) as {exp?: unknown}).exp
    return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000).toISOString() : undefined
  } catch {
    return undefined
  }
}

export interface RevokeOptions {
  /** Retries after a 503 (default 2), each after `Retry-After` capped at `maxRetryDelayMs` (default 2 s). */
  retries?: number
  maxRetryDelayMs?: number
  signal?: AbortSignal
  timeoutMs?: number
}

const DEFAULT_RETRY_DELAY_MS = 500

/** Revoke the grant's tokens at its authorization server. Returns one outcome per token held. */
export async function revokeGrant(grant: OAuthGrant, options: RevokeOptions = {}): Promise<TokenRevocation[]> {
  const held: [TokenRevocation['token'], string][] = []
  if (grant.tokens.refresh_token) held.push(['refresh_token', grant.tokens.refresh_token])
  held.push(['access_token', grant.tokens.access_token])

  // An access token that outlives the disconnect says until when, so the receipt can.
  const validUntil = accessTokenExpiry(grant)
  const withExpiry = (result: TokenRevocation): TokenRevocation =>
    result.token === 'access_token' && result.outcome !== 'revoked' && validUntil ? {...result, validUntil} : result

  const endpoint = grant.authorizationServer.revocation_endpoint
  if (!endpoint) return held.map(([token]) => withExpiry({outcome: 'unsupported', reason: 'the authorization server offers no revocation endpoint', token}))

  let url: URL
  try {
    url = secureEndpoint('revocation_endpoint', endpoint, {allowHttp: grant.allowHttp})
  } catch (error) {
    return held.map(([token]) => withExpiry({outcome: 'failed', reason: (error as Error).message, token}))
  }

  const results: TokenRevocation[] = []
  for (const [token, value] of held) {
    results.push(withExpiry({token, ...(await revokeOne(url, grant, token, value, options))}))
  }
  return results
}

/**
 * `disconnect`: revoke the stored grant of integration `name`, under its lock so that no refresh runs meanwhile.
 * A grant that cannot be read is reported as not revoked (the caller still removes it locally); only Ctrl-C throws.
 */
export async function revokeStoredGrant(ctx: GrantContext, name: string, options: RevokeOptions = {}): Promise<TokenRevocation[]> {
  return withGrantLock(ctx, name, async () => {
    let grant: OAuthGrant
    try {
      ;({grant} = await loadIntegrationGrant(ctx, name))
    } catch (error) {
      const reason = `the stored grant could not be read: ${error instanceof McpctlError ? error.message : 'unknown error'}`
      return [{outcome: 'failed', reason, token: 'refresh_token'}, {outcome: 'failed', reason, token: 'access_token'}]
    }
    return revokeGrant(grant, options)
  })
}

async function revokeOne(url: URL, grant: OAuthGrant, hint: TokenRevocation['token'], token: string, options: RevokeOptions): Promise<Omit<TokenRevocation, 'token'>> {
  const http = oauthHttp({signal: options.signal, timeoutMs: options.timeoutMs})
  const secrets = [token, grant.tokens.access_token, grant.tokens.refresh_token, (grant.clientInformation as {client_secret?: string}).client_secret]
  const retries = options.retries ?? 2
  for (let attempt = 0; ; attempt++) {
    const body = new URLSearchParams({token, token_type_hint: hint})
    const headers = new Headers({accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded'})
    authenticateClient(grant, headers, body)
    let response: Response
    try {
      response = await http.fetch(url, {body, headers, method: 'POST'})
    } catch (error) {
      if (isAbort(error) && options.signal?.aborted) throw new McpctlError('interrupted', 'Revocation cancelled.')
      const reason = error instanceof McpctlError ? error.message : 'network error'
      return {outcome: 'failed', reason: serverText(reason, secrets)}
    }

    const text = await response.text().catch(() => '')
    if (response.status === 200) return {outcome: 'revoked'}
    if (response.status === 503 && attempt < retries) {
      await delay(retryDelay(response.headers.get('retry-after'), options.maxRetryDelayMs ?? 2000), options.signal)
      continue
    }

    const code = oauthErrorIn(text)
    if (code === 'unsupported_token_type') return {outcome: 'not-revocable', reason: `the authorization server cannot revoke this ${hint === 'access_token' ? 'access' : 'refresh'} token`}
    const said = code ? ` (${printable(code, 64)})` : ''
    return {outcome: 'failed', reason: `${url.origin} answered HTTP ${response.status}${said}`}
  }
}

/** Client authentication as for the token endpoint: the method the registration named, or the best both sides support. */
function authenticateClient(grant: OAuthGrant, headers: Headers, body: URLSearchParams) {
  const client = grant.clientInformation
  const server = grant.authorizationServer
  const supported = server.revocation_endpoint_auth_methods_supported ?? server.token_endpoint_auth_methods_supported ?? []
  const secret = (client as {client_secret?: string}).client_secret
  switch (selectClientAuthMethod(client, supported)) {
    case 'client_secret_basic': {
      // Exactly as the SDK authenticates at the token endpoint, so both endpoints see the same credentials.
      headers.set('authorization', `Basic ${Buffer.from(`${client.client_id}:${secret ?? ''}`).toString('base64')}`)
      break
    }
    case 'client_secret_post': {
      body.set('client_id', client.client_id)
      if (secret) body.set('client_secret', secret)
      break
    }
    default: {
      body.set('client_id', client.client_id)
    }
  }
}

function oauthErrorIn(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as {error?: unknown}
    return typeof parsed.error === 'string' ? parsed.error : undefined
  } catch {
    return undefined
  }
}

/** `Retry-After` in seconds or as an HTTP date, capped: a disconnect must not hang on a server's say-so. */
function retryDelay(header: string | null, maxMs: number): number {
  if (header === null) return Math.min(DEFAULT_RETRY_DELAY_MS, maxMs)
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now()
  return Math.max(0, Math.min(Number.isFinite(ms) ? ms : DEFAULT_RETRY_DELAY_MS, maxMs))
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new McpctlError('interrupted', 'Revocation cancelled.'))
      return
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(new McpctlError('interrupted', 'Revocation cancelled.'))
    }
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}
