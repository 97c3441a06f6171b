// A real OAuth 2.1 authorization server for tests: panva's oidc-provider on https://127.0.0.1:<port> with the test CA.
// Dynamic registration (native clients, any loopback port), PKCE S256 required, resource indicators, rotating refresh
// tokens, revocation, an interaction handler that signs in and consents by itself, and knobs to misbehave on purpose.
import {generateKeyPairSync} from 'node:crypto'
import type {IncomingMessage, ServerResponse} from 'node:http'
import https from 'node:https'

import type {Provider as ProviderType, Configuration, KoaContextWithOIDC} from 'oidc-provider'

import {testCa, trustTestCaInProcess} from '../ca.js'
import {listenOnLoopback} from '../servers.js'

/** A client registered in the configuration rather than dynamically. */
export interface PreRegisteredClient {
  client_id: string
  /** Omit for a public client. */
  client_secret?: string
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'none'
}

/** A canned answer the server gives instead of the real one. */
export interface FaultResponse {
  body: string
  contentType?: string
  headers?: Record<string, string>
  status: number
}

/** Behaviour the test may change at any time (the server reads these on every request). */
export interface AuthorizationServerBehaviour {
  /** The interaction answers `access_denied` instead of signing in. */
  deny: boolean
  /** Rewrites the authorization-server metadata document (issuer mismatch, no S256, http endpoints, …). */
  metadata?: (document: Record<string, unknown>) => Record<string, unknown>
  /** Answer this many revocation requests with 503 (and `Retry-After: 0`) before revoking for real. */
  revocationUnavailable: number
  /**
   * Answer token requests with this instead (500, non-JSON, oversized, …), or with what the function makes of the
   * request form (e.g. an error that echoes the code); undefined = the real token endpoint.
   */
  tokenFault?: FaultResponse | ((form: URLSearchParams) => FaultResponse)
}

export interface TokenRequestRecord {
  /** How the client authenticated: HTTP Basic, client_secret in the body, or client_id only. */
  clientAuth: 'basic' | 'none' | 'post'
  grantType: string
  /** The RFC 8707 `resource` parameter, when sent. */
  resource?: string
  status: number
}

export interface RevocationRecord {
  clientAuth?: 'basic' | 'none' | 'post'
  status: number
  tokenTypeHint?: string
}

export interface AuthorizationRequestRecord {
  params: URLSearchParams
}

export interface AuthorizationServerOptions {
  /** Access-token lifetime in seconds (default 3600). */
  accessTokenTtl?: number
  /** `opaque` (default: revocable) or `jwt` (oidc-provider refuses to revoke those: `unsupported_token_type`). */
  accessTokenFormat?: 'jwt' | 'opaque'
  clients?: PreRegisteredClient[]
  /**
   * Every scope the AS knows (default `['mcp', 'tools:admin']`). oidc-provider refuses a registration whose `scope`
   * names anything else, and the resource servers' scopes must be among these.
   */
  scopes?: string[]
  /** Serve revocation (default true). */
  revocation?: boolean
  /**
   * The resource servers this AS issues tokens for, keyed by resource indicator, with the scopes each accepts.
   * May be filled in after start (the MCP server's URL is known only once it listens).
   */
  resources?: Record<string, string[]>
}

export interface TestAuthorizationServer {
  /** Mutable misbehaviour switches. */
  behaviour: AuthorizationServerBehaviour
  /** The issuer identifier, e.g. `https://127.0.0.1:4321` (no trailing slash). */
  issuer: string
  port: number
  provider: ProviderType
  /** Every authorization request that reached the authorization endpoint (its query). */
  authorizationRequests: AuthorizationRequestRecord[]
  /** Dynamic registration requests' bodies as received. */
  registrations: Record<string, unknown>[]
  /** Resource indicator → accepted scopes; add the MCP server here once its URL is known. */
  resources: Record<string, string[]>
  /** Revocation requests as received (token type hint and status; never the token). */
  revocations: RevocationRecord[]
  /** Every token endpoint request (grant type, resource, status). */
  tokenRequests: TokenRequestRecord[]
  close(): Promise<void>
  /** Token requests with `grant_type=refresh_token`. */
  refreshCount(): number
  /**
   * What a resource server learns from a presented access token (opaque: looked up in the provider; JWT: signature,
   * issuer and expiry checked), or undefined when the token is unknown, revoked or expired.
   */
  verifyAccessToken(token: string): Promise<undefined | {audience: string[]; expiresAt: number; scopes: string[]}>
}

