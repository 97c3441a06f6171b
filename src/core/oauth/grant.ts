// What one OAuth authorization leaves behind — tokens, client registration and the checked authorization-server
// endpoints — kept as ONE JSON secret, plus the non-secret summary the config shows.
import type {AuthorizationServerMetadata, OAuthClientInformationMixed, OAuthTokens} from '@modelcontextprotocol/sdk/shared/auth.js'
import {z} from 'zod'

import {McpctlError} from '../errors.js'
import type {Auth} from '../store/schema.js'

export const GRANT_VERSION = 1

/** The `oauth` variant of an integration's auth in the config. */
export type OAuthAuth = Extract<Auth, {type: 'oauth'}>

/** The parts of the authorization server's metadata that refresh, step-up and revocation need later. */
export interface AuthorizationServerEndpoints {
  authorization_endpoint: string
  authorization_response_iss_parameter_supported?: boolean
  client_id_metadata_document_supported?: boolean
  code_challenge_methods_supported?: string[]
  issuer: string
  registration_endpoint?: string
  response_types_supported: string[]
  revocation_endpoint?: string
  revocation_endpoint_auth_methods_supported?: string[]
  token_endpoint: string
  token_endpoint_auth_methods_supported?: string[]
}

const KEPT_METADATA = [
  'authorization_endpoint',
  'authorization_response_iss_parameter_supported',
  'client_id_metadata_document_supported',
  'code_challenge_methods_supported',
  'issuer',
  'registration_endpoint',
  'response_types_supported',
  'revocation_endpoint',
  'revocation_endpoint_auth_methods_supported',
  'token_endpoint',
  'token_endpoint_auth_methods_supported',
] as const satisfies readonly (keyof AuthorizationServerEndpoints)[]

/** How the client identified itself: registered on the fly, given with --client-id, or a client ID metadata document. */
export type ClientKind = 'dynamic' | 'metadata-document' | 'pre-registered'

export interface OAuthGrant {
  version: typeof GRANT_VERSION
  /** The MCP server URL the grant is for. */
  serverUrl: string
  /** The RFC 8707 resource indicator sent with every authorization and token request (the PRM `resource`). */
  resource: string
  resourceMetadataUrl?: string
  /** The authorization server, as named by the protected-resource metadata and echoed by its metadata `issuer`. */
  issuer: string
  authorizationServer: AuthorizationServerEndpoints
  client: ClientKind
  /** As the SDK saved it (with its `issuer` stamp): stored unchanged, or the SDK registers again. */
  clientInformation: OAuthClientInformationMixed
  /** As the SDK saved them (with its `issuer` stamp). */
  tokens: OAuthTokens
  /** Scopes granted (the token response's `scope`, else those requested). */
  scopes: string[]
  /** ISO time the tokens were obtained. */
  obtainedAt: string
  /** ISO time the access token expires (absent when the server did not say). */
  expiresAt?: string
  /** Plain http:// to loopback hosts was allowed (--allow-http) when this grant was made. */
  allowHttp?: boolean
}

const StoredGrant = z.looseObject({
  allowHttp: z.boolean().optional(),
  authorizationServer: z.looseObject({
    authorization_endpoint: z.string(),
    issuer: z.string(),
    response_types_supported: z.array(z.string()),
    token_endpoint: z.string(),
  }),
  client: z.enum(['dynamic', 'metadata-document', 'pre-registered']),
  clientInformation: z.looseObject({client_id: z.string().min(1)}),
  expiresAt: z.string().optional(),
  issuer: z.string().min(1),
  obtainedAt: z.string(),
  resource: z.string().min(1),
  resourceMetadataUrl: z.string().optional(),
  scopes: z.array(z.string()),
  serverUrl: z.string().min(1),
  tokens: z.looseObject({access_token: z.string().min(1), refresh_token: z.string().optional(), token_type: z.string()}),
  version: z.literal(GRANT_VERSION),
})

export const serializeGrant = (grant: OAuthGrant): string => JSON.stringify(grant)

/** Parse a stored grant. A damaged one is an auth problem with a way out, and its content is never quoted. */
export function parseGrant(text: string, name: string): OAuthGrant {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = undefined
  }

  const parsed = StoredGrant.safeParse(value)
  if (!parsed.success) {
    throw new McpctlError('auth', `The stored OAuth authorization for "${name}" is unreadable.`, {hint: reauthorizeHint(name)})
  }

  return parsed.data as unknown as OAuthGrant
}

/** The one wording of "get a new grant", used by every error that needs the user to authorize again. */
export const reauthorizeHint = (name: string) => `re-authorize with \`mcpctl connect ${name}\``

/** The config's view of a grant: nothing secret, enough for `integrations show`. */
export function grantSummary(grant: OAuthGrant): Omit<OAuthAuth, 'secret' | 'type'> {
  return {
    clientId: grant.clientInformation.client_id,
    expiresAt: grant.expiresAt,
    issuer: grant.issuer,
    scopes: grant.scopes,
  }
}

export const splitScopes = (scope: string | undefined): string[] => [...new Set((scope ?? '').split(' ').filter(Boolean))]

/** When the access token expires, from `expires_in` seconds after `obtainedAt` (ms since the epoch). */
export function expiryOf(tokens: OAuthTokens, obtainedAt: number): string | undefined {
  const seconds = Number(tokens.expires_in)
  return Number.isFinite(seconds) && seconds > 0 ? new Date(obtainedAt + seconds * 1000).toISOString() : undefined
}

/** True when the access token has expired or will within `marginMs`. Unknown expiry counts as valid (a 401 says otherwise). */
export function expiresWithin(grant: OAuthGrant, marginMs: number, now: number): boolean {
  if (grant.expiresAt === undefined) return false
  const at = Date.parse(grant.expiresAt)
  return !Number.isFinite(at) || at - now <= marginMs
}

/** The kept subset of an authorization server's metadata. */
export function keptMetadata(metadata: AuthorizationServerMetadata): AuthorizationServerEndpoints {
  const all = metadata as Record<string, unknown>
  const kept: Record<string, unknown> = {}
  for (const key of KEPT_METADATA) if (all[key] !== undefined) kept[key] = all[key]
  return kept as unknown as AuthorizationServerEndpoints
}
