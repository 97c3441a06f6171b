// Microsoft 365 emulator: the Entra ID v2.0 token and authorize endpoints and the Microsoft Graph calls the
// `microsoft-365` app uses, as documented in shared/reference/catalog-vendors.md §4, with Microsoft's shapes and
// refusals. Two hosts, like the real thing: `loginUrl` (login.microsoftonline.com) and `origin` (graph.microsoft.com).
//
// Auth:
// - App-only: `POST {login}/{tenant}/oauth2/v2.0/token` form `grant_type=client_credentials&client_id&client_secret
//   &scope={graph}/.default` (secret in the form or HTTP Basic).
// - Delegated: `GET {login}/{tenant}/oauth2/v2.0/authorize?client_id&response_type=code&redirect_uri&scope&state
//   &code_challenge&code_challenge_method=S256` redirects straight back to the loopback redirect URI (the emulated
//   user signs in and consents by itself); the code is redeemed with `grant_type=authorization_code&code&redirect_uri
//   &code_verifier&client_id`; `offline_access` in the scope adds a refresh token (`grant_type=refresh_token`).
// - Graph calls carry `Authorization: Bearer`. `{graph}` in a scope is `https://graph.microsoft.com` or this
//   emulator's origin; short names (`User.Read.All`) mean Graph.
// Verification: `GET {graph}/v1.0/organization`.
//
// Tools the app definition exposes (paths under `{graph}/v1.0`):
//   get_user          R  GET   /users/{id}                 id (object id or userPrincipalName), $select?
//   list_users        R  GET   /users                      $filter?, $select?, $top? (≤999), $count?, $search?, $orderby? (+ ConsistencyLevel: eventual
//                                                          for endswith/ne/not/$search/$count or $orderby with $filter); pages with @odata.nextLink
//   user_groups       R  GET   /users/{id}/memberOf        id, $top?; app-only needs Directory.Read.All
//   licenses          R  GET   /users/{id}/licenseDetails  id; delegated only (LicenseAssignment.Read.All)
//   reset_password    W  POST  /users/{id}/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword
//                                                          id, newPassword? — delegated only; 202 + Location to poll; sensitive when
//                                                          newPassword is omitted (the generated password comes back)
//   revoke_sessions   W  POST  /users/{id}/revokeSignInSessions   id
//   disable_user      W  PATCH /users/{id}                 id, body {"accountEnabled": false}; 204
//   add_group_member  W  POST  /groups/{id}/members/$ref   group id, body {"@odata.id": "{graph}/v1.0/directoryObjects/{userId}"}; 204, 400 if already a member
//
// Revocation: Entra has no RFC 7009 endpoint; revokeSignInSessions invalidates the user's refresh tokens (emulated).
import {createHash, randomUUID} from 'node:crypto'

import {
  BearerTokens,
  type Exchange,
  mediaType,
  RateLimit,
  randomSecret,
  type Route,
  sendEmpty,
  sendJson,
  startVendorServer,
  type VendorRequest,
} from './emulator.js'

export interface MicrosoftCredentials {
  /** Application (client) ID of the app registration. */
  clientId: string
  /** Client secret for the app-only flow (the delegated flow works with or without it). */
  clientSecret: string
  /** Directory (tenant) ID. */
  tenant: string
  /** The tenant's initial domain, accepted wherever the tenant ID is. */
  tenantDomain: string
}

export interface GraphUser {
  [key: string]: unknown
  accountEnabled: boolean
  assignedLicenses: Array<{disabledPlans: string[]; skuId: string}>
  displayName: string
  id: string
  userPrincipalName: string
}

export interface GraphGroup {
  [key: string]: unknown
  displayName: string
  id: string
  /** Member object ids. */
  members: string[]
}

export interface GraphData {
  groups: GraphGroup[]
  organization: Record<string, unknown>
  users: GraphUser[]
}

export interface MicrosoftEmulatorOptions extends Partial<MicrosoftCredentials> {
  /** Access-token lifetime in seconds, as `expires_in` says and Graph enforces (default 3599). */
  accessTokenTtl?: number
  /** Application permissions admin-consented for app-only tokens (default: everything the app-only tools need). */
  applicationPermissions?: string[]
  /** Delegated permissions consented for `{graph}/.default` in the delegated flow (default: everything the tools need). */
  delegatedPermissions?: string[]
}

export interface MicrosoftEmulator {
  credentials: MicrosoftCredentials
  data: GraphData
  /** The Graph origin (the `instance` field): `https://127.0.0.1:<port>`. */
  origin: string
  /** The login origin (the `login-url` field): `https://127.0.0.1:<port>`. */
  loginUrl: string
  /** Every request to either host, in order. */
  requests: VendorRequest[]
  /** The user the authorize endpoint signs in (default the first user, an admin). */
  signedInUser: GraphUser
  /** `{loginUrl}/{tenant}/oauth2/v2.0/authorize`. */
  authorizeUrl: string
  /** `{loginUrl}/{tenant}/oauth2/v2.0/token`. */
  tokenUrl: string
  close(): Promise<void>
  /** The user declines consent from now on (authorize redirects with `error=access_denied`); false to undo. */
  denyConsent(deny: boolean): void
  /** Every access token issued so far stops working now (Graph answers 401): forces a refresh. */
  expireTokens(): void
  /** The next `count` Graph requests (not token requests) get 429 with `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void
  /** Change the admin-consented application permissions; tokens issued from now on carry them. */
  setApplicationPermissions(permissions: string[]): void
}

