// One refresh_token grant request (RFC 6749 §6) for a stored grant. Never opens a browser: a refused refresh token
// means the user must authorize again, and says so with the command to run.
import {refreshAuthorization} from '@modelcontextprotocol/sdk/client/auth.js'
import type {AuthorizationServerMetadata} from '@modelcontextprotocol/sdk/shared/auth.js'

import {McpctlError} from '../errors.js'
import {describeOAuthError, oauthErrorCode, oauthFailure} from './failures.js'
import {expiryOf, type OAuthGrant, reauthorizeHint, splitScopes} from './grant.js'
import {type OAuthHttp, secureEndpoint} from './http.js'

/** The error for every "this grant is over" case: expired without a refresh token, refresh token refused, client gone. */
export function authorizationExpired(name: string, reason?: string): McpctlError {
  return new McpctlError('auth', `The authorization for "${name}" has expired${reason ? ` (${reason})` : ''}.`, {
    detail: {integration: name},
    hint: reauthorizeHint(name),
  })
}

/** Exchange the grant's refresh token for new tokens; returns the updated grant (nothing is stored here). */
export async function refreshGrant(grant: OAuthGrant, options: {http: OAuthHttp; name: string; now: number}): Promise<OAuthGrant> {
  const refreshToken = grant.tokens.refresh_token
  if (!refreshToken) throw authorizationExpired(options.name, 'no refresh token was issued')
  secureEndpoint('token_endpoint', grant.authorizationServer.token_endpoint, {allowHttp: grant.allowHttp})
  const secrets = [refreshToken, grant.tokens.access_token, (grant.clientInformation as {client_secret?: string}).client_secret]

  let tokens
  try {
    tokens = await refreshAuthorization(grant.issuer, {
      clientInformation: grant.clientInformation,
      fetchFn: options.http.fetch,
      metadata: grant.authorizationServer as AuthorizationServerMetadata,
      refreshToken,
      resource: grant.resource,
    })
  } catch (error) {
    const code = oauthErrorCode(error)
    if (code === 'invalid_grant') throw authorizationExpired(options.name, 'the authorization server no longer accepts its refresh token')
    if (code === 'invalid_client' || code === 'unauthorized_client') {
      throw authorizationExpired(options.name, `the authorization server no longer accepts mcpctl's client: ${describeOAuthError(error, secrets)}`)
    }
    throw oauthFailure(error, {action: `refreshing the access token for "${options.name}"`, http: options.http, secrets})
  }

  return {
    ...grant,
    expiresAt: expiryOf(tokens, options.now),
    obtainedAt: new Date(options.now).toISOString(),
    // A refresh response may omit `scope` when it is unchanged (RFC 6749 §5.1).
    scopes: tokens.scope ? splitScopes(tokens.scope) : grant.scopes,
    // Stamped like the SDK stamps what it saves, so that later SDK calls accept the tokens as this server's.
    tokens: {...tokens, issuer: grant.issuer},
  }
}
