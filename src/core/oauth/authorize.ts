// One OAuth 2.1 authorization code flow with PKCE for an MCP server: checked discovery, loopback listener (or a
// pasted redirect), the SDK's auth() for registration, PKCE and the code exchange. Returns the grant; storing it is
// the caller's business (it may still fail to connect, and then nothing should be kept).
import {auth, exchangeAuthorization, refreshAuthorization, startAuthorization} from '@modelcontextprotocol/sdk/client/auth.js'
import type {AuthorizationServerMetadata, OAuthTokens} from '@modelcontextprotocol/sdk/shared/auth.js'

import {McpctlError} from '../errors.js'
import {parseServerUrl} from '../net/endpoint.js'
import {
  type AuthorizationResponse,
  type CallbackExpectation,
  DEFAULT_CALLBACK_TIMEOUT_MS,
  newState,
  parseRedirectUrl,
  startCallbackServer,
} from './callback-server.js'
import {discoverAuthorizationTarget} from './discovery.js'
import {oauthFailure} from './failures.js'
import {expiryOf, GRANT_VERSION, type OAuthGrant, splitScopes} from './grant.js'
import {oauthHttp, secureEndpoint} from './http.js'
import {AuthorizationFlowProvider, checkAuthorizationUrl} from './provider.js'

/** What a browser flow needs from the command that runs it. */
export interface InteractiveAuthorization {
  /** Fixed loopback port (`--callback-port`); default an ephemeral one. */
  callbackPort?: number
  /** Progress lines for stderr: the authorization URL is always among them. */
  notify(message: string): void
  /** Open the (already checked, http/https) authorization URL in a browser. A failure is reported, not fatal. */
  openUrl(url: URL): Promise<void>
  /**
   * `--no-browser`: ask the user for the address the browser ended on. Raced against the listener (a browser on this
   * machine may still deliver); `signal` aborts the prompt when the listener wins.
   */
  pasteRedirect?: (signal: AbortSignal) => Promise<string>
  /** Ctrl-C: closes the listener and fails with McpctlError('interrupted'). */
  signal?: AbortSignal
  /** How long to wait for the browser (default 5 minutes). */
  timeoutMs?: number
}

export interface AuthorizeOptions extends InteractiveAuthorization {
  /** Plain http:// to loopback hosts (local development and tests). */
  allowHttp?: boolean
  /** Pre-registered client (`--client-id`); with `clientSecret` a confidential one. */
  clientId?: string
  /** HTTPS URL of a client ID metadata document, used when the authorization server supports them. */
  clientMetadataUrl?: string
  clientSecret?: string
  /** From the probe's `WWW-Authenticate: resource_metadata=…`, when there was one. */
  resourceMetadataUrl?: string
  /** Space-separated scopes (`--scope`); default: the server's `scopes_supported`. */
  scope?: string
  serverUrl: string | URL
}