/** Everything the app-only tools need (reference §4; licenseDetails and resetPassword have no application permission). */
export const defaultApplicationPermissions = [
  'Directory.Read.All',
  'GroupMember.ReadWrite.All',
  'Organization.Read.All',
  'User.EnableDisableAccount.All',
  'User.Read.All',
  'User.RevokeSessions.All',
]

/** Everything the delegated tools need. */
export const defaultDelegatedPermissions = [
  'Directory.Read.All',
  'GroupMember.ReadWrite.All',
  'LicenseAssignment.Read.All',
  'User.EnableDisableAccount.All',
  'User.Read',
  'User.Read.All',
  'User.RevokeSessions.All',
  'UserAuthenticationMethod.ReadWrite.All',
]

/** The password authentication method's well-known id. */
export const passwordMethodId = '28c10230-6103-485e-b985-444c60001490'

const publicGraph = 'https://graph.microsoft.com'
const oidcScopes = new Set(['email', 'offline_access', 'openid', 'profile'])
/** Graph's default property set for a user (anything else needs $select). */
const defaultUserProperties = ['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName']
const writableUserProperties = new Set(['accountEnabled', 'department', 'displayName', 'jobTitle', 'mobilePhone', 'officeLocation', 'usageLocation'])

interface Grant {
  clientId: string
  kind: 'app' | 'delegated'
  permissions: string[]
  /** The signed-in user (delegated). */
  userId?: string
}

interface PendingCode {
  challenge?: string
  challengeMethod?: string
  clientId: string
  expiresAt: number
  flags: Set<string>
  permissions: string[]
  redirectUri: string
  resource: string
  userId: string
}

