// The two OAuthClientProvider implementations mcpctl hands to the MCP SDK.
// - AuthorizationFlowProvider: one browser flow, all state in memory; the caller stores the result as one secret.
// - GrantProvider: an MCP session on a stored grant. It never shows the SDK the refresh token, so the SDK can never
//   refresh on its own (outside mcpctl's cross-process lock), and it never opens a browser: when the SDK wants to
//   re-authorize (a 401, or a 403 insufficient_scope) it reports why, and the caller refreshes or steps up.
import {randomBytes} from 'node:crypto'

import type {OAuthClientProvider, OAuthDiscoveryState} from '@modelcontextprotocol/sdk/client/auth.js'
import type {OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens} from '@modelcontextprotocol/sdk/shared/auth.js'

import {McpctlError} from '../errors.js'
import {CALLBACK_HOST, CALLBACK_PATH} from './callback-server.js'
import type {AuthorizationTarget} from './discovery.js'
import {splitScopes, type ClientKind, type OAuthGrant} from './grant.js'

/** RFC 7591 metadata plus `application_type` (OIDC Registration), which the SDK's type lacks. */
export type NativeClientMetadata = OAuthClientMetadata & {application_type: 'native'}

/**
 * mcpctl registers as a public native client (RFC 8252): no secret it could not keep, and `native` so that the
 * authorization server accepts any loopback port on later runs.
 */
export function nativeClientMetadata(redirectUrl: string): NativeClientMetadata {
  return {
    application_type: 'native',
    client_name: 'mcpctl',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [redirectUrl],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  }
}

/** Only http(s) URLs are ever handed to a browser: `javascript:`, `data:`, `file:` and the like are refused. */
export function checkAuthorizationUrl(url: URL): URL {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new McpctlError('server', `The authorization server produced an authorization URL with the scheme ${JSON.stringify(url.protocol)}; refusing to open it.`)
  }
  if (url.username || url.password) {
    throw new McpctlError('server', 'The authorization URL carries a user name or password; refusing to open it.')
  }
  return url
}

export interface AuthorizationFlowOptions {
  /** Pre-registered client (`--client-id`, with its secret when confidential). */
  clientInformation?: OAuthClientInformationMixed
  /** An HTTPS client ID metadata document URL, used when the authorization server supports them. */
  clientMetadataUrl?: string
  /** Receives the checked authorization URL; the caller prints it and opens the browser after `auth()` returns. */
  onAuthorizationUrl(url: URL): void
  redirectUrl: string
  state: string
  /** Discovery already checked by mcpctl: the SDK must not fetch (and trust) it again. */
  target: AuthorizationTarget
}

/** Provider for one authorization code flow. Everything lives in memory until the caller stores the grant. */
export class AuthorizationFlowProvider implements OAuthClientProvider {
  readonly clientMetadataUrl?: string
  /** The authorization server rejected the client (invalid_client / unauthorized_client) during this flow. */
  clientRejected = false
  private client?: OAuthClientInformationMixed
  private readonly options: AuthorizationFlowOptions
  private savedTokens?: OAuthTokens
  private verifier?: string

  constructor(options: AuthorizationFlowOptions) {
    this.options = options
    this.client = options.clientInformation
    this.clientMetadataUrl = options.clientMetadataUrl
  }

  get clientKind(): ClientKind {
    if (this.options.clientInformation) return 'pre-registered'
    return this.client && this.client.client_id === this.clientMetadataUrl ? 'metadata-document' : 'dynamic'
  }

  get clientMetadata(): NativeClientMetadata {
    return nativeClientMetadata(this.options.redirectUrl)
  }

  get redirectUrl(): string {
    return this.options.redirectUrl
  }

  /** What the flow produced (undefined until the code exchange succeeded). */
  get result(): undefined | {clientInformation: OAuthClientInformationMixed; tokens: OAuthTokens} {
    return this.savedTokens && this.client ? {clientInformation: this.client, tokens: this.savedTokens} : undefined
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client
  }

  /** Values no error message may contain, even if an authorization server echoes them back. */
  secrets(): (string | undefined)[] {
    return [this.verifier, (this.client as {client_secret?: string} | undefined)?.client_secret, this.savedTokens?.access_token, this.savedTokens?.refresh_token]
  }

  codeVerifier(): string {
    if (!this.verifier) throw new McpctlError('error', 'No PKCE verifier for this authorization (internal error).')
    return this.verifier
  }

  discoveryState(): OAuthDiscoveryState {
    return discoveryStateOf(this.options.target)
  }

