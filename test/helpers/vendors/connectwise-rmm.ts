// ConnectWise RMM (Asio platform) emulator: OAuth client credentials at /v1/token with a JSON body and the platform
// API endpoints of the app's tools (shared/reference/catalog-vendors.md §8; community clients, no vendor doc).
//
// Token: POST /v1/token, JSON {grant_type: "client_credentials", client_id, client_secret, scope} → {access_token, …};
// too many sign-ins lock the key: 423. Verification: the token, then GET /api/platform/v1/company/companies.
//
// Tools the `connectwise-rmm` app should expose (R = read, W = write):
//   list_companies  R  GET  /api/platform/v1/company/companies
//   list_sites      R  GET  /api/platform/v1/company/companies/{companyId}/sites       companyId
//   list_devices    R  GET  /api/platform/v1/device/endpoints                           limit, clientId; or
//                          GET  /api/platform/v1/device/clients/{clientId}/endpoints   → {endpoints: […]}; 404 = none or past the last page
//   get_device      R  GET  /api/platform/v1/device/endpoints/{endpointId}             endpointId
//   run_script      W  POST /api/platform/v2/automation/endpoints/schedule-tasks       JSON {templateID, templateType: "script", targets: [endpointId],
//                          targetType: "MANAGED_ENDPOINT", schedule: {regularity: "RunNow"}, name?, description?, parameters?}
//                          → 201 {taskId}: the job id. ConnectWise offers no confirmed status read for it (†), so no status tool.
// Ticket and alert paths are † in the reference: not served.
//
// Scopes: companies need platform.companies.read, sites platform.sites.read, devices platform.devices.read, scheduling
// platform.automation.create (403 otherwise).
// Unconfirmed (†) and modelled here: token fields beyond access_token; OAuth error codes (401 invalid_client, 400
// invalid_scope); the `{message}` error body and 423's wording; the shapes of companies and sites (bare arrays, as
// community clients read them) and of one endpoint; paging past `limit` with `cursor` and a `Link: rel="next"` header;
// 201 with `taskId` (as one community client reads it).
import {randomUUID} from 'node:crypto'

import {
  BearerTokens,
  type Exchange,
  mediaType,
  RateLimit,
  randomSecret,
  type Route,
  sendJson,
  startVendorServer,
  type VendorRequest,
} from './emulator.js'

export const CW_RMM_SCOPES = [
  'platform.companies.read',
  'platform.sites.read',
  'platform.devices.read',
  'platform.tickets.read',
  'platform.tickets.create',
  'platform.automation.read',
  'platform.automation.create',
]

export interface CwRmmCredentials {
  clientId: string
  clientSecret: string
}

export interface CwRmmEmulatorOptions extends Partial<CwRmmCredentials> {
  /** Scopes picked for the key in Asio (default all of CW_RMM_SCOPES). */
  scopes?: string[]
  /** Sign-ins (token requests for this key, good or bad) after which the key locks (default: never). */
  signInLimit?: number
  /** Access-token lifetime (default 3600 s). */
  tokenLifetimeSeconds?: number
}

export interface CwRmmScheduledTask {
  body: Record<string, unknown>
  taskId: string
}

export interface CwRmmEmulator {
  close(): Promise<void>
  credentials: CwRmmCredentials
  /** Every access token issued so far expires now (the next call gets 401). */
  expireTokens(): void
  /** Lock the key: every sign-in with it answers 423 until `unlockKey()`. */
  lockKey(): void
  /** `https://127.0.0.1:<port>`: the region's API URL, what the `instance` field takes. */
  origin: string
  /** The next `count` requests get 429 with `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void
  requests: VendorRequest[]
  /** Scripts scheduled, in order. */
  scheduledTasks: CwRmmScheduledTask[]
  /** How many access tokens were issued. */
  readonly tokensIssued: number
  unlockKey(): void
}