/** Run the flow and return the grant. Throws McpctlError: usage, auth (refused, mismatch, timeout), server, interrupted. */
export async function authorizeServer(options: AuthorizeOptions): Promise<OAuthGrant> {
  const serverUrl = parseServerUrl(String(options.serverUrl), {allowHttp: options.allowHttp})
  if (options.clientSecret !== undefined && !options.clientId) {
    throw new McpctlError('usage', 'A client secret was given without a client ID.', {hint: 'Pass --client-id with it.'})
  }
  if (options.clientMetadataUrl !== undefined) checkClientMetadataUrl(options.clientMetadataUrl)
  if (options.signal?.aborted) throw new McpctlError('interrupted', 'Authorization cancelled; nothing was saved.')

  const http = oauthHttp({signal: options.signal})
  // Listening first: a busy --callback-port fails before anything goes over the network.
  const callback = await startCallbackServer({port: options.callbackPort})
  try {
    const target = await discoverAuthorizationTarget(serverUrl, {allowHttp: options.allowHttp, http, resourceMetadataUrl: options.resourceMetadataUrl})
    const expected: CallbackExpectation = {
      issuer: target.endpoints.issuer,
      requireIss: target.endpoints.authorization_response_iss_parameter_supported === true,
      state: newState(),
    }

    let authorizationUrl: URL | undefined
    const provider = new AuthorizationFlowProvider({
      clientInformation: options.clientId ? {client_id: options.clientId, client_secret: options.clientSecret} : undefined,
      clientMetadataUrl: options.clientMetadataUrl,
      onAuthorizationUrl(url) {
        authorizationUrl = url
      },
      redirectUrl: callback.redirectUrl,
      state: expected.state,
      target,
    })

    const started = await sdkStep(() => auth(provider, {fetchFn: http.fetch, scope: options.scope, serverUrl}), provider, {
      action: 'registering mcpctl and preparing the authorization',
      http,
      secrets: [options.clientSecret, ...provider.secrets()],
    })
    if (started !== 'REDIRECT' || !authorizationUrl) {
      throw new McpctlError('server', 'The MCP SDK did not produce an authorization URL (internal error).')
    }

    const response = await waitForAuthorization(authorizationUrl, callback, expected, {...options, what: new URL(String(options.serverUrl)).origin})
    const requestedScope = authorizationUrl.searchParams.get('scope') ?? undefined
    const obtainedAt = Date.now()
    const done = await sdkStep(() => auth(provider, {authorizationCode: response.code, fetchFn: http.fetch, serverUrl}), provider, {
      action: 'exchanging the authorization code for tokens',
      http,
      secrets: [options.clientSecret, ...provider.secrets(), response.code],
    })
    const result = provider.result
    if (done !== 'AUTHORIZED' || !result) throw new McpctlError('server', 'The authorization server issued no tokens.')

    return {
      allowHttp: options.allowHttp || undefined,
      authorizationServer: target.endpoints,
      client: provider.clientKind,
      clientInformation: result.clientInformation,
      expiresAt: expiryOf(result.tokens, obtainedAt),
      issuer: target.authorizationServerUrl,
      obtainedAt: new Date(obtainedAt).toISOString(),
      resource: target.resource,
      resourceMetadataUrl: target.resourceMetadataUrl,
      scopes: splitScopes(result.tokens.scope ?? requestedScope),
      serverUrl: serverUrl.href,
      tokens: result.tokens,
      version: GRANT_VERSION,
    }
  } finally {
    await callback.close()
  }
}

async function sdkStep<T>(step: () => Promise<T>, provider: AuthorizationFlowProvider, context: Parameters<typeof oauthFailure>[1]): Promise<T> {
  try {
    return await step()
  } catch (error) {
    // The SDK retries once after invalid_client with the client forgotten; whatever that retry throws, the cause is this.
    if (provider.clientRejected && !(error instanceof McpctlError && error.kind === 'interrupted')) {
      throw new McpctlError('auth', `The authorization server rejected mcpctl's client while ${context.action}.`, {
        hint: provider.clientKind === 'pre-registered' ? 'Check --client-id and the client secret.' : 'Run the command again; if it fails again, use a pre-registered client with --client-id.',
      })
    }
    const failure = oauthFailure(error, context)
    if (/dynamic client registration/.test(failure.message) && !(error instanceof McpctlError)) {
      throw new McpctlError('server', 'The authorization server does not let clients register themselves (no dynamic client registration).', {
        hint: 'Register mcpctl with the authorization server yourself (redirect URI http://127.0.0.1/callback) and pass --client-id.',
      })
    }
    throw failure
  }
}

/** Hand the URL to the user (always printed, browser when possible), then wait for the listener or a pasted URL. */
async function waitForAuthorization(
  url: URL,
  callback: Awaited<ReturnType<typeof startCallbackServer>>,
  expected: CallbackExpectation,
  options: InteractiveAuthorization & {what: string},
): Promise<AuthorizationResponse> {
  const flow = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, flow.signal]) : flow.signal
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS
  const listener = callback.wait(expected, {signal, timeoutMs})
  // The listener's own rejection is observed by the race below; this keeps an abort after a paste from going unhandled.
  listener.catch(() => {})

  options.notify(`To authorize mcpctl for ${options.what} (signing in at ${url.origin}), open this address in a browser:\n\n  ${url.href}\n`)
  if (options.pasteRedirect) {
    options.notify(`After approving, the browser goes to an address starting with ${callback.redirectUrl} (the page may not load): paste that whole address here.`)
  } else {
    try {
      await options.openUrl(url)
    } catch {
      options.notify('Could not open a browser; open the address above yourself.')
    }
  }

  try {
    if (!options.pasteRedirect) return await listener
    const pasted = options
      .pasteRedirect(signal)
      .then((text) => parseRedirectUrl(text, {...expected, redirectUrl: callback.redirectUrl}))
    pasted.catch(() => {})
    return await Promise.race([listener, pasted])
  } finally {
    flow.abort()
  }
}

