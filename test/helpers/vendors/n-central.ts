// N-able N-central emulator: the REST API of an N-central 2023.9+ server (shared/reference/catalog-vendors.md §9;
// request formats from eagle00789/PS-NCentral-RESTAPI, which the reference cites).
//
// Auth: the User-API token (a JWT made under Administration → User Management → Users → API Access) is exchanged at
// POST /api/auth/authenticate with `Authorization: Bearer {JWT}` for {tokens: {access: {token, expirySeconds: 3600},
// refresh: {token, expirySeconds: 90000}}}. POST /api/auth/refresh takes the refresh token as the text/plain body and
// answers the same shape. Calls use `Authorization: Bearer {access}`. Verification: authenticate, then GET
// /api/auth/validate. `X-ACCESS-EXPIRY-OVERRIDE` / `X-REFRESH-EXPIRY-OVERRIDE` (`120s`, `30m`, `1h`) shorten lifetimes.
//
// Tools the `n-central` app should expose (R = read, W = write; lists answer {data, pageNumber, pageSize, totalItems,
// totalPages}, paged with pageNumber (from 1) and pageSize (default 50, ≤1000)):
//   list_devices         R  GET  /api/devices                              filterId, pageNumber, pageSize, sortBy, sortOrder, select
//   get_device           R  GET  /api/devices/{deviceId}                   deviceId → {data: {…}}
//   list_device_filters  R  GET  /api/device-filters                       viewScope ALL|OWN_AND_USED, pageNumber, pageSize
//   active_issues        R  GET  /api/org-units/{orgUnitId}/active-issues  orgUnitId (no global route), pageNumber, pageSize
//   run_script           W  POST /api/scheduled-tasks/direct               JSON {name, itemId, taskType: AutomationPolicy|Script|MacScript,
//                            customerId, deviceId, credential?, parameters?} → 201 {data: {taskId}}: the job id
//   task_status          R  GET  /api/scheduled-tasks/{taskId}/status      taskId → {data: {taskId, status, …}}
//   create_customer      W  POST /api/service-orgs/{soId}/customers        soId; JSON {customerName, contactFirstName?, contactLastName?,
//                            contactEmail?, externalId?, phone?, street1?, city?, stateProv?, country?, postalCode?, licenseType?}
//
// Unconfirmed (†) and modelled here: the error body `{status, message}`; 401 for a wrong JWT or a bad or expired token;
// 403 when the API user has MFA on (the reference: MFA must be off); the refreshed pair (the old refresh token stays
// valid until it expires); the single-record `{data}` wrapper (the client reads `.data`); task statuses Queued →
// Running → Completed; the create-customer answer 201 {data: {customerId}}.
import {randomBytes} from 'node:crypto'

import {
  BearerTokens,
  type Exchange,
  JobProgress,
  mediaType,
  RateLimit,
  type Route,
  sendJson,
  startVendorServer,
  type VendorRequest,
} from './emulator.js'

export interface NCentralEmulatorOptions {
  /** Default access-token lifetime (3600 s). */
  accessLifetimeSeconds?: number
  /** The User-API token the server accepts (default: a fresh JWT-shaped string). */
  jwt?: string
  /** The API user has MFA on: authentication is refused. */
  mfaEnabled?: boolean
  /** Default refresh-token lifetime (90000 s). */
  refreshLifetimeSeconds?: number
}

export interface NCentralTask {
  body: Record<string, unknown>
  progress: JobProgress
  taskId: number
}

export interface NCentralEmulator {
  close(): Promise<void>
  /** The User-API JWT the server accepts. */
  credentials: {jwt: string}
  /** Customers created through the API. */
  customers: Array<Record<string, unknown>>
  /** Every access token issued so far expires now (the next call gets 401; the refresh tokens still work). */
  expireTokens(): void
  /** Every refresh token issued so far expires now (refresh gets 401: authenticate again). */
  expireRefreshTokens(): void
  /** The API user's MFA from now on. */
  mfaEnabled: boolean
  /** `https://127.0.0.1:<port>`: the server URL, what the `instance` field takes. */
  origin: string
  /** The next `count` requests get 429 with `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void
  requests: VendorRequest[]
  /** Direct scheduled tasks, by task id. */
  tasks: Map<number, NCentralTask>
  /** How many access tokens were issued (authentications and refreshes). */
  readonly tokensIssued: number
}