// oidc-provider warns that Node 20 is not its preferred runtime and that its in-memory store is not for production:
// both true, both noise in test output.
async function quietly<T>(work: () => Promise<T> | T): Promise<T> {
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider WARNING:')) warn(...args)
  }
  try {
    return await work()
  } finally {
    console.warn = warn
  }
}

let cachedKeys: ReturnType<typeof generateKeyPairSync> | undefined
/** One RSA key pair per test process: generating one per server would cost ~100 ms each. */
const signingKeys = () => (cachedKeys ??= generateKeyPairSync('rsa', {modulusLength: 2048}))

export async function startAuthorizationServer(options: AuthorizationServerOptions = {}): Promise<TestAuthorizationServer> {
  trustTestCaInProcess()
  const {Provider, errors} = await quietly(() => import('oidc-provider'))
  const ca = testCa()

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end()
  const server = https.createServer({cert: ca.cert, key: ca.key}, (req, res) => handler(req, res))
  const {close, port} = await listenOnLoopback(server)
  const issuer = `https://127.0.0.1:${port}`

  const resources: Record<string, string[]> = {...options.resources}
  const behaviour: AuthorizationServerBehaviour = {deny: false, revocationUnavailable: 0}
  const tokenRequests: TokenRequestRecord[] = []
  const revocations: RevocationRecord[] = []
  const registrations: Record<string, unknown>[] = []
  const authorizationRequests: AuthorizationRequestRecord[] = []

  const keys = signingKeys()
  const signingKey = keys.privateKey.export({format: 'jwk'})
  const configuration: Configuration = {
    clientDefaults: {grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none'},
    clients: (options.clients ?? []).map((client) => ({
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      // Native clients may use any port on a loopback redirect URI (RFC 8252 §7.3): the port here is a placeholder.
      redirect_uris: ['http://127.0.0.1/callback'],
      response_types: ['code'],
      token_endpoint_auth_method: client.token_endpoint_auth_method ?? (client.client_secret ? 'client_secret_basic' : 'none'),
      ...client,
    })),
    cookies: {keys: ['mcpctl-test-cookie-key']},
    // Grants expire with the browser session by default; tests refresh long after the follower's "session" is gone.
    expiresWithSession: () => false,
    features: {
      devInteractions: {enabled: false},
      registration: {enabled: true},
      resourceIndicators: {
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? Object.keys(resources)[0],
        enabled: true,
        getResourceServerInfo(_ctx, indicator) {
          const scopes = resources[indicator]
          if (!scopes) throw new errors.InvalidTarget(`unknown resource ${indicator}`)
          return {
            accessTokenFormat: options.accessTokenFormat ?? 'opaque',
            accessTokenTTL: options.accessTokenTtl ?? 3600,
            audience: indicator,
            scope: scopes.join(' '),
          }
        },
        // A refresh without `resource` still yields a token for the resource the grant was for.
        useGrantedResource: () => true,
      },
      // A client may revoke only its own tokens (the default policy, stated so oidc-provider does not nag).
      revocation: {allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId, enabled: options.revocation ?? true},
    },
    async findAccount(_ctx, id) {
      return {accountId: id, claims: async () => ({sub: id})}
    },
    interactions: {url: (_ctx, interaction) => `/interaction/${interaction.uid}`},
    // Plain OAuth clients (no `openid`, no `offline_access`) get refresh tokens too, as MCP clients expect.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    jwks: {keys: [{...signingKey, alg: 'RS256', kid: 'test-key', use: 'sig'}] as never},
    pkce: {required: () => true},
    rotateRefreshToken: true,
    scopes: ['openid', 'offline_access', ...(options.scopes ?? ['mcp', 'tools:admin'])],
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      Grant: 24 * 3600,
      Interaction: 600,
      RefreshToken: 24 * 3600,
      Session: 24 * 3600,
    },
  }

  const provider = await quietly(() => new Provider(issuer, configuration))

  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    if (ctx.method === 'POST' && ctx.path === '/token' && behaviour.tokenFault) {
      const form = new URLSearchParams(await readText(ctx.req))
      const fault = typeof behaviour.tokenFault === 'function' ? behaviour.tokenFault(form) : behaviour.tokenFault
      tokenRequests.push({clientAuth: 'none', grantType: `(fault) ${form.get('grant_type')}`, status: fault.status})
      ctx.status = fault.status
      ctx.set(fault.headers ?? {})
      ctx.type = fault.contentType ?? 'text/plain'
      ctx.body = fault.body
      return
    }
    if (ctx.method === 'POST' && ctx.path === '/token/revocation' && behaviour.revocationUnavailable > 0) {
      behaviour.revocationUnavailable--
      revocations.push({status: 503})
      ctx.status = 503
      ctx.set('retry-after', '0')
      ctx.body = ''
      return
    }
    if (ctx.method === 'GET' && ctx.path === '/auth') {
      authorizationRequests.push({params: new URLSearchParams(ctx.querystring)})
    }
    await next()
    const route = ctx.oidc?.route
    if (route === 'token') {
      const params = ctx.oidc.params as Record<string, unknown> | undefined
      tokenRequests.push({
        clientAuth: ctx.get('authorization').startsWith('Basic ') ? 'basic' : params?.client_secret ? 'post' : 'none',
        grantType: String(params?.grant_type ?? ''),
        resource: typeof params?.resource === 'string' ? params.resource : undefined,
        status: ctx.status,
      })
    } else if (route === 'revocation') {
      const params = ctx.oidc.params as Record<string, unknown> | undefined
      revocations.push({
        clientAuth: ctx.get('authorization').startsWith('Basic ') ? 'basic' : params?.client_secret ? 'post' : 'none',
        status: ctx.status,
        tokenTypeHint: params?.token_type_hint as string | undefined,
      })
    } else if (route === 'registration' && ctx.method === 'POST') {
      registrations.push({...(ctx.oidc.body as Record<string, unknown>)})
    } else if (route === 'discovery' && behaviour.metadata && ctx.body && typeof ctx.body === 'object') {
      ctx.body = behaviour.metadata(ctx.body as Record<string, unknown>)
    }
  })

  const callback = provider.callback()
  handler = (req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    // RFC 8414 metadata lives under /.well-known/oauth-authorization-server; oidc-provider serves the OIDC name only.
    if (url.pathname === '/.well-known/oauth-authorization-server') req.url = '/.well-known/openid-configuration'
    const interaction = /^\/interaction\/([\w-]+)$/.exec(url.pathname)
    if (interaction && req.method === 'GET') {
      finishInteraction(provider, behaviour, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, {'content-type': 'text/plain'})
        res.end(`interaction failed: ${String(error)}`)
      })
      return
    }
    callback(req, res)
  }

  return {
    authorizationRequests,
    behaviour,
    close,
    issuer,
    port,
    provider,
    refreshCount: () => tokenRequests.filter((request) => request.grantType === 'refresh_token').length,
    async verifyAccessToken(token) {
      const now = Math.floor(Date.now() / 1000)
      if (token.split('.').length === 3) {
        const {jwtVerify} = await import('jose')
        try {
          const {payload} = await jwtVerify(token, keys.publicKey, {issuer})
          const audience = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : []
          return {audience, expiresAt: payload.exp ?? 0, scopes: String(payload.scope ?? '').split(' ').filter(Boolean)}
        } catch {
          return undefined
        }
      }
      const found = await provider.AccessToken.find(token)
      if (!found || found.isExpired) return undefined
      const aud = found.aud as string | string[] | undefined
      const audience = Array.isArray(aud) ? aud : aud ? [aud] : []
      return {audience, expiresAt: found.exp ?? now, scopes: String(found.scope ?? '').split(' ').filter(Boolean)}
    },
    registrations,
    resources,
    revocations,
    tokenRequests,
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

/** The "user": signs in as `test-user` and consents to everything asked, or denies when told to. */
async function finishInteraction(provider: ProviderType, behaviour: AuthorizationServerBehaviour, req: IncomingMessage, res: ServerResponse) {
  const details = await provider.interactionDetails(req, res)
  if (behaviour.deny) {
    await provider.interactionFinished(req, res, {error: 'access_denied', error_description: 'The user said <no> & meant it'}, {mergeWithLastSubmission: false})
    return
  }
  const {prompt, params, session} = details
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, {login: {accountId: 'test-user'}}, {mergeWithLastSubmission: false})
    return
  }
  const grant = details.grantId
    ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({accountId: session?.accountId, clientId: params.client_id as string}))
    : new provider.Grant({accountId: session?.accountId, clientId: params.client_id as string})
  const missing = prompt.details as {missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]>}
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '))
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '))
  const grantId = await grant.save()
  await provider.interactionFinished(req, res, {consent: {grantId}}, {mergeWithLastSubmission: true})
}