function checkClientMetadataUrl(value: string) {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (!url || url.protocol !== 'https:' || url.pathname === '/') {
    throw new McpctlError('usage', 'A client ID metadata document must be an https:// URL with a path.', {
      hint: 'For example https://example.com/mcpctl/client.json.',
    })
  }
}

/** An OAuth client registered with the vendor, at endpoints known in advance (a catalog app such as Microsoft 365). */
export interface EndpointClient {
  authorizationEndpoint: string
  clientId: string
  tokenEndpoint: string
}

/** The metadata the SDK's PKCE, code exchange and refresh functions need, from endpoints known in advance (https only). */
function endpointMetadata(client: EndpointClient): AuthorizationServerMetadata {
  const authorization = secureEndpoint('authorization_endpoint', client.authorizationEndpoint, {})
  const token = secureEndpoint('token_endpoint', client.tokenEndpoint, {})
  return {authorization_endpoint: authorization.href, issuer: authorization.origin, response_types_supported: ['code'], token_endpoint: token.href}
}

/**
 * The authorization code flow with PKCE against known endpoints, as a public client (no secret): the same loopback
 * listener, browser hand-off, `state` check and code exchange (the SDK's) as authorizeServer, without MCP discovery
 * or client registration. The authorization server's issuer is not known here, so an `iss` in the response is not
 * compared (the code is only ever redeemed at the one token endpoint given). Returns the tokens; nothing is stored.
 */
export async function authorizeAtEndpoints(client: EndpointClient & InteractiveAuthorization & {scope: string; what: string}): Promise<OAuthTokens> {
  const metadata = endpointMetadata(client)
  if (client.signal?.aborted) throw new McpctlError('interrupted', 'Authorization cancelled; nothing was saved.')
  const http = oauthHttp({signal: client.signal})
  const callback = await startCallbackServer({port: client.callbackPort})
  try {
    const state = newState()
    const clientInformation = {client_id: client.clientId}
    const {authorizationUrl, codeVerifier} = await startAuthorization(metadata.issuer, {clientInformation, metadata, redirectUrl: callback.redirectUrl, scope: client.scope, state})
    const response = await waitForAuthorization(checkAuthorizationUrl(authorizationUrl), callback, {state}, client)
    try {
      return await exchangeAuthorization(metadata.issuer, {authorizationCode: response.code, clientInformation, codeVerifier, fetchFn: http.fetch, metadata, redirectUri: callback.redirectUrl})
    } catch (error) {
      throw oauthFailure(error, {action: 'exchanging the authorization code for tokens', http, secrets: [codeVerifier, response.code]})
    }
  } finally {
    await callback.close()
  }
}

/**
 * One refresh_token grant at a known token endpoint (public client). A refused refresh token is McpctlError('auth')
 * with `detail.error` the OAuth error code (`invalid_grant`): the caller says how to sign in again.
 */
export async function refreshAtEndpoints(client: EndpointClient & {refreshToken: string; signal?: AbortSignal}): Promise<OAuthTokens> {
  const metadata = endpointMetadata(client)
  const http = oauthHttp({signal: client.signal})
  try {
    return await refreshAuthorization(metadata.issuer, {clientInformation: {client_id: client.clientId}, fetchFn: http.fetch, metadata, refreshToken: client.refreshToken})
  } catch (error) {
    throw oauthFailure(error, {action: 'refreshing the access token', http, secrets: [client.refreshToken]})
  }
}
