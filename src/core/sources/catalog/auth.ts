// One engine per auth kind, shared by every app of that kind: what credentials each API request carries, and how to
// get new ones when the vendor refuses them. Token kinds keep their access token in a TokenCache (the secret store,
// under the connection's cross-process lock; see source.ts), never in the config file.
import {McpctlError} from '../../errors.js'
import type {InteractiveAuthorization} from '../../oauth/authorize.js'
import {type AppAuth, type AppDefinition, type ExchangeAuth, GRANT_TYPES, type TokenAuth} from './definition.js'
import {sendVendorRequest, statusText, throttleMessage, type VendorResponse} from './http.js'
import {atPointer, fill, fillAll, fillBody, type TemplateValues} from './template.js'

/** Renew a token this long before it expires, so that it does not expire mid-command. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000

export interface CachedToken {
  accessToken: string
  /** ms since the epoch; absent when the vendor did not say. */
  expiresAt?: number
  /** What renews the access token without the browser (authorization code) or the credentials (token-exchange). */
  refreshToken?: string
  /** When the refresh token expires (ms since the epoch), when the vendor says (token-exchange). */
  refreshExpiresAt?: number
}

export interface TokenCache {
  read(): Promise<CachedToken | undefined>
  /**
   * Under the connection's lock: `work` gets the token stored now (another process may have renewed it meanwhile)
   * and returns the one to use; a different token is stored.
   */
  update(work: (stored: CachedToken | undefined) => Promise<CachedToken>): Promise<CachedToken>
}

/** A cache that lives for one command (connect, before anything is stored). */
export function memoryTokenCache(): TokenCache & {current?: CachedToken} {
  const cache: TokenCache & {current?: CachedToken} = {
    async read() {
      return cache.current
    },
    async update(work) {
      cache.current = await work(cache.current)
      return cache.current
    },
  }
  return cache
}

export interface AuthContext {
  app: AppDefinition
  cache: TokenCache
  /**
   * A browser sign-in (authorization code kind), given only where a person may sign in: `connect`. Elsewhere an
   * expired sign-in is an error saying to run `mcpctl connect <name>`.
   */
  interactive?: InteractiveAuthorization
  /** Connection name, for messages. */
  name: string
  /** Secret values, stripped from anything quoted back. */
  secrets: string[]
  signal?: AbortSignal
  values: TemplateValues
}

export interface AuthEngine {
  /** Headers for one API request. */
  headers(): Promise<Record<string, string>>
  /** The API answered 401: obtain new credentials if this kind can. True when a retry may succeed. */
  renew(): Promise<boolean>
}