const COMPANIES = [
  {id: '5b1d0c2e-0000-4000-8000-000000000001', name: 'Harbor Dental Group'},
  {id: '5b1d0c2e-0000-4000-8000-000000000002', name: 'Northline Architecture'},
  {id: '5b1d0c2e-0000-4000-8000-000000000003', name: 'Old Prospect Ltd'},
].map((company, index) => ({...company, externalIds: [{externalId: String(19_300 + index)}], status: 'Active', type: 'Customer'}))

const SITES = [
  {companyIndex: 0, id: '7a2e0000-0000-4000-8000-000000000011', name: 'Main office'},
  {companyIndex: 0, id: '7a2e0000-0000-4000-8000-000000000012', name: 'Imaging suite'},
  {companyIndex: 1, id: '7a2e0000-0000-4000-8000-000000000021', name: 'Durham studio'},
].map(({companyIndex, ...site}) => ({...site, address: {city: 'Raleigh', line1: '410 Harbor St', state: 'NC'}, companyId: COMPANIES[companyIndex].id}))

const ENDPOINTS = [
  {friendlyName: 'HDG-DC01', osName: 'Windows Server 2022 Standard', resourceType: 'Server', siteIndex: 0},
  {friendlyName: 'HDG-FRONTDESK', osName: 'Windows 11 Pro', resourceType: 'Desktop', siteIndex: 0},
  {friendlyName: 'HDG-XRAY', osName: 'Windows 10 Pro', resourceType: 'Desktop', siteIndex: 1},
  {friendlyName: 'NLA-WS-04', osName: 'Windows 11 Pro', resourceType: 'Desktop', siteIndex: 2},
  {friendlyName: 'NLA-WS-05', osName: 'Windows 11 Pro', resourceType: 'Desktop', siteIndex: 2},
].map(({siteIndex, ...endpoint}, index) => ({
  ...endpoint,
  availability: index === 2 ? 'Offline' : 'Online',
  clientId: SITES[siteIndex].companyId,
  endpointId: `e0e0e0e0-0000-4000-8000-0000000000${String(index + 1).padStart(2, '0')}`,
  lastSeen: '2026-12-01T09:30:00Z',
  siteId: SITES[siteIndex].id,
}))
type Endpoint = (typeof ENDPOINTS)[number]

/** Scripts in the key's script library (template ids). */
const SCRIPT_TEMPLATES = new Map([
  ['51a74346-e19b-11e7-9809-0800279505d9', 'Clear temp files'],
  ['51a74346-e19b-11e7-9809-0800279505da', 'Restart print spooler'],
])