  invalidateCredentials(scope: 'all' | 'client' | 'discovery' | 'tokens' | 'verifier'): void {
    if (scope === 'all' || scope === 'tokens') this.savedTokens = undefined
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined
    if (scope === 'all' || scope === 'client') {
      this.clientRejected = true
      // A pre-registered client stays: registering a new one behind the user's back would hide their mistake.
      if (!this.options.clientInformation) this.client = undefined
    }
    // 'discovery' is ignored on purpose: the checked discovery is the only one this flow may use.
  }

  redirectToAuthorization(url: URL): void {
    this.options.onAuthorizationUrl(checkAuthorizationUrl(url))
  }

  saveClientInformation(clientInformation: OAuthClientInformationMixed): void {
    this.client = clientInformation
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier
  }

  saveDiscoveryState(): void {
    // Nothing to keep: discoveryState() always answers with the checked target.
  }

  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens
  }

  state(): string {
    return this.options.state
  }

  tokens(): OAuthTokens | undefined {
    return this.savedTokens
  }
}

/** Why a session on a stored grant cannot go on without mcpctl stepping in. */
export type ReauthorizationNeed =
  /** The server refused the access token (401): refresh it, under the lock, and try again. */
  | {kind: 'refresh'}
  /** The server wants scopes the grant lacks (403 insufficient_scope, or a 401 naming them). */
  | {kind: 'scope'; missing: string[]; requested: string[]}

export interface GrantProviderSource {
  /** The current grant (it changes when mcpctl refreshes or steps up). */
  grant(): OAuthGrant
  /** Record the need and return the error the SDK call should fail with. */
  reauthorizationNeeded(need: ReauthorizationNeed): Error
}

/** Provider for MCP sessions on a stored grant; see the module header for what it refuses to do. */
export class GrantProvider implements OAuthClientProvider {
  private readonly source: GrantProviderSource

  constructor(source: GrantProviderSource) {
    this.source = source
  }

  get clientMetadata(): NativeClientMetadata {
    return nativeClientMetadata(this.redirectUrl)
  }

  /** Never used for a redirect; the SDK only needs one to take the interactive path, which ends in redirectToAuthorization. */
  get redirectUrl(): string {
    const registered = (this.source.grant().clientInformation as {redirect_uris?: unknown}).redirect_uris
    return Array.isArray(registered) && typeof registered[0] === 'string' ? registered[0] : `http://${CALLBACK_HOST}${CALLBACK_PATH}`
  }

  clientInformation(): OAuthClientInformationMixed {
    return this.source.grant().clientInformation
  }

  codeVerifier(): string {
    throw new McpctlError('error', 'A stored OAuth grant has no PKCE verifier (internal error).')
  }

  discoveryState(): OAuthDiscoveryState {
    const grant = this.source.grant()
    return {
      authorizationServerMetadata: grant.authorizationServer as OAuthDiscoveryState['authorizationServerMetadata'],
      authorizationServerUrl: grant.issuer,
      resourceMetadata: {authorization_servers: [grant.issuer], resource: grant.resource},
      resourceMetadataUrl: grant.resourceMetadataUrl,
    }
  }

  invalidateCredentials(): void {
    // The SDK invalidates after its own token requests failed; it makes none on a grant (no refresh token, no code).
  }

  redirectToAuthorization(url: URL): never {
    const granted = new Set(this.source.grant().scopes)
    const requested = splitScopes(url.searchParams.get('scope') ?? undefined)
    const missing = requested.filter((scope) => !granted.has(scope))
    throw this.source.reauthorizationNeeded(missing.length > 0 ? {kind: 'scope', missing, requested} : {kind: 'refresh'})
  }

  saveCodeVerifier(): void {
    // The SDK prepares a redirect before redirectToAuthorization refuses it; its verifier is never needed.
  }

  saveDiscoveryState(): void {
    // The grant's checked discovery stays authoritative.
  }

  saveTokens(): void {
    // Unreachable: the SDK obtains tokens only by code exchange or refresh, and a grant provider offers neither.
  }

  state(): string {
    return randomBytes(16).toString('base64url')
  }

  tokens(): OAuthTokens {
    // Without the refresh token the SDK cannot refresh behind mcpctl's back (refresh tokens rotate: RFC 9700 §4.14.2).
    const {refresh_token: _kept, ...tokens} = this.source.grant().tokens
    return tokens
  }
}

export function discoveryStateOf(target: AuthorizationTarget): OAuthDiscoveryState {
  return {
    authorizationServerMetadata: target.metadata,
    authorizationServerUrl: target.authorizationServerUrl,
    resourceMetadata: target.resourceMetadata,
    resourceMetadataUrl: target.resourceMetadataUrl,
  }
}