const TASK_STATES = ['Queued', 'Running', 'Completed']
const TASK_TYPES = new Set(['AutomationPolicy', 'MacScript', 'Script'])

const SERVICE_ORG = {orgUnitId: 50, orgUnitName: 'Acme MSP', orgUnitType: 'SO'}
const CUSTOMERS = [
  {customerId: 100, customerName: 'Harbor Dental Group'},
  {customerId: 101, customerName: 'Northline Architecture'},
]
const SITES = [
  {customerId: 100, siteId: 1001, siteName: 'Raleigh'},
  {customerId: 101, siteId: 1011, siteName: 'Durham'},
]

const DEVICES = [
  {deviceClass: 'Servers - Windows', deviceId: 2_000_001, longName: 'HDG-DC01', siteIndex: 0},
  {deviceClass: 'Workstations - Windows', deviceId: 2_000_002, longName: 'HDG-FRONTDESK', siteIndex: 0},
  {deviceClass: 'Workstations - Windows', deviceId: 2_000_003, longName: 'HDG-XRAY', siteIndex: 0},
  {deviceClass: 'Servers - Windows', deviceId: 2_000_011, longName: 'NLA-FS01', siteIndex: 1},
  {deviceClass: 'Workstations - Windows', deviceId: 2_000_012, longName: 'NLA-WS-04', siteIndex: 1},
].map(({siteIndex, ...device}) => {
  const site = SITES[siteIndex]
  const customer = CUSTOMERS.find((c) => c.customerId === site.customerId)!
  return {
    ...device,
    customerId: customer.customerId,
    customerName: customer.customerName,
    description: '',
    deviceClassLabel: device.deviceClass,
    discoveredName: device.longName,
    isProbe: false,
    lastLoggedInUser: 'jdoe',
    licenseMode: 'Professional',
    orgUnitId: site.siteId,
    siteId: site.siteId,
    siteName: site.siteName,
    soId: SERVICE_ORG.orgUnitId,
    soName: SERVICE_ORG.orgUnitName,
    stillLoggedIn: true,
    supportedOsLabel: device.deviceClass.startsWith('Servers') ? 'Microsoft Windows Server 2022 Standard' : 'Microsoft Windows 11 Pro',
  }
})
type Device = (typeof DEVICES)[number]

const DEVICE_FILTERS = [
  {description: 'All Windows servers', filterId: 501, filterName: 'Windows Servers', matches: (d: Device) => d.deviceClass.startsWith('Servers')},
  {description: 'All workstations', filterId: 502, filterName: 'Workstations', matches: (d: Device) => d.deviceClass.startsWith('Workstations')},
]

const ACTIVE_ISSUES = [
  {deviceIndex: 0, notifState: 'Failed', serviceName: 'Disk Space', status: 'Failed'},
  {deviceIndex: 2, notifState: 'Failed', serviceName: 'Agent Status', status: 'Failed'},
  {deviceIndex: 3, notifState: 'Warning', serviceName: 'Backup Status', status: 'Warning'},
].map(({deviceIndex, ...issue}, index) => ({
  ...issue,
  customerId: DEVICES[deviceIndex].customerId,
  deviceId: DEVICES[deviceIndex].deviceId,
  deviceName: DEVICES[deviceIndex].longName,
  siteId: DEVICES[deviceIndex].siteId,
  taskId: 9_000_001 + index,
  transitionTime: '2026-12-01T08:00:00Z',
}))

/** Every org unit below `orgUnitId`, itself included (SO → customers → sites). */
const orgUnitsUnder = (orgUnitId: number): Set<number> | undefined => {
  if (orgUnitId === SERVICE_ORG.orgUnitId) return new Set([orgUnitId, ...CUSTOMERS.map((c) => c.customerId), ...SITES.map((s) => s.siteId)])
  if (CUSTOMERS.some((c) => c.customerId === orgUnitId)) return new Set([orgUnitId, ...SITES.filter((s) => s.customerId === orgUnitId).map((s) => s.siteId)])
  if (SITES.some((s) => s.siteId === orgUnitId)) return new Set([orgUnitId])
  return undefined
}

