// Discovery with the checks the SDK leaves to its caller: PRM `resource` matches the server (RFC 9728 §3.3), metadata
// `issuer` is the authorization server asked (RFC 8414 §3.3), PKCE S256 offered, every endpoint HTTPS.
// The checked result is handed to the SDK as its discovery state, so the SDK never fetches (and trusts) another copy.
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/sdk/client/auth.js'
import type {AuthorizationServerMetadata, OAuthProtectedResourceMetadata} from '@modelcontextprotocol/sdk/shared/auth.js'
import {checkResourceAllowed, resourceUrlFromServerUrl} from '@modelcontextprotocol/sdk/shared/auth-utils.js'

import {McpctlError} from '../errors.js'
import {printable} from '../net/untrusted.js'
import {oauthFailure} from './failures.js'
import {type AuthorizationServerEndpoints, keptMetadata} from './grant.js'
import {type OAuthHttp, secureEndpoint} from './http.js'

export interface AuthorizationTarget {
  /** The authorization server as named by the protected-resource metadata (or the server's origin for legacy servers). */
  authorizationServerUrl: string
  /** The checked metadata fields mcpctl keeps with the grant. */
  endpoints: AuthorizationServerEndpoints
  /** The whole metadata document, for the SDK. */
  metadata: AuthorizationServerMetadata
  /** The resource indicator to send: the PRM `resource` verbatim, or the server URL when there is no PRM. */
  resource: string
  /** What the SDK is given as PRM (synthesised for legacy servers so that `resource` is still sent). */
  resourceMetadata: OAuthProtectedResourceMetadata
  resourceMetadataUrl?: string
  serverUrl: URL
}

export interface DiscoveryOptions {
  allowHttp?: boolean
  http: OAuthHttp
  /** From the server's `WWW-Authenticate: Bearer resource_metadata=…` (the probe finds it). */
  resourceMetadataUrl?: string
}

const sameIssuer = (a: string, b: string) => {
  // A pathless URL is the same identifier with or without its trailing slash (URL parsing adds one); nothing else is.
  const strip = (value: string) => value.replace(/\/$/, '')
  return a === b || strip(a) === strip(b)
}

/** Find and check the authorization server for `serverUrl`. Throws McpctlError('server') naming the broken rule. */
export async function discoverAuthorizationTarget(serverUrl: URL, options: DiscoveryOptions): Promise<AuthorizationTarget> {
  const fetchFn = options.http.fetch
  const resourceMetadataUrl = options.resourceMetadataUrl === undefined ? undefined : new URL(options.resourceMetadataUrl)
  const canonical = resourceUrlFromServerUrl(serverUrl)

  let prm: OAuthProtectedResourceMetadata | undefined
  try {
    prm = await discoverOAuthProtectedResourceMetadata(serverUrl, {resourceMetadataUrl}, fetchFn)
  } catch (error) {
    // Only "there is none" (404 at every well-known URL) falls back to the 2025-03-26 rule: the server's own origin.
    if (!(error instanceof Error && /does not implement OAuth 2\.0 Protected Resource Metadata/.test(error.message))) {
      throw oauthFailure(error, {action: 'reading the protected-resource metadata', http: options.http, secrets: []})
    }
  }

  let authorizationServerUrl: string
  let resource: string
  if (prm) {
    if (!checkResourceAllowed({configuredResource: prm.resource, requestedResource: canonical})) {
      throw new McpctlError('server', `The server’s protected-resource metadata is for ${printable(prm.resource, 200)}, not for ${canonical.href}; refusing to authorize.`, {
        hint: 'The metadata must name the server’s own URL (RFC 9728 §3.3). Check the URL, or ask the server operator.',
      })
    }
    const first = prm.authorization_servers?.[0]
    if (!first) {
      throw new McpctlError('server', `${serverUrl.origin} publishes protected-resource metadata without an authorization server.`, {
        hint: 'The server may take a static token instead: try --auth bearer.',
      })
    }
    authorizationServerUrl = first
    resource = prm.resource
  } else {
    authorizationServerUrl = serverUrl.origin
    resource = canonical.href
  }

  const asUrl = secureEndpoint('address', authorizationServerUrl, options)
  let metadata: AuthorizationServerMetadata | undefined
  try {
    metadata = await discoverAuthorizationServerMetadata(asUrl, {fetchFn})
  } catch (error) {
    throw oauthFailure(error, {action: 'reading the authorization server metadata', http: options.http, secrets: []})
  }
  if (!metadata) {
    throw new McpctlError('server', `${asUrl.origin} publishes no OAuth authorization server metadata (RFC 8414).`, {
      hint: 'mcpctl needs the metadata to check the server offers PKCE S256 and HTTPS endpoints.',
    })
  }

  const endpoints = keptMetadata(metadata)
  checkMetadata(endpoints, authorizationServerUrl, options)
  return {
    authorizationServerUrl,
    endpoints,
    metadata,
    resource,
    resourceMetadata: prm ?? {authorization_servers: [authorizationServerUrl], resource},
    resourceMetadataUrl: options.resourceMetadataUrl,
    serverUrl,
  }
}

/** The rules of MCP authorization the SDK does not enforce, on an authorization server's metadata. */
export function checkMetadata(metadata: AuthorizationServerEndpoints, authorizationServerUrl: string, options: {allowHttp?: boolean}): void {
  if (!sameIssuer(metadata.issuer, authorizationServerUrl)) {
    throw new McpctlError('server', `The authorization server at ${authorizationServerUrl} calls itself ${printable(metadata.issuer, 200)}; refusing to use it.`, {
      detail: {expected: authorizationServerUrl, issuer: printable(metadata.issuer, 200)},
      hint: 'Its metadata `issuer` must equal its address (RFC 8414 §3.3). This is a misconfiguration or an attack; ask the server operator.',
    })
  }

  if (!metadata.code_challenge_methods_supported?.includes('S256')) {
    throw new McpctlError('server', `The authorization server ${authorizationServerUrl} does not offer PKCE with S256; refusing to authorize.`, {
      hint: 'MCP requires PKCE S256 (`code_challenge_methods_supported`). Ask the server operator to enable it.',
    })
  }

  if (!metadata.response_types_supported?.includes('code')) {
    throw new McpctlError('server', `The authorization server ${authorizationServerUrl} does not offer the authorization code flow.`)
  }

  secureEndpoint('authorization_endpoint', metadata.authorization_endpoint, options)
  secureEndpoint('token_endpoint', metadata.token_endpoint, options)
  if (metadata.registration_endpoint !== undefined) secureEndpoint('registration_endpoint', metadata.registration_endpoint, options)
  if (metadata.revocation_endpoint !== undefined) secureEndpoint('revocation_endpoint', metadata.revocation_endpoint, options)
}