/** Start a ConnectWise RMM emulator on https://127.0.0.1 (test CA). */
export async function startConnectWiseRmmEmulator(options: CwRmmEmulatorOptions = {}): Promise<CwRmmEmulator> {
  const credentials: CwRmmCredentials = {clientId: options.clientId ?? randomUUID(), clientSecret: options.clientSecret ?? randomSecret()}
  const keyScopes = options.scopes ?? CW_RMM_SCOPES
  const lifetime = options.tokenLifetimeSeconds ?? 3600
  const tokens = new BearerTokens<{scopes: string[]}>('cwrmm-')
  const rateLimit = new RateLimit()
  const requests: VendorRequest[] = []
  const scheduledTasks: CwRmmScheduledTask[] = []
  const state = {locked: false, signIns: 0, tokensIssued: 0}
  let origin = ''

  const fail = ({res}: Exchange, status: number, message: string) => sendJson(res, status, {message})
  const oauthError = ({res}: Exchange, status: number, error: string, description: string) => sendJson(res, status, {error, error_description: description})

  const limited = (exchange: Exchange): boolean => {
    const retryAfter = rateLimit.take()
    if (retryAfter === undefined) return false
    sendJson(exchange.res, 429, {message: 'Too many requests'}, {'retry-after': String(retryAfter)})
    return true
  }

  const guard = (exchange: Exchange): boolean => {
    if (limited(exchange)) return false
    const checked = tokens.check(exchange.req.headers.authorization)
    if (checked.status === 'valid') return true
    fail(exchange, 401, checked.status === 'expired' ? 'Token expired' : 'Unauthorized')
    return false
  }

  /** True when the token carries `scope`; 403 otherwise. */
  const scoped = (exchange: Exchange, scope: string): boolean => {
    const checked = tokens.check(exchange.req.headers.authorization)
    if (checked.status === 'valid' && checked.grant.scopes.includes(scope)) return true
    fail(exchange, 403, `Forbidden: the token lacks the ${scope} scope`)
    return false
  }

  const token = (exchange: Exchange) => {
    if (limited(exchange)) return
    if (mediaType(exchange.req.headers['content-type']) !== 'application/json') {
      return oauthError(exchange, 400, 'invalid_request', 'The token request body must be JSON')
    }
    const body = exchange.body as Record<string, unknown> | undefined
    if (!body || typeof body !== 'object' || Array.isArray(body)) return oauthError(exchange, 400, 'invalid_request', 'The token request body must be a JSON object')
    if (body.client_id === credentials.clientId) {
      state.signIns++
      if (options.signInLimit !== undefined && state.signIns > options.signInLimit) state.locked = true
      if (state.locked) return fail(exchange, 423, 'The API key is locked after too many sign-in attempts')
    }
    if (body.grant_type !== 'client_credentials') return oauthError(exchange, 400, 'unsupported_grant_type', `Unsupported grant type: ${String(body.grant_type)}`)
    if (body.client_id !== credentials.clientId || body.client_secret !== credentials.clientSecret) return oauthError(exchange, 401, 'invalid_client', 'Invalid client credentials')
    if (typeof body.scope !== 'string' || body.scope.trim() === '') return oauthError(exchange, 400, 'invalid_request', 'scope is required')
    const requested = body.scope.split(' ').filter(Boolean)
    const refused = requested.filter((scope) => !keyScopes.includes(scope))
    if (refused.length > 0) return oauthError(exchange, 400, 'invalid_scope', `Scope not granted to this key: ${refused.join(' ')}`)
    state.tokensIssued++
    sendJson(exchange.res, 200, {access_token: tokens.issue({scopes: requested}, lifetime), expires_in: lifetime, scope: requested.join(' '), token_type: 'Bearer'})
  }

  /** `{endpoints: […]}` paged by `limit` and an opaque `cursor`, `Link: rel="next"` while more remain; 404 when empty. */
  const endpointPage = (exchange: Exchange, endpoints: Endpoint[]) => {
    const {query} = exchange.request
    if (query.limit !== undefined && !/^\d+$/.test(query.limit)) return fail(exchange, 400, 'limit must be a whole number')
    const limit = Math.min(Math.max(Number(query.limit ?? 100), 1), 1000)
    let start = 0
    if (query.cursor !== undefined) {
      const decoded = Number(Buffer.from(query.cursor, 'base64url').toString('utf8').replace(/^offset:/, ''))
      if (!Number.isInteger(decoded) || decoded < 0) return fail(exchange, 400, 'Invalid cursor')
      start = decoded
    }
    const page = endpoints.slice(start, start + limit)
    if (page.length === 0) return fail(exchange, 404, 'resource not found')
    const headers: Record<string, string> = {}
    if (start + limit < endpoints.length) {
      const next = new URL(exchange.url.pathname, origin)
      for (const [name, value] of Object.entries({...query, cursor: Buffer.from(`offset:${start + limit}`).toString('base64url'), limit: String(limit)})) next.searchParams.set(name, value)
      headers.link = `<${next.href}>; rel="next"`
    }
    sendJson(exchange.res, 200, {endpoints: page}, headers)
  }

  const routes: Route[] = [
    {handler: token, method: 'POST', open: true, path: '/v1/token'},
    {
      handler(exchange) {
        if (scoped(exchange, 'platform.companies.read')) sendJson(exchange.res, 200, COMPANIES)
      },
      method: 'GET',
      path: '/api/platform/v1/company/companies',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'platform.sites.read')) return
        const company = COMPANIES.find((c) => c.id === exchange.params.companyId)
        if (!company) return fail(exchange, 404, 'resource not found')
        sendJson(exchange.res, 200, SITES.filter((site) => site.companyId === company.id))
      },
      method: 'GET',
      path: '/api/platform/v1/company/companies/:companyId/sites',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'platform.devices.read')) return
        const {clientId} = exchange.request.query
        endpointPage(exchange, ENDPOINTS.filter((endpoint) => clientId === undefined || endpoint.clientId === clientId))
      },
      method: 'GET',
      path: '/api/platform/v1/device/endpoints',
    },
    {
      handler(exchange) {
        if (scoped(exchange, 'platform.devices.read')) endpointPage(exchange, ENDPOINTS.filter((endpoint) => endpoint.clientId === exchange.params.clientId))
      },
      method: 'GET',
      path: '/api/platform/v1/device/clients/:clientId/endpoints',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'platform.devices.read')) return
        const endpoint = ENDPOINTS.find((e) => e.endpointId === exchange.params.endpointId)
        if (!endpoint) return fail(exchange, 404, 'resource not found')
        sendJson(exchange.res, 200, {...endpoint, agentVersion: '2.0.1.1234', domain: 'CORP', ipAddress: '10.3.0.12', serialNumber: `SN-${endpoint.friendlyName}`})
      },
      method: 'GET',
      path: '/api/platform/v1/device/endpoints/:endpointId',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'platform.automation.create')) return
        if (mediaType(exchange.req.headers['content-type']) !== 'application/json') return fail(exchange, 415, 'Content-Type must be application/json')
        const body = exchange.body as Record<string, unknown> | undefined
        if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(exchange, 400, 'The body must be a JSON object')
        if (typeof body.templateID !== 'string' || !SCRIPT_TEMPLATES.has(body.templateID)) return fail(exchange, 400, `Unknown templateID ${String(body.templateID)}`)
        if (body.templateType !== 'script') return fail(exchange, 400, 'templateType must be "script"')
        if (body.targetType !== 'MANAGED_ENDPOINT') return fail(exchange, 400, 'targetType must be "MANAGED_ENDPOINT"')
        const {targets} = body
        if (!Array.isArray(targets) || targets.length === 0 || targets.some((id) => !ENDPOINTS.some((endpoint) => endpoint.endpointId === id))) {
          return fail(exchange, 400, 'targets must be a non-empty array of known endpoint ids')
        }
        if ((body.schedule as {regularity?: unknown} | undefined)?.regularity !== 'RunNow') return fail(exchange, 400, 'schedule.regularity must be "RunNow"')
        if (body.parameters !== undefined && typeof body.parameters !== 'string') return fail(exchange, 400, 'parameters must be a JSON string')
        const task = {body, taskId: randomUUID()}
        scheduledTasks.push(task)
        sendJson(exchange.res, 201, {taskId: task.taskId})
      },
      method: 'POST',
      path: '/api/platform/v2/automation/endpoints/schedule-tasks',
    },
  ]

  const server = await startVendorServer({guard, notFound: (exchange) => fail(exchange, 404, 'resource not found'), requests, routes})
  origin = server.origin

  return {
    close: server.close,
    credentials,
    expireTokens: () => tokens.expireAll(),
    lockKey() {
      state.locked = true
    },
    origin,
    rateLimitNext: (count, retryAfterSeconds) => rateLimit.arm(count, retryAfterSeconds),
    requests,
    scheduledTasks,
    get tokensIssued() {
      return state.tokensIssued
    },
    unlockKey() {
      state.locked = false
      state.signIns = 0
    },
  }
}