const guid = (n: number, prefix = '5f2c9a10') => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`

const seed = (tenant: string, tenantDomain: string): GraphData => {
  const e3 = {disabledPlans: [], skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965'}
  const people: Array<[string, string, string, boolean]> = [
    ['Adele', 'Vance', 'IT Administrator', true],
    ['Alex', 'Wilber', 'Marketing Assistant', true],
    ['Diego', 'Siciliani', 'HR Manager', true],
    ['Grady', 'Archie', 'Designer', true],
    ['Isaiah', 'Langer', 'Sales Rep', false],
    ['Johanna', 'Lorenz', 'Senior Engineer', true],
    ['Lee', 'Gu', 'Director', true],
    ['Megan', 'Bowen', 'Marketing Manager', true],
  ]
  const users: GraphUser[] = people.map(([givenName, surname, jobTitle, accountEnabled], index) => {
    const upn = `${givenName.toLowerCase()}.${surname.toLowerCase()}@${tenantDomain}`
    return {
      accountEnabled,
      assignedLicenses: index === 3 ? [] : [e3],
      businessPhones: [`+1 425 555 01${String(index).padStart(2, '0')}`],
      department: index < 2 ? 'IT' : 'Operations',
      displayName: `${givenName} ${surname}`,
      givenName,
      id: guid(index + 1),
      jobTitle,
      mail: upn,
      mobilePhone: null,
      officeLocation: `${18 + index}/${1000 + index}`,
      preferredLanguage: 'en-US',
      surname,
      usageLocation: 'US',
      userPrincipalName: upn,
    }
  })
  const groups: GraphGroup[] = [
    {description: 'Everyone in IT', displayName: 'IT Team', id: guid(101, '8a3e7c20'), mailEnabled: false, members: [users[0].id, users[1].id], securityEnabled: true},
    {description: 'Sales and marketing', displayName: 'Sales', id: guid(102, '8a3e7c20'), mailEnabled: true, members: [users[1].id, users[7].id], securityEnabled: false},
    {description: 'VPN access', displayName: 'VPN Users', id: guid(103, '8a3e7c20'), mailEnabled: false, members: [users[0].id], securityEnabled: true},
  ]
  const organization = {
    city: 'Redmond',
    countryLetterCode: 'US',
    displayName: 'Contoso',
    id: tenant,
    tenantType: 'AAD',
    verifiedDomains: [{capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: tenantDomain, type: 'Managed'}],
  }
  return {groups, organization, users}
}

/** Start a Microsoft 365 emulator (an Entra login host and a Graph host) on https://127.0.0.1 (test CA). */
export async function startMicrosoftEmulator(options: MicrosoftEmulatorOptions = {}): Promise<MicrosoftEmulator> {
  const credentials: MicrosoftCredentials = {
    clientId: options.clientId ?? randomUUID(),
    clientSecret: options.clientSecret ?? `${randomSecret(3)}~${randomSecret(24)}`,
    tenant: options.tenant ?? randomUUID(),
    tenantDomain: options.tenantDomain ?? 'contoso.onmicrosoft.com',
  }
  const ttl = options.accessTokenTtl ?? 3599
  let applicationPermissions = options.applicationPermissions ?? defaultApplicationPermissions
  const delegatedPermissions = options.delegatedPermissions ?? defaultDelegatedPermissions
  const data = seed(credentials.tenant, credentials.tenantDomain)
  const requests: VendorRequest[] = []
  const rateLimit = new RateLimit()
  const accessTokens = new BearerTokens<Grant>('m365-at-')
  const refreshTokens = new BearerTokens<Grant>('m365-rt-')
  const codes = new Map<string, PendingCode>()
  const operations = new Map<string, Record<string, unknown>>()
  let deny = false
  let graphOrigin = ''
  let loginOrigin = ''
  const signedInUser = data.users[0]

  // --- Entra ID ---------------------------------------------------------------------------------------------------

  const knownTenant = (value: string) =>
    [credentials.tenant, credentials.tenantDomain, 'common', 'organizations'].some((name) => name.toLowerCase() === value.toLowerCase())

  /** Entra's error body: `{error, error_description: "AADSTS…", error_codes, timestamp, trace_id, correlation_id}`. */
  const aadError = (exchange: Exchange, status: number, error: string, code: number, text: string) => {
    const traceId = randomUUID()
    const correlationId = randomUUID()
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
    sendJson(exchange.res, status, {
      correlation_id: correlationId,
      error,
      error_codes: [code],
      error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_uri: `${loginOrigin}/error?code=${code}`,
      timestamp,
      trace_id: traceId,
    })
  }

  /** Split a requested scope string into Graph permissions, OIDC flags and the resource; or an error. */
  const parseScope = (scope: string): {error: [string, number, string]} | {flags: Set<string>; permissions: string[]; resource: string; usesDefault: boolean} => {
    const flags = new Set<string>()
    const permissions: string[] = []
    let resource = publicGraph
    let usesDefault = false
    for (const item of scope.split(/\s+/).filter(Boolean)) {
      if (oidcScopes.has(item.toLowerCase())) {
        flags.add(item.toLowerCase())
        continue
      }
      const slash = item.lastIndexOf('/')
      const owner = slash === -1 ? publicGraph : item.slice(0, slash)
      const name = slash === -1 ? item : item.slice(slash + 1)
      if (![publicGraph, graphOrigin].includes(owner)) {
        return {error: ['invalid_resource', 500_011, `The resource principal named ${owner} was not found in the tenant named ${credentials.tenantDomain}.`]}
      }
      resource = owner
      if (name === '.default') usesDefault = true
      else permissions.push(name)
    }
    return {flags, permissions, resource, usesDefault}
  }

  const clientSecretOf = (exchange: Exchange, form: Record<string, string>): {id?: string; secret?: string} => {
    const basic = /^basic +(\S+)$/i.exec(exchange.req.headers.authorization ?? '')
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      return {id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1))}
    }
    return {id: form.client_id, secret: form.client_secret}
  }

  const idToken = (user: GraphUser, clientId: string) => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const now = Math.floor(Date.now() / 1000)
    const claims = {
      aud: clientId,
      exp: now + 3600,
      iat: now,
      iss: `${loginOrigin}/${credentials.tenant}/v2.0`,
      name: user.displayName,
      oid: user.id,
      preferred_username: user.userPrincipalName,
      sub: createHash('sha256').update(user.id + clientId).digest('base64url'),
      tid: credentials.tenant,
      ver: '2.0',
    }
    return `${part({alg: 'RS256', kid: 'emulator', typ: 'JWT'})}.${part(claims)}.${randomSecret(32)}`
  }

  const tokenResponse = (exchange: Exchange, grant: Grant, extra: {flags?: Set<string>; resource?: string} = {}) => {
    const body: Record<string, unknown> = {
      access_token: accessTokens.issue(grant, ttl),
      expires_in: ttl,
      ext_expires_in: ttl,
      token_type: 'Bearer',
    }
    if (grant.kind === 'delegated') {
      const resource = extra.resource ?? publicGraph
      body.scope = [...grant.permissions.map((permission) => `${resource}/${permission}`), ...[...(extra.flags ?? [])].filter((flag) => flag !== 'offline_access')].join(' ')
      if (extra.flags?.has('offline_access')) body.refresh_token = refreshTokens.issue(grant, 90 * 24 * 3600)
      const user = data.users.find((candidate) => candidate.id === grant.userId)
      if (extra.flags?.has('openid') && user) body.id_token = idToken(user, grant.clientId)
    }
    sendJson(exchange.res, 200, body)
  }

  const token = (exchange: Exchange) => {
    if (!knownTenant(exchange.params.tenant)) {
      return aadError(exchange, 400, 'invalid_request', 90_002, `Tenant '${exchange.params.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`)
    }
    const isForm = mediaType(exchange.req.headers['content-type']) === 'application/x-www-form-urlencoded' && typeof exchange.body === 'object'
    const form = (isForm ? exchange.body : {}) as Record<string, string>
    if (!form.grant_type) {
      return aadError(exchange, 400, 'invalid_request', 900_144, "The request body must contain the following parameter: 'grant_type'.")
    }
    const client = clientSecretOf(exchange, form)
    if (client.id !== credentials.clientId) {
      return aadError(exchange, 400, 'unauthorized_client', 700_016, `Application with identifier '${client.id ?? ''}' was not found in the directory '${credentials.tenantDomain}'.`)
    }
    if (client.secret !== undefined && client.secret !== credentials.clientSecret) {
      return aadError(exchange, 401, 'invalid_client', 7_000_215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.')
    }
    switch (form.grant_type) {
      case 'client_credentials': {
        if (['common', 'organizations'].includes(exchange.params.tenant.toLowerCase())) {
          return aadError(exchange, 400, 'invalid_request', 900_023, `Specified tenant identifier '${exchange.params.tenant}' is neither a valid DNS name, nor a valid external domain.`)
        }
        if (client.secret === undefined) {
          return aadError(exchange, 401, 'invalid_client', 7_000_218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        }
        const scope = parseScope(form.scope ?? '')
        if ('error' in scope) return aadError(exchange, 400, ...scope.error)
        if (!scope.usesDefault || scope.permissions.length > 0 || scope.flags.size > 0) {
          return aadError(exchange, 400, 'invalid_scope', 1_002_012, `The provided value for scope ${form.scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`)
        }
        return tokenResponse(exchange, {clientId: credentials.clientId, kind: 'app', permissions: [...applicationPermissions]})
      }
      case 'authorization_code': {
        const pending = codes.get(form.code ?? '')
        if (!pending || pending.expiresAt <= Date.now()) {
          return aadError(exchange, 400, 'invalid_grant', 70_008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.')
        }
        codes.delete(form.code ?? '')
        if (pending.clientId !== client.id) return aadError(exchange, 400, 'invalid_grant', 70_000, 'The provided value for the code parameter is not valid.')
        if (pending.redirectUri !== form.redirect_uri) {
          return aadError(exchange, 400, 'invalid_grant', 500_112, 'The reply address does not match the reply address provided when requesting the authorization code.')
        }
        if (pending.challenge !== undefined) {
          const verifier = form.code_verifier ?? ''
          const derived = pending.challengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier
          if (!verifier || derived !== pending.challenge) {
            return aadError(exchange, 400, 'invalid_grant', 501_481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.')
          }
        }
        return tokenResponse(exchange, {clientId: pending.clientId, kind: 'delegated', permissions: pending.permissions, userId: pending.userId}, pending)
      }
      case 'refresh_token': {
        const previous = refreshTokens.check(`Bearer ${form.refresh_token ?? ''}`)
        if (previous.status !== 'valid') {
          return aadError(exchange, 400, 'invalid_grant', 50_173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.')
        }
        if (previous.grant.clientId !== client.id) return aadError(exchange, 400, 'invalid_grant', 70_000, 'The refresh token was issued to another client.')
        // Entra returns a new refresh token; the old one stays valid until it expires or is revoked.
        return tokenResponse(exchange, previous.grant, {flags: new Set(['offline_access'])})
      }
      default: {
        return aadError(exchange, 400, 'unsupported_grant_type', 70_003, `The app requested an unsupported grant type '${form.grant_type}'.`)
      }
    }
  }

  const isLoopbackRedirect = (value: string) => {
    try {
      const url = new URL(value)
      return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)
    } catch {
      return false
    }
  }

  const authorize = (exchange: Exchange) => {
    const {query} = exchange.request
    const errorPage = (code: number, text: string) =>
      exchange.res.writeHead(400, {'content-type': 'text/html; charset=utf-8'}).end(`<html><body><h1>Sign in</h1><p>AADSTS${code}: ${text}</p></body></html>`)
    if (!knownTenant(exchange.params.tenant)) return errorPage(90_002, `Tenant '${exchange.params.tenant}' not found.`)
    if (query.client_id !== credentials.clientId) return errorPage(700_016, `Application with identifier '${query.client_id ?? ''}' was not found in the directory.`)
    // Loopback redirect URIs may use any port (Entra's rule for native clients); nothing else is registered.
    if (!isLoopbackRedirect(query.redirect_uri ?? '')) {
      return errorPage(50_011, `The redirect URI '${query.redirect_uri ?? ''}' specified in the request does not match the redirect URIs configured for the application.`)
    }
    const back = (params: Record<string, string>) => {
      const url = new URL(query.redirect_uri)
      for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
      if (query.state !== undefined) url.searchParams.set('state', query.state)
      exchange.res.writeHead(302, {location: url.href}).end()
    }
    const fail = (error: string, code: number, text: string) => back({error, error_description: `AADSTS${code}: ${text}`})
    if (query.response_type !== 'code') return fail('unsupported_response_type', 900_144, "The request must contain response_type 'code'.")
    if (!query.code_challenge) return fail('invalid_request', 9_002_325, 'Proof Key for Code Exchange is required for this client.')
    if (!['plain', 'S256', undefined].includes(query.code_challenge_method)) return fail('invalid_request', 501_491, 'Invalid code_challenge_method.')
    const scope = parseScope(query.scope ?? '')
    if ('error' in scope) return fail('invalid_scope', scope.error[1], scope.error[2])
    if (!query.scope) return fail('invalid_request', 900_144, "The request body must contain the following parameter: 'scope'.")
    if (deny) return fail('access_denied', 65_004, 'User declined to consent to access the app.')
    const code = `1.AXoA${randomSecret(48)}`
    codes.set(code, {
      challenge: query.code_challenge,
      challengeMethod: query.code_challenge_method ?? 'plain',
      clientId: query.client_id,
      expiresAt: Date.now() + 10 * 60 * 1000,
      flags: scope.flags,
      permissions: scope.usesDefault ? [...new Set([...delegatedPermissions, ...scope.permissions])] : scope.permissions,
      redirectUri: query.redirect_uri,
      resource: scope.resource,
      userId: signedInUser.id,
    })
    back({code, session_state: randomUUID()})
  }

  // --- Microsoft Graph ----------------------------------------------------------------------------------------------

  /** Graph's error body: `{error: {code, message, innerError: {date, request-id, client-request-id}}}`. */
  const graphError = (exchange: Exchange, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
    const requestId = randomUUID()
    sendJson(
      exchange.res,
      status,
      {error: {code, innerError: {'client-request-id': requestId, date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': requestId}, message}},
      {'request-id': requestId, ...headers},
    )
  }

  const grants = new WeakMap<Exchange, Grant>()

  const guard = (exchange: Exchange): boolean => {
    const checked = accessTokens.check(exchange.req.headers.authorization)
    if (checked.status !== 'valid') {
      const message =
        checked.status === 'missing'
          ? 'Access token is empty.'
          : checked.status === 'expired'
            ? 'Lifetime validation failed, the token is expired.'
            : 'IDX14100: JWT is not well formed, there are no dots (.).'
      graphError(exchange, 401, 'InvalidAuthenticationToken', message, {
        'www-authenticate': `Bearer realm="", authorization_uri="${loginOrigin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
      })
      return false
    }
    const retryAfter = rateLimit.take()
    if (retryAfter !== undefined) {
      graphError(exchange, 429, 'TooManyRequests', 'Too many requests are being made. Please try again later.', {'retry-after': String(retryAfter)})
      return false
    }
    grants.set(exchange, checked.grant)
    return true
  }

  /**
   * May this grant make this call? Each alternative lists permissions that are all needed (`A+B`); `app`/`delegated`
   * undefined means that kind of token is not supported at all.
   */
  const permitted = (exchange: Exchange, need: {app?: string[]; delegated?: string[]}): Grant | undefined => {
    const grant = grants.get(exchange) as Grant
    const alternatives = grant.kind === 'app' ? need.app : need.delegated
    if (alternatives?.some((alternative) => alternative.split('+').every((permission) => grant.permissions.includes(permission)))) return grant
    graphError(exchange, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')
    return undefined
  }

  const findUser = (exchange: Exchange, key: string): GraphUser | undefined => {
    const user = data.users.find((candidate) => candidate.id === key.toLowerCase() || candidate.userPrincipalName.toLowerCase() === key.toLowerCase())
    if (!user) {
      graphError(exchange, 404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`)
    }
    return user
  }

  const readUsers = {
    app: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    delegated: ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  }

  const projection = (exchange: Exchange, allowed: string[], defaults: string[]): string[] | undefined => {
    const select = exchange.request.query.$select
    if (select === undefined) return defaults
    const fields = select.split(',').map((field) => field.trim()).filter(Boolean)
    const unknown = fields.find((field) => !allowed.some((name) => name.toLowerCase() === field.toLowerCase()))
    if (unknown) {
      graphError(exchange, 400, 'BadRequest', `Could not find a property named '${unknown}' on type 'microsoft.graph.user'.`)
      return undefined
    }
    return fields.map((field) => allowed.find((name) => name.toLowerCase() === field.toLowerCase()) as string)
  }

  const project = (row: Record<string, unknown>, fields: string[]) => Object.fromEntries(fields.map((field) => [field, row[field] ?? null]))
  const userProperties = Object.keys(data.users[0]).filter((key) => key !== 'members')

  /** A collection answer with OData paging: `$top` (1–999), `@odata.nextLink` with a `$skiptoken` carrying the offset. */
  const collection = (exchange: Exchange, context: string, rows: Array<Record<string, unknown>>, count?: boolean) => {
    const {query} = exchange.request
    if (query.$skip !== undefined) return graphError(exchange, 400, 'Request_BadRequest', "'$skip' is not supported by the service.")
    const top = query.$top === undefined ? 100 : Number(query.$top)
    if (!Number.isInteger(top) || top < 1 || top > 999) return graphError(exchange, 400, 'Request_BadRequest', `Invalid page size specified: '${query.$top}'. Must be between 1 and 999 inclusive.`)
    let offset = 0
    if (query.$skiptoken !== undefined) {
      offset = Number(Buffer.from(query.$skiptoken, 'base64url').toString('utf8').replace(/^offset:/, ''))
      if (!Number.isInteger(offset) || offset < 0) return graphError(exchange, 400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.')
    }
    const body: Record<string, unknown> = {'@odata.context': `${graphOrigin}/v1.0/$metadata#${context}`}
    if (count) body['@odata.count'] = rows.length
    if (offset + top < rows.length) {
      const next = new URL(exchange.url.pathname, graphOrigin)
      for (const [key, value] of Object.entries(query)) if (key !== '$skiptoken') next.searchParams.set(key, value)
      next.searchParams.set('$top', String(top))
      next.searchParams.set('$skiptoken', Buffer.from(`offset:${offset + top}`).toString('base64url'))
      body['@odata.nextLink'] = next.href.replaceAll('%24', '$')
    }
    body.value = rows.slice(offset, offset + top)
    sendJson(exchange.res, 200, body)
  }

  const eventual = (exchange: Exchange) => String(exchange.req.headers.consistencylevel ?? '').toLowerCase() === 'eventual'

  const listUsers = (exchange: Exchange) => {
    if (!permitted(exchange, readUsers)) return
    const {query} = exchange.request
    const fields = projection(exchange, userProperties, defaultUserProperties)
    if (!fields) return
    const counting = query.$count?.toLowerCase() === 'true'
    let rows = data.users as Array<Record<string, unknown>>
    if (query.$filter !== undefined) {
      let compiled: {advanced?: string; predicate: (row: Record<string, unknown>) => boolean}
      try {
        compiled = compileODataFilter(query.$filter, userProperties)
      } catch (error) {
        return graphError(exchange, 400, 'BadRequest', (error as Error).message)
      }
      if (compiled.advanced && !(eventual(exchange) && counting)) {
        return graphError(
          exchange,
          400,
          'Request_UnsupportedQuery',
          `Operator '${compiled.advanced}' is not supported because the required parameters might be missing. Try adding $count with a value of true and set the ConsistencyLevel header to eventual.`,
        )
      }
      rows = rows.filter((row) => compiled.predicate(row))
    }
    if (query.$search !== undefined) {
      if (!eventual(exchange)) return graphError(exchange, 400, 'Request_UnsupportedQuery', 'Request with $search query parameter only works through MSGraph with a special request header: \'ConsistencyLevel: eventual\'')
      const match = /^"(\w+):([^"]*)"$/.exec(query.$search)
      if (!match) return graphError(exchange, 400, 'Request_UnsupportedQuery', 'Invalid search query: use "property:text".')
      rows = rows.filter((row) => String(row[match[1]] ?? '').toLowerCase().includes(match[2].toLowerCase()))
    }
    if (counting && !eventual(exchange)) {
      return graphError(exchange, 400, 'Request_BadRequest', 'The $count query parameter requires the ConsistencyLevel header set to eventual.')
    }
    if (query.$orderby !== undefined) {
      if (query.$filter !== undefined && !(eventual(exchange) && counting)) {
        return graphError(exchange, 400, 'Request_UnsupportedQuery', 'Sorting with $filter requires $count=true and the ConsistencyLevel header set to eventual.')
      }
      const [field, direction] = query.$orderby.trim().split(/\s+/)
      const sign = direction?.toLowerCase() === 'desc' ? -1 : 1
      rows = [...rows].sort((a, b) => sign * String(a[field] ?? '').localeCompare(String(b[field] ?? '')))
    }
    const context = query.$select === undefined ? 'users' : `users(${fields.join(',')})`
    collection(exchange, context, rows.map((row) => project(row, fields)), counting)
  }

  const routes: Route[] = [
    {
      handler(exchange) {
        const grant = permitted(exchange, {
          app: ['Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
          delegated: ['User.Read', 'Organization.Read.All', 'Directory.Read.All'],
        })
        if (!grant) return
        // Delegated User.Read alone sees only id, displayName and verifiedDomains (reference §4).
        const full = grant.kind === 'app' || ['Organization.Read.All', 'Directory.Read.All'].some((permission) => grant.permissions.includes(permission))
        const org = full ? data.organization : project(data.organization, ['displayName', 'id', 'verifiedDomains'])
        sendJson(exchange.res, 200, {'@odata.context': `${graphOrigin}/v1.0/$metadata#organization`, value: [org]})
      },
      method: 'GET',
      path: '/v1.0/organization',
    },
    {handler: listUsers, method: 'GET', path: '/v1.0/users'},
    {
      handler(exchange) {
        const grant = grants.get(exchange) as Grant
        const self = grant.kind === 'delegated' && [grant.userId, signedInUser.userPrincipalName.toLowerCase()].includes(exchange.params.id.toLowerCase())
        if (!permitted(exchange, self ? {delegated: ['User.Read', ...readUsers.delegated]} : readUsers)) return
        const fields = projection(exchange, userProperties, defaultUserProperties)
        const user = fields && findUser(exchange, exchange.params.id)
        if (!fields || !user) return
        const context = exchange.request.query.$select === undefined ? 'users/$entity' : `users(${fields.join(',')})/$entity`
        sendJson(exchange.res, 200, {'@odata.context': `${graphOrigin}/v1.0/$metadata#${context}`, ...project(user, fields)})
      },
      method: 'GET',
      path: '/v1.0/users/:id',
    },
    {
      handler(exchange) {
        if (mediaType(exchange.req.headers['content-type']) !== 'application/json') {
          return graphError(exchange, 400, 'BadRequest', 'Write requests (excluding DELETE) must contain the Content-Type header declaration.')
        }
        const body = exchange.body as Record<string, unknown> | undefined
        if (!body || typeof body !== 'object' || Array.isArray(body)) return graphError(exchange, 400, 'BadRequest', 'Empty Payload. JSON content expected.')
        const invalid = Object.keys(body).find((key) => !writableUserProperties.has(key))
        if (invalid) return graphError(exchange, 400, 'Request_BadRequest', `Invalid property '${invalid}'.`)
        const onlyEnable = Object.keys(body).every((key) => key === 'accountEnabled')
        const need = [...(onlyEnable ? ['User.EnableDisableAccount.All+User.Read.All'] : []), 'User.ReadWrite.All', 'Directory.ReadWrite.All']
        if (!permitted(exchange, {app: need, delegated: need})) return
        const user = findUser(exchange, exchange.params.id)
        if (!user) return
        Object.assign(user, body)
        sendEmpty(exchange.res, 204)
      },
      method: 'PATCH',
      path: '/v1.0/users/:id',
    },
    {
      handler(exchange) {
        if (!permitted(exchange, {app: ['Directory.Read.All', 'Directory.ReadWrite.All'], delegated: ['User.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All']})) return
        const user = findUser(exchange, exchange.params.id)
        if (!user) return
        const memberships = data.groups
          .filter((group) => group.members.includes(user.id))
          .map(({members: _members, ...group}) => ({'@odata.type': '#microsoft.graph.group', ...group}))
        collection(exchange, 'directoryObjects', memberships)
      },
      method: 'GET',
      path: '/v1.0/users/:id/memberOf',
    },
    {
      handler(exchange) {
        if (!permitted(exchange, {delegated: ['LicenseAssignment.Read.All', 'User.Read.All', 'Directory.Read.All']})) return
        const user = findUser(exchange, exchange.params.id)
        if (!user) return
        const details = user.assignedLicenses.map((license) => ({
          id: createHash('sha256').update(user.id + license.skuId).digest('base64url').slice(0, 43),
          servicePlans: [
            {appliesTo: 'User', provisioningStatus: 'Success', servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0', servicePlanName: 'EXCHANGE_S_ENTERPRISE'},
            {appliesTo: 'User', provisioningStatus: 'Success', servicePlanId: '5dbe027f-2339-4123-9542-606e4d348a72', servicePlanName: 'SHAREPOINTENTERPRISE'},
          ],
          skuId: license.skuId,
          skuPartNumber: 'SPE_E3',
        }))
        collection(exchange, `users('${user.id}')/licenseDetails`, details)
      },
      method: 'GET',
      path: '/v1.0/users/:id/licenseDetails',
    },
    {
      handler(exchange) {
        // Delegated only: there is no application permission for resetPassword (reference §4).
        if (!permitted(exchange, {delegated: ['UserAuthenticationMethod.ReadWrite.All']})) return
        const user = findUser(exchange, exchange.params.id)
        if (!user) return
        const body = exchange.body as {newPassword?: unknown} | undefined
        if (body !== undefined && mediaType(exchange.req.headers['content-type']) !== 'application/json') {
          return graphError(exchange, 400, 'BadRequest', 'Write requests (excluding DELETE) must contain the Content-Type header declaration.')
        }
        if (body !== undefined && (typeof body !== 'object' || (body.newPassword !== undefined && typeof body.newPassword !== 'string'))) {
          return graphError(exchange, 400, 'BadRequest', 'newPassword must be a string.')
        }
        const operationId = randomUUID()
        const now = new Date().toISOString()
        operations.set(operationId, {createdDateTime: now, id: operationId, lastActionDateTime: now, resourceLocation: `${graphOrigin}/v1.0/users/${user.id}`, status: 'succeeded', statusDetail: null})
        const location = `${graphOrigin}/v1.0/users/${user.id}/authentication/operations/${operationId}`
        // Without newPassword, Microsoft generates one and returns it in the body.
        if (body?.newPassword === undefined) sendJson(exchange.res, 202, {newPassword: `Tmp!${randomSecret(9)}`}, {location})
        else sendEmpty(exchange.res, 202, {location})
      },
      method: 'POST',
      path: `/v1.0/users/:id/authentication/methods/${passwordMethodId}/resetPassword`,
    },
    {
      handler(exchange) {
        if (!permitted(exchange, {delegated: ['UserAuthenticationMethod.ReadWrite.All', 'UserAuthenticationMethod.Read.All']})) return
        const operation = operations.get(exchange.params.operation)
        if (!operation) return graphError(exchange, 404, 'itemNotFound', 'The requested operation was not found.')
        sendJson(exchange.res, 200, {'@odata.context': `${graphOrigin}/v1.0/$metadata#users('${exchange.params.id}')/authentication/operations/$entity`, ...operation})
      },
      method: 'GET',
      path: '/v1.0/users/:id/authentication/operations/:operation',
    },
    {
      handler(exchange) {
        const need = ['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']
        if (!permitted(exchange, {app: need, delegated: need})) return
        const user = findUser(exchange, exchange.params.id)
        if (!user) return
        refreshTokens.revokeWhere((grant) => grant.userId === user.id)
        sendJson(exchange.res, 200, {'@odata.context': `${graphOrigin}/v1.0/$metadata#Edm.Boolean`, value: true})
      },
      method: 'POST',
      path: '/v1.0/users/:id/revokeSignInSessions',
    },
    {
      handler(exchange) {
        const need = ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All']
        if (!permitted(exchange, {app: need, delegated: need})) return
        if (mediaType(exchange.req.headers['content-type']) !== 'application/json') {
          return graphError(exchange, 400, 'BadRequest', 'Write requests (excluding DELETE) must contain the Content-Type header declaration.')
        }
        const group = data.groups.find((candidate) => candidate.id === exchange.params.id.toLowerCase())
        if (!group) {
          return graphError(exchange, 404, 'Request_ResourceNotFound', `Resource '${exchange.params.id}' does not exist or one of its queried reference-property objects are not present.`)
        }
        const reference = String((exchange.body as Record<string, unknown> | undefined)?.['@odata.id'] ?? '')
        const match = /^(https:\/\/[^/]+)\/v1\.0\/(?:directoryObjects|users)\/([^/?#]+)$/i.exec(reference)
        const member = match && [publicGraph, graphOrigin].includes(match[1]) ? data.users.find((user) => user.id === match[2].toLowerCase()) : undefined
        if (!member) return graphError(exchange, 400, 'Request_BadRequest', `Invalid object identifier '${reference}'.`)
        if (group.members.includes(member.id)) {
          return graphError(exchange, 400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'members'.")
        }
        group.members.push(member.id)
        sendEmpty(exchange.res, 204)
      },
      method: 'POST',
      path: '/v1.0/groups/:id/members/$ref',
    },
  ]

  const login = await startVendorServer({
    notFound: ({res}) => res.writeHead(404, {'content-type': 'text/html'}).end('<html><body>Not found</body></html>'),
    requests,
    routes: [
      {handler: token, method: 'POST', open: true, path: '/:tenant/oauth2/v2.0/token'},
      {handler: authorize, method: 'GET', open: true, path: '/:tenant/oauth2/v2.0/authorize'},
    ],
  })
  loginOrigin = login.origin
  const graph = await startVendorServer({
    guard,
    notFound: (exchange) => graphError(exchange, 400, 'BadRequest', `Resource not found for the segment '${exchange.url.pathname.split('/').at(-1) ?? ''}'.`),
    requests,
    routes,
  })
  graphOrigin = graph.origin

  return {
    authorizeUrl: `${loginOrigin}/${credentials.tenant}/oauth2/v2.0/authorize`,
    async close() {
      await Promise.all([login.close(), graph.close()])
    },
    credentials,
    data,
    denyConsent(value: boolean) {
      deny = value
    },
    expireTokens: () => accessTokens.expireAll(),
    loginUrl: loginOrigin,
    origin: graphOrigin,
    rateLimitNext: (count, retryAfterSeconds) => rateLimit.arm(count, retryAfterSeconds),
    requests,
    setApplicationPermissions(permissions: string[]) {
      applicationPermissions = [...permissions]
    },
    signedInUser,
    tokenUrl: `${loginOrigin}/${credentials.tenant}/oauth2/v2.0/token`,
  }
}

// --- $filter: `accountEnabled eq true and startswith(displayName,'A')` ---------------------------------------------
// The subset of OData Graph supports on users: eq ne gt ge lt le, in (…), startswith/endswith(), and/or/not,
// parentheses. `ne`, `not` and `endswith` are "advanced" (they need ConsistencyLevel: eventual and $count=true).
// Hand-written because no maintained library evaluates OData filters against plain objects.

type ODataToken = {kind: 'comma' | 'name' | 'paren' | 'value'; text: string; value?: unknown}

function tokenizeOData(text: string): ODataToken[] {
  const tokens: ODataToken[] = []
  let index = 0
  while (index < text.length) {
    const rest = text.slice(index)
    let match: RegExpExecArray | null
    if ((match = /^\s+/.exec(rest))) {
      index += match[0].length
    } else if ((match = /^'((?:[^']|'')*)'/.exec(rest))) {
      tokens.push({kind: 'value', text: match[0], value: match[1].replaceAll("''", "'")})
      index += match[0].length
    } else if ((match = /^-?\d+(\.\d+)?\b/.exec(rest))) {
      tokens.push({kind: 'value', text: match[0], value: Number(match[0])})
      index += match[0].length
    } else if ((match = /^[A-Za-z_][\w.]*/.exec(rest))) {
      const lower = match[0].toLowerCase()
      if (['false', 'null', 'true'].includes(lower)) tokens.push({kind: 'value', text: match[0], value: JSON.parse(lower)})
      else tokens.push({kind: 'name', text: match[0]})
      index += match[0].length
    } else if (rest[0] === '(' || rest[0] === ')') {
      tokens.push({kind: 'paren', text: rest[0]})
      index += 1
    } else if (rest[0] === ',') {
      tokens.push({kind: 'comma', text: ','})
      index += 1
    } else {
      throw new Error(`Invalid filter clause: unexpected '${rest[0]}'.`)
    }
  }
  return tokens
}

function compileODataFilter(text: string, properties: string[]): {advanced?: string; predicate: (row: Record<string, unknown>) => boolean} {
  type Predicate = (row: Record<string, unknown>) => boolean
  const tokens = tokenizeOData(text)
  let position = 0
  let advanced: string | undefined
  const peek = () => tokens[position]
  const isWord = (word: string) => peek()?.kind === 'name' && peek().text.toLowerCase() === word
  const expect = (textValue: string) => {
    if (tokens[position]?.text !== textValue) throw new Error(`Invalid filter clause: expected '${textValue}'.`)
    position++
  }
  const property = (): string => {
    const token = tokens[position++]
    if (token?.kind !== 'name') throw new Error('Invalid filter clause: expected a property.')
    const name = properties.find((candidate) => candidate.toLowerCase() === token.text.toLowerCase())
    if (!name) throw new Error(`Could not find a property named '${token.text}' on type 'microsoft.graph.user'.`)
    return name
  }
  const literal = (): unknown => {
    const token = tokens[position++]
    if (token?.kind !== 'value') throw new Error('Invalid filter clause: expected a literal.')
    return token.value
  }
  const fold = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value)
  const primary = (): Predicate => {
    if (isWord('not')) {
      position++
      advanced ??= 'not'
      const inner = primary()
      return (row) => !inner(row)
    }
    if (peek()?.text === '(') {
      position++
      const inner = orExpression()
      expect(')')
      return inner
    }
    if ((isWord('startswith') || isWord('endswith')) && tokens[position + 1]?.text === '(') {
      const name = tokens[position].text.toLowerCase()
      position += 2
      const field = property()
      expect(',')
      const value = String(literal()).toLowerCase()
      expect(')')
      if (name === 'endswith') {
        advanced ??= 'endsWith'
        return (row) => String(row[field] ?? '').toLowerCase().endsWith(value)
      }
      return (row) => String(row[field] ?? '').toLowerCase().startsWith(value)
    }
    const field = property()
    const operator = tokens[position++]
    const op = operator?.kind === 'name' ? operator.text.toLowerCase() : ''
    if (op === 'in') {
      expect('(')
      const values = [fold(literal())]
      while (peek()?.kind === 'comma') {
        position++
        values.push(fold(literal()))
      }
      expect(')')
      return (row) => values.includes(fold(row[field]))
    }
    const value = fold(literal())
    switch (op) {
      case 'eq': {
        return (row) => fold(row[field] ?? null) === value
      }
      case 'ne': {
        advanced ??= 'ne'
        return (row) => fold(row[field] ?? null) !== value
      }
      case 'ge': {
        return (row) => (fold(row[field]) as number) >= (value as number)
      }
      case 'gt': {
        return (row) => (fold(row[field]) as number) > (value as number)
      }
      case 'le': {
        return (row) => (fold(row[field]) as number) <= (value as number)
      }
      case 'lt': {
        return (row) => (fold(row[field]) as number) < (value as number)
      }
      default: {
        throw new Error(`Invalid filter clause: unsupported operator '${operator?.text ?? ''}'.`)
      }
    }
  }
  const andExpression = (): Predicate => {
    const parts = [primary()]
    while (isWord('and')) {
      position++
      parts.push(primary())
    }
    return (row) => parts.every((part) => part(row))
  }
  const orExpression = (): Predicate => {
    const parts = [andExpression()]
    while (isWord('or')) {
      position++
      parts.push(andExpression())
    }
    return (row) => parts.some((part) => part(row))
  }
  const predicate = orExpression()
  if (position < tokens.length) throw new Error(`Invalid filter clause: unexpected '${tokens[position].text}'.`)
  return {advanced, predicate}
}