/** `120s`, `30m`, `1h` (the expiry-override headers) in seconds; undefined when absent, NaN when malformed. */
const duration = (value: string | string[] | undefined): number | undefined => {
  if (value === undefined) return undefined
  const match = /^(\d+)([smhd])$/.exec(String(value).trim())
  if (!match) return Number.NaN
  return Number(match[1]) * {d: 86_400, h: 3600, m: 60, s: 1}[match[2] as 'd' | 'h' | 'm' | 's']
}

const fakeJwt = () => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({alg: 'HS256', typ: 'JWT'})}.${part({iss: 'N-able N-central', sub: 'api-user@msp.example'})}.${randomBytes(32).toString('base64url')}`
}

/** Start an N-central emulator on https://127.0.0.1 (test CA). */
export async function startNCentralEmulator(options: NCentralEmulatorOptions = {}): Promise<NCentralEmulator> {
  const jwt = options.jwt ?? fakeJwt()
  const access = new BearerTokens<object>('nc-access-')
  const refresh = new BearerTokens<object>('nc-refresh-')
  const rateLimit = new RateLimit()
  const requests: VendorRequest[] = []
  const tasks = new Map<number, NCentralTask>()
  const customers: Array<Record<string, unknown>> = []
  const state = {mfaEnabled: options.mfaEnabled ?? false, tokensIssued: 0}
  let nextTaskId = 31_000_001
  let nextCustomerId = 200

  const fail = ({res}: Exchange, status: number, message: string) => sendJson(res, status, {message, status})

  const limited = (exchange: Exchange): boolean => {
    const retryAfter = rateLimit.take()
    if (retryAfter === undefined) return false
    sendJson(exchange.res, 429, {message: 'Too many requests', status: 429}, {'retry-after': String(retryAfter)})
    return true
  }

  const guard = (exchange: Exchange): boolean => {
    if (limited(exchange)) return false
    const checked = access.check(exchange.req.headers.authorization)
    if (checked.status === 'valid') return true
    fail(exchange, 401, checked.status === 'expired' ? 'The access token has expired' : 'Authentication is required')
    return false
  }

  /** A new token pair, lifetimes shortened by the override headers when sent. */
  const issuePair = (exchange: Exchange) => {
    const accessSeconds = duration(exchange.req.headers['x-access-expiry-override']) ?? options.accessLifetimeSeconds ?? 3600
    const refreshSeconds = duration(exchange.req.headers['x-refresh-expiry-override']) ?? options.refreshLifetimeSeconds ?? 90_000
    if (Number.isNaN(accessSeconds) || Number.isNaN(refreshSeconds)) return fail(exchange, 400, 'Expiry overrides look like 120s, 30m or 1h')
    state.tokensIssued++
    sendJson(exchange.res, 200, {
      tokens: {
        access: {expirySeconds: accessSeconds, token: access.issue({}, accessSeconds), type: 'Bearer'},
        refresh: {expirySeconds: refreshSeconds, token: refresh.issue({}, refreshSeconds), type: 'Bearer'},
      },
    })
  }

  const authenticate = (exchange: Exchange) => {
    if (limited(exchange)) return
    const presented = /^bearer +(\S+)$/i.exec(exchange.req.headers.authorization ?? '')?.[1]
    if (presented !== jwt) return fail(exchange, 401, 'Authentication failed: the User-API token is not valid')
    if (state.mfaEnabled) return fail(exchange, 403, 'Authentication failed: the API user has multi-factor authentication enabled')
    issuePair(exchange)
  }

  const refreshTokens = (exchange: Exchange) => {
    if (limited(exchange)) return
    if (mediaType(exchange.req.headers['content-type']) !== 'text/plain') return fail(exchange, 415, 'The refresh token is sent as text/plain')
    const checked = refresh.check(`Bearer ${exchange.request.rawBody.trim()}`)
    if (checked.status !== 'valid') return fail(exchange, 401, checked.status === 'expired' ? 'The refresh token has expired' : 'The refresh token is not valid')
    issuePair(exchange)
  }

  /** `{data, pageNumber, pageSize, totalItems, totalPages}` (pageNumber from 1, pageSize default 50, ≤1000). */
  const page = (exchange: Exchange, items: readonly unknown[]) => {
    const {query} = exchange.request
    for (const [name, max] of [
      ['pageNumber', Number.MAX_SAFE_INTEGER],
      ['pageSize', 1000],
    ] as const) {
      const raw = query[name]
      if (raw !== undefined && (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max)) return fail(exchange, 400, `${name} must be a whole number from 1 to ${max}`)
    }
    const pageNumber = Number(query.pageNumber ?? 1)
    const pageSize = Number(query.pageSize ?? 50)
    sendJson(exchange.res, 200, {
      data: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
      pageNumber,
      pageSize,
      totalItems: items.length,
      totalPages: Math.max(1, Math.ceil(items.length / pageSize)),
    })
  }

  /** `sortBy` (a field of the items) and `sortOrder` asc|desc; the emulator refuses fields it does not have. */
  const sorted = <T extends object>(exchange: Exchange, items: T[]): T[] | undefined => {
    const {sortBy, sortOrder} = exchange.request.query
    if (sortBy === undefined) return items
    if (!items.some((item) => sortBy in item)) {
      fail(exchange, 400, `Unknown sortBy field ${sortBy}`)
      return undefined
    }
    const sign = /^desc/i.test(sortOrder ?? '') ? -1 : 1
    const key = sortBy as keyof T
    return [...items].sort((a, b) => (a[key] < b[key] ? -sign : a[key] > b[key] ? sign : 0))
  }

  const jsonObject = (exchange: Exchange): Record<string, unknown> | undefined => {
    if (mediaType(exchange.req.headers['content-type']) !== 'application/json') {
      fail(exchange, 415, 'Content-Type must be application/json')
      return undefined
    }
    const {body} = exchange
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>
    fail(exchange, 400, 'The body must be a JSON object')
    return undefined
  }

  const routes: Route[] = [
    {handler: authenticate, method: 'POST', open: true, path: '/api/auth/authenticate'},
    {handler: refreshTokens, method: 'POST', open: true, path: '/api/auth/refresh'},
    {handler: ({res}) => sendJson(res, 200, {message: 'The token is valid.'}), method: 'GET', path: '/api/auth/validate'},
    {handler: ({res}) => sendJson(res, 200, {status: 'UP'}), method: 'GET', open: true, path: '/api/health'},
    {handler: ({res}) => sendJson(res, 200, {ncentral: '2025.3.0.15', 'api-version': '1.0'}), method: 'GET', path: '/api/server-info'},
    {
      handler(exchange) {
        const {filterId} = exchange.request.query
        let devices: Device[] = DEVICES
        if (filterId !== undefined) {
          const filter = DEVICE_FILTERS.find((f) => String(f.filterId) === filterId)
          if (!filter) return fail(exchange, 400, `Unknown filterId ${filterId}`)
          devices = DEVICES.filter((device) => filter.matches(device))
        }
        const ordered = sorted(exchange, devices)
        if (ordered) page(exchange, ordered)
      },
      method: 'GET',
      path: '/api/devices',
    },
    {
      handler(exchange) {
        const device = DEVICES.find((d) => String(d.deviceId) === exchange.params.deviceId)
        if (!device) return fail(exchange, 404, `Device ${exchange.params.deviceId} not found`)
        sendJson(exchange.res, 200, {data: device})
      },
      method: 'GET',
      path: '/api/devices/:deviceId',
    },
    {
      handler(exchange) {
        const {viewScope} = exchange.request.query
        if (viewScope !== undefined && viewScope !== 'ALL' && viewScope !== 'OWN_AND_USED') return fail(exchange, 400, 'viewScope must be ALL or OWN_AND_USED')
        page(exchange, DEVICE_FILTERS.map(({matches: _matches, ...filter}) => filter))
      },
      method: 'GET',
      path: '/api/device-filters',
    },
    {
      handler(exchange) {
        const units = /^\d+$/.test(exchange.params.orgUnitId) ? orgUnitsUnder(Number(exchange.params.orgUnitId)) : undefined
        if (!units) return fail(exchange, 404, `Org unit ${exchange.params.orgUnitId} not found`)
        page(exchange, ACTIVE_ISSUES.filter((issue) => units.has(issue.siteId) || units.has(issue.customerId)))
      },
      method: 'GET',
      path: '/api/org-units/:orgUnitId/active-issues',
    },
    {
      handler(exchange) {
        const body = jsonObject(exchange)
        if (!body) return
        const missing = ['name', 'itemId', 'taskType', 'customerId', 'deviceId'].filter((field) => body[field] === undefined || body[field] === '')
        if (missing.length > 0) return fail(exchange, 400, `Missing required fields: ${missing.join(', ')}`)
        if (typeof body.name !== 'string') return fail(exchange, 400, 'name must be a string')
        if (!Number.isInteger(body.itemId)) return fail(exchange, 400, 'itemId must be the id of the script or automation policy in the repository')
        if (!TASK_TYPES.has(body.taskType as string)) return fail(exchange, 400, 'taskType must be AutomationPolicy, Script or MacScript')
        const device = DEVICES.find((d) => d.deviceId === body.deviceId)
        if (!device) return fail(exchange, 400, `Unknown deviceId ${String(body.deviceId)}`)
        if (device.customerId !== body.customerId) return fail(exchange, 400, `Device ${device.deviceId} does not belong to customer ${String(body.customerId)}`)
        const credential = body.credential as {type?: unknown} | undefined
        if (credential !== undefined && (typeof credential !== 'object' || typeof credential.type !== 'string')) return fail(exchange, 400, 'credential must be an object with a type')
        const parameters = body.parameters as Array<{name?: unknown; value?: unknown}> | undefined
        if (parameters !== undefined && (!Array.isArray(parameters) || parameters.some((p) => typeof p?.name !== 'string'))) {
          return fail(exchange, 400, 'parameters must be an array of {name, value}')
        }
        const task: NCentralTask = {body, progress: new JobProgress(TASK_STATES), taskId: nextTaskId++}
        tasks.set(task.taskId, task)
        sendJson(exchange.res, 201, {data: {taskId: task.taskId}})
      },
      method: 'POST',
      path: '/api/scheduled-tasks/direct',
    },
    {
      // Each read moves the task on: Queued, Running, Completed.
      handler(exchange) {
        const task = tasks.get(Number(exchange.params.taskId))
        if (!task) return fail(exchange, 404, `Task ${exchange.params.taskId} not found`)
        const device = DEVICES.find((d) => d.deviceId === task.body.deviceId)
        sendJson(exchange.res, 200, {
          data: {customerId: task.body.customerId, deviceId: task.body.deviceId, deviceName: device?.longName, status: task.progress.read(), taskId: task.taskId, taskName: task.body.name},
        })
      },
      method: 'GET',
      path: '/api/scheduled-tasks/:taskId/status',
    },
    {
      handler(exchange) {
        if (exchange.params.soId !== String(SERVICE_ORG.orgUnitId)) return fail(exchange, 404, `Service organization ${exchange.params.soId} not found`)
        const body = jsonObject(exchange)
        if (!body) return
        if (typeof body.customerName !== 'string' || body.customerName.trim() === '') return fail(exchange, 400, 'customerName is required')
        if (body.licenseType !== undefined && body.licenseType !== 'Essential' && body.licenseType !== 'Professional') {
          return fail(exchange, 400, 'licenseType must be Essential or Professional')
        }
        const unknown = Object.entries(body).filter(([key, value]) => key !== 'customerName' && typeof value !== 'string')
        if (unknown.length > 0) return fail(exchange, 400, `Fields must be strings: ${unknown.map(([key]) => key).join(', ')}`)
        const customer = {...body, customerId: nextCustomerId++, parentId: SERVICE_ORG.orgUnitId}
        customers.push(customer)
        sendJson(exchange.res, 201, {data: {customerId: customer.customerId}})
      },
      method: 'POST',
      path: '/api/service-orgs/:soId/customers',
    },
  ]

  const server = await startVendorServer({guard, notFound: (exchange) => fail(exchange, 404, 'Not found'), requests, routes})

  return {
    close: server.close,
    credentials: {jwt},
    customers,
    expireRefreshTokens: () => refresh.expireAll(),
    expireTokens: () => access.expireAll(),
    get mfaEnabled() {
      return state.mfaEnabled
    },
    set mfaEnabled(value: boolean) {
      state.mfaEnabled = value
    },
    origin: server.origin,
    rateLimitNext: (count, retryAfterSeconds) => rateLimit.arm(count, retryAfterSeconds),
    requests,
    tasks,
    get tokensIssued() {
      return state.tokensIssued
    },
  }
}