/** The engine for an app's auth kind. */
export function authEngine(context: AuthContext): AuthEngine {
  const {auth} = context.app
  switch (auth.kind) {
    case 'api-key': {
      return {headers: async () => fillAll(auth.headers, context.values), renew: async () => false}
    }

    case 'basic': {
      return {
        async headers() {
          const username = fill(auth.username, context.values) ?? ''
          const password = fill(auth.password, context.values) ?? ''
          return {...fillAll(auth.headers, context.values), authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`}
        },
        renew: async () => false,
      }
    }

    case 'oauth-client-credentials':
    case 'oauth-password': {
      return bearerToken(context, auth)
    }

    case 'token-exchange': {
      return tokenEngine(context, auth.headers, (stored) => exchangeOrRefresh(context, auth, stored))
    }

    case 'oauth-authorization-code': {
      const alternative = auth.clientCredentials
      if (alternative && context.values[alternative.field]) return bearerToken(context, {headers: auth.headers, kind: 'oauth-client-credentials', token: alternative.token})
      return tokenEngine(context, auth.headers, (stored) => (stored?.refreshToken ? refreshSignIn(context, auth, stored.refreshToken) : signIn(context, auth, stored === undefined)))
    }
  }
}

const expiring = (token: CachedToken, now = Date.now()) => token.expiresAt !== undefined && token.expiresAt - TOKEN_REFRESH_MARGIN_MS <= now

/** The token kinds: a bearer token from the token endpoint, renewed before it expires and when the API answers 401. */
const bearerToken = (context: AuthContext, auth: TokenAuth): AuthEngine => tokenEngine(context, auth.headers, () => requestToken(context, auth))

/** A bearer token from the cache, renewed with `obtain` (given the stored token) when it expires or is refused. */
function tokenEngine(context: AuthContext, headers: Record<string, string> | undefined, obtain: (stored: CachedToken | undefined) => Promise<CachedToken>): AuthEngine {
  let held: CachedToken | undefined
  const renew = (reason: 'expiring' | 'rejected') =>
    context.cache.update(async (stored) => {
      // Another process renewed it while we waited for the lock: use its token, make no second request.
      if (stored && !expiring(stored) && (reason === 'expiring' || stored.accessToken !== held?.accessToken)) return stored
      return obtain(stored)
    })

  return {
    async headers() {
      held ??= await context.cache.read()
      if (!held || expiring(held)) held = await renew('expiring')
      for (const value of [held.accessToken, held.refreshToken]) if (value && !context.secrets.includes(value)) context.secrets.push(value)
      return {...fillAll(headers, context.values), authorization: `Bearer ${held.accessToken}`}
    },
    async renew() {
      held = await renew('rejected')
      return true
    },
  }
}

/** The definition's words for a token refusal: by status and OAuth `error` code, else by status. */
function refusalAdvice(auth: TokenAuth, response: VendorResponse): string | undefined {
  const error = (response.json as {error?: unknown} | undefined)?.error
  const refusals = auth.token.refusals ?? {}
  return (typeof error === 'string' ? refusals[`${response.status} ${error}`] : undefined) ?? refusals[String(response.status)]
}

/** Statuses of a token endpoint that mean the credentials themselves were refused (423: locked after too many sign-ins). */
const REFUSED = new Set([400, 401, 403, 423])

/** POST the token request; a refusal is McpctlError('auth') in words a person acts on. */
async function requestToken(context: AuthContext, auth: TokenAuth): Promise<CachedToken> {
  const {app, name, secrets} = context
  const {token} = auth
  const where = fill(token.url, context.values)
  if (!where) throw new McpctlError('usage', `${app.name}: the token endpoint needs a field that "${name}" does not have.`)
  const url = new URL(where)
  for (const [key, value] of Object.entries(fillAll(token.query, context.values))) url.searchParams.set(key, value)
  const params = {...fillAll(token.params, context.values), grant_type: GRANT_TYPES[auth.kind]}
  const headers: Record<string, string> = {accept: 'application/json'}
  if (token.basic) {
    const user = fill(token.basic.username, context.values) ?? ''
    const password = fill(token.basic.password, context.values) ?? ''
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  }

  headers['content-type'] = token.format === 'json' ? 'application/json' : 'application/x-www-form-urlencoded'
  const body = token.format === 'json' ? JSON.stringify(params) : new URLSearchParams(params).toString()
  const response = await sendVendorRequest({body, headers, method: 'POST', url}, {edgeBlock: app.rateLimit?.edgeBlock, secrets, signal: context.signal})
  const throttled = throttleMessage(app, response, secrets)
  if (throttled) throw new McpctlError('server', throttled, {detail: {status: response.status}})
  const said = `${statusText(response, secrets)} from ${url.origin}${url.pathname}`
  const advice = refusalAdvice(auth, response)
  if (REFUSED.has(response.status)) {
    throw new McpctlError('auth', advice ? `${advice} (${said})` : `${app.name} refused the ${auth.kind === 'oauth-password' ? 'username and password' : 'client credentials'} of "${name}" (${said}).`, {
      detail: {status: response.status},
      hint: `Check them in ${app.name}'s console, then replace them with \`mcpctl connect ${name}\`.`,
    })
  }

  const json = response.json as {access_token?: unknown; expires_in?: unknown} | undefined
  if (response.status < 200 || response.status >= 300 || typeof json?.access_token !== 'string' || json.access_token === '') {
    throw new McpctlError('server', `${advice ?? `${app.name}'s token endpoint did not issue a token.`} (${statusText(response, secrets)})`, {detail: {status: response.status}})
  }

  const seconds = Number(json.expires_in)
  return {accessToken: json.access_token, ...(Number.isFinite(seconds) && seconds > 0 ? {expiresAt: Date.now() + seconds * 1000} : {})}
}

type CodeAuth = Extract<AppAuth, {kind: 'oauth-authorization-code'}>

/** The client and endpoints of an authorization code app, filled from the connection's fields. */
function endpointClient(context: AuthContext, auth: CodeAuth) {
  const [authorizationEndpoint, tokenEndpoint, clientId] = [auth.authorize, auth.tokenUrl, auth.clientId].map((template) => fill(template, context.values))
  if (!authorizationEndpoint || !tokenEndpoint || !clientId) throw new McpctlError('usage', `${context.app.name}: the sign-in needs a field that "${context.name}" does not have.`)
  return {authorizationEndpoint, clientId, tokenEndpoint}
}

const cachedToken = (tokens: {access_token: string; expires_in?: number; refresh_token?: string}, previous?: string): CachedToken => {
  const seconds = Number(tokens.expires_in)
  const refreshToken = tokens.refresh_token ?? previous
  return {accessToken: tokens.access_token, ...(Number.isFinite(seconds) && seconds > 0 ? {expiresAt: Date.now() + seconds * 1000} : {}), ...(refreshToken ? {refreshToken} : {})}
}

/** Only a person can sign in, and none can here: a new connection without a browser (usage), or an expired sign-in (auth). */
function signInNeeded(context: AuthContext, first: boolean, why?: string): McpctlError {
  const alternative = context.app.auth.kind === 'oauth-authorization-code' ? context.app.auth.clientCredentials?.field : undefined
  const appOnly = alternative ? `give ${alternative} for app-only access (--secret-stdin ${alternative} or --secret-env ${alternative}=VAR)` : ''
  if (first) {
    return new McpctlError('usage', `${context.app.name} signs in in a browser${alternative ? ` when no ${alternative} is given` : ''}, and no browser can be opened here (no terminal, or CI, and $BROWSER is unset).`, {
      hint: `${appOnly ? `Either ${appOnly}, or run` : 'Run'} it on a terminal (or with BROWSER set to a command that opens a URL) to sign in.`,
    })
  }

  return new McpctlError('auth', `${context.app.name}: the sign-in of "${context.name}" has expired or was revoked${why ? ` (${why})` : ''}.`, {
    detail: {integration: context.name},
    hint: `Sign in again with \`mcpctl connect ${context.name}\` on a terminal (or with BROWSER set to a command that opens a URL)${appOnly ? `, or ${appOnly}` : ''}.`,
  })
}

/** The browser sign-in (connect only): PKCE through the loopback listener, the code redeemed for tokens. */
async function signIn(context: AuthContext, auth: CodeAuth, first: boolean, why?: string): Promise<CachedToken> {
  if (!context.interactive) throw signInNeeded(context, first, why)
  const scope = fill(auth.scope, context.values) ?? ''
  const {authorizeAtEndpoints} = await import('../../oauth/authorize.js')
  const tokens = await authorizeAtEndpoints({...context.interactive, ...endpointClient(context, auth), scope, what: `${context.app.name} (${context.name})`})
  return cachedToken(tokens)
}

/** The refresh token for a new access token; a refused one means signing in again. */
async function refreshSignIn(context: AuthContext, auth: CodeAuth, refreshToken: string): Promise<CachedToken> {
  const {refreshAtEndpoints} = await import('../../oauth/authorize.js')
  try {
    return cachedToken(await refreshAtEndpoints({...endpointClient(context, auth), refreshToken, signal: context.signal}), refreshToken)
  } catch (error) {
    const refused = error instanceof McpctlError && error.kind === 'auth'
    if (!refused) throw error
    return signIn(context, auth, false, error.message)
  }
}

/**
 * The token-exchange kind: renew with the refresh request while the token it names is held (and not known to have
 * expired); when there is none, or the vendor refuses it, sign in again with the credentials.
 */
async function exchangeOrRefresh(context: AuthContext, auth: ExchangeAuth, stored: CachedToken | undefined): Promise<CachedToken> {
  const {refresh} = auth
  if (refresh && stored) {
    const names = JSON.stringify(refresh)
    const needsRefreshToken = names.includes('{refresh-token}')
    const usable = needsRefreshToken ? stored.refreshToken !== undefined && (stored.refreshExpiresAt === undefined || stored.refreshExpiresAt > Date.now()) : true
    if (usable) {
      try {
        return await exchangeTokens(context, auth, 'refresh', {'access-token': stored.accessToken, 'refresh-token': stored.refreshToken}, stored)
      } catch (error) {
        // A refused renewal (expired, revoked) is no failure while the credentials can sign in again.
        if (!(error instanceof McpctlError) || error.kind !== 'auth') throw error
      }
    }
  }

  return exchangeTokens(context, auth, 'exchange', {})
}

/** A positive number of seconds, or a date, at a pointer: when that is, in ms since the epoch. */
function expiryAt(document: unknown, seconds: string | undefined, date?: string): number | undefined {
  if (seconds !== undefined) {
    const value = Number(atPointer(document, seconds))
    return Number.isFinite(value) && value > 0 ? Date.now() + value * 1000 : undefined
  }

  const value = date === undefined ? undefined : atPointer(document, date)
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isNaN(at) ? undefined : at
}

/** POST the sign-in (or the refresh) of the token-exchange kind; tokens read where the definition says they are. */
async function exchangeTokens(context: AuthContext, auth: ExchangeAuth, which: 'exchange' | 'refresh', tokens: TemplateValues, previous?: CachedToken): Promise<CachedToken> {
  const {app, name, secrets} = context
  const request = auth[which]!
  const values = {...context.values, ...tokens}
  const where = fill(request.url, values)
  if (!where) throw new McpctlError('usage', `${app.name}: the sign-in needs a field that "${name}" does not have.`)
  const url = new URL(where)
  const headers: Record<string, string> = {accept: 'application/json', ...fillAll(auth.headers, values), ...fillAll(request.headers, values)}
  let body: string | undefined
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(fillBody(request.json, values) ?? null)
  } else if (request.text !== undefined) {
    headers['content-type'] = 'text/plain'
    body = fill(request.text, values) ?? ''
  }

  const response = await sendVendorRequest({body, headers, method: 'POST', url}, {edgeBlock: app.rateLimit?.edgeBlock, secrets, signal: context.signal})
  const throttled = throttleMessage(app, response, secrets)
  if (throttled) throw new McpctlError('server', throttled, {detail: {status: response.status}})
  const said = `${statusText(response, secrets)} from ${url.origin}${url.pathname}`
  if (REFUSED.has(response.status)) {
    const advice = which === 'exchange' ? auth.refusals?.[String(response.status)] : undefined
    throw new McpctlError('auth', advice ? `${advice} (${said})` : `${app.name} refused the ${which === 'exchange' ? 'credentials' : 'token renewal'} of "${name}" (${said}).`, {
      detail: {status: response.status},
      hint: `Check them in ${app.name}'s console, then replace them with \`mcpctl connect ${name}\`.`,
    })
  }

  const {secondFactor} = auth
  if (which === 'exchange' && secondFactor && response.status >= 200 && response.status < 300 && atPointer(response.json, secondFactor.when) === true) {
    const field = app.fields.find((f) => f.key === secondFactor.field)
    const given = Boolean(context.values[secondFactor.field])
    throw new McpctlError('auth', `${app.name} asks for a two-factor code to sign in "${name}"${given ? ', and did not take the one given' : ''}.`, {
      detail: {secondFactor: secondFactor.field, status: response.status},
      hint: `Sign in again with \`mcpctl connect ${name} --field ${secondFactor.field}=CODE\` (${field?.label ?? 'the current code'}), or connect a user without two-factor sign-in.`,
    })
  }

  const accessToken = atPointer(response.json, auth.tokens.access)
  if (response.status < 200 || response.status >= 300 || typeof accessToken !== 'string' || accessToken === '') {
    throw new McpctlError('server', `${app.name} did not issue a token at ${url.origin}${url.pathname} (${statusText(response, secrets)}).`, {detail: {status: response.status}})
  }

  const expiresAt = expiryAt(response.json, auth.tokens.expiresIn, auth.tokens.expiresAt)
  const issuedRefresh = auth.tokens.refresh === undefined ? undefined : atPointer(response.json, auth.tokens.refresh)
  const refreshToken = typeof issuedRefresh === 'string' && issuedRefresh !== '' ? issuedRefresh : previous?.refreshToken
  const refreshExpiresAt = refreshToken === issuedRefresh ? expiryAt(response.json, auth.tokens.refreshExpiresIn) : previous?.refreshExpiresAt
  return {accessToken, ...(expiresAt ? {expiresAt} : {}), ...(refreshToken ? {refreshToken} : {}), ...(refreshExpiresAt ? {refreshExpiresAt} : {})}
}
