// Datto RMM emulator: one platform's API host (`https://{platform}-api.centrastage.net` in the product) with the
// password-grant token endpoint and the API v2 endpoints of the app's tools (shared/reference/catalog-vendors.md §6;
// shapes from the spec it cites, api-evangelist/kaseya `kaseya-datto-rmm-openapi-original.json`).
//
// Token: POST /auth/oauth/token, Basic `public-client:public`, form `grant_type=password&username={API key}&password=
// {API secret}`; tokens last 100 h. Calls: `Authorization: Bearer` to /api/v2/…. Verification: GET /api/v2/account.
//
// Tools the `datto-rmm` app should expose (R = read, W = write; lists page with `page` (from 0) + `max` (≤250) and
// answer `{pageDetails: {count, totalCount, prevPageUrl, nextPageUrl}, <resource>: […]}`):
//   list_sites       R  GET  /api/v2/account/sites                    page, max, siteName
//   list_devices     R  GET  /api/v2/account/devices                  page, max, hostname, deviceType, siteName, filterId
//   get_device       R  GET  /api/v2/device/{deviceUid}               deviceUid (404 when unknown)
//   open_alerts      R  GET  /api/v2/account/alerts/open              page, max, muted
//   resolve_alert    W  POST /api/v2/alert/{alertUid}/resolve         alertUid (no body)
//   list_components  R  GET  /api/v2/account/components               page, max (the components a quick job runs)
//   run_quickjob     W  PUT  /api/v2/device/{deviceUid}/quickjob      deviceUid; JSON {jobName, jobComponent: {componentUid, variables: [{name, value}]}}
//                            → {job: {uid, status: active, …}, jobComponents}: the job's uid is the job id
//   get_job          R  GET  /api/v2/job/{jobUid}                      jobUid → {uid, name, status: active|completed} (spec; not yet in the
//                            reference's tool list, which cites the spec)
//   software_audit   R  GET  /api/v2/audit/device/{deviceUid}/software deviceUid, page, max
//
// Limits: 600 requests per 60 s across the whole account (429); a lasting 403 from the AWS edge (DDoS protection).
// Unconfirmed (†) and modelled here: the token endpoint's error bodies (Spring OAuth's `{error, error_description}`);
// a key of another platform is refused exactly like a wrong key (the platform cannot know it); API access disabled
// in Global Settings answers 403 `access_denied` at the token endpoint; the 429's `Retry-After`; the edge's HTML 403;
// resolve answers 200 with no body.
import {randomUUID} from 'node:crypto'

import {
  BearerTokens,
  type Exchange,
  JobProgress,
  mediaType,
  RateLimit,
  randomSecret,
  type Route,
  sendEmpty,
  sendJson,
  startVendorServer,
  type VendorRequest,
} from './emulator.js'

export const DATTO_PLATFORMS = ['pinotage', 'merlot', 'concord', 'vidal', 'zinfandel', 'syrah'] as const
export type DattoPlatform = (typeof DATTO_PLATFORMS)[number]

export interface DattoCredentials {
  apiKey: string
  apiSecret: string
}

export interface DattoEmulatorOptions extends Partial<DattoCredentials> {
  /** The account's request limit (default 600 requests per 60 s, counted across every token and key). */
  accountLimit?: {requests: number; windowSeconds: number}
  /** False = API access is off under Setup → Global Settings → Access Control. */
  apiAccessEnabled?: boolean
  /** The platform this emulator plays (default `pinotage`); only shows in the account data. */
  platform?: DattoPlatform
  /** Access-token lifetime (default 100 h). */
  tokenLifetimeSeconds?: number
}

export interface DattoJob {
  deviceUid: string
  progress: JobProgress
  record: {dateCreated: string; id: number; name: string; uid: string}
}

export interface DattoEmulator {
  /** Turns API access on or off (Global Settings → Access Control) from now on. */
  apiAccessEnabled: boolean
  /** Edge block on (every request gets the AWS 403) until `unblockEdge()`. */
  blockAtEdge(): void
  close(): Promise<void>
  /** The key this platform accepts. */
  credentials: DattoCredentials
  /** Every access token issued so far expires now (the next call gets 401). */
  expireTokens(): void
  /** Quick jobs started, by job uid. */
  jobs: Map<string, DattoJob>
  /** `https://127.0.0.1:<port>`: the platform's API URL, what the `instance` field takes. */
  origin: string
  /** A key pair that is valid on another platform (merlot, or pinotage when this one is merlot): refused here. */
  otherPlatformCredentials: DattoCredentials
  /** The next `count` requests get 429 with `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void
  requests: VendorRequest[]
  /** Alert uids resolved through the API. */
  resolvedAlerts: Set<string>
  /** How many access tokens were issued. */
  readonly tokensIssued: number
  unblockEdge(): void
}

const EDGE_403 =
  '<html>\n<head><title>403 Forbidden</title></head>\n<body>\n<center><h1>403 Forbidden</h1></center>\n</body>\n</html>\n'
const ACCOUNT_UID = 'a7c1e0b2'
const ISO = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString()
const EPOCH = 1_780_000_000

const SITES = [
  {id: 301, name: 'Harbor Dental Group', uid: 'site-0001-harbor'},
  {id: 302, name: 'Northline Architecture', uid: 'site-0002-northline'},
  {id: 303, name: 'Old Prospect Ltd', uid: 'site-0003-oldprospect'},
].map((site) => ({
  ...site,
  accountUid: ACCOUNT_UID,
  autotaskCompanyId: '',
  autotaskCompanyName: '',
  description: '',
  devicesStatus: {numberOfDevices: 2, numberOfOfflineDevices: 0, numberOfOnlineDevices: 2},
  notes: '',
  onDemand: false,
  portalUrl: `https://pinotage.centrastage.net/csm/site/${site.id}`,
  splashtopAutoInstall: false,
}))

const DEVICES = [
  {hostname: 'HDG-DC01', id: 9001, online: true, operatingSystem: 'Windows Server 2022 Standard', siteIndex: 0, type: 'Server'},
  {hostname: 'HDG-FRONTDESK', id: 9002, online: true, operatingSystem: 'Windows 11 Pro', siteIndex: 0, type: 'Desktop'},
  {hostname: 'NLA-MBP-07', id: 9003, online: true, operatingSystem: 'macOS 14.5', siteIndex: 1, type: 'Laptop'},
  {hostname: 'NLA-PLOTTER-PC', id: 9004, online: false, operatingSystem: 'Windows 10 Pro', siteIndex: 1, type: 'Desktop'},
  {hostname: 'OPL-FS01', id: 9005, online: true, operatingSystem: 'Windows Server 2019 Standard', siteIndex: 2, type: 'Server'},
  {hostname: 'OPL-LT-12', id: 9006, online: true, operatingSystem: 'Windows 11 Pro', siteIndex: 2, type: 'Laptop'},
].map(({siteIndex, type, ...device}) => ({
  ...device,
  a64Bit: true,
  cagVersion: '4.4.2249',
  creationDate: ISO(EPOCH - 300 * 86_400),
  deleted: false,
  description: '',
  deviceClass: 'device',
  deviceType: {category: type === 'Server' ? 'Server' : 'Desktop', type},
  displayVersion: '4.4.2249.2249',
  domain: 'corp.example',
  extIpAddress: '203.0.113.20',
  intIpAddress: `10.1.${siteIndex}.${device.id % 100}`,
  lastAuditDate: ISO(EPOCH - 86_400),
  lastLoggedInUser: 'CORP\\jdoe',
  lastReboot: ISO(EPOCH - 3 * 86_400),
  lastSeen: ISO(EPOCH - 120),
  portalUrl: `https://pinotage.centrastage.net/csm/profile/summary/${device.id}`,
  rebootRequired: device.id === 9002,
  siteId: SITES[siteIndex].id,
  siteName: SITES[siteIndex].name,
  siteUid: SITES[siteIndex].uid,
  snmpEnabled: false,
  suspended: false,
  uid: `dev-${device.id}-${device.hostname.toLowerCase()}`,
  warrantyDate: '2027-06-30',
}))
type Device = (typeof DEVICES)[number]

const ALERTS = [
  {deviceIndex: 0, diagnostics: 'C: 6% free (12.1 GB of 200 GB)', priority: 'High', uid: 'alert-7f01'},
  {deviceIndex: 1, diagnostics: 'Windows Update service stopped', priority: 'Moderate', uid: 'alert-7f02'},
  {deviceIndex: 3, diagnostics: 'Device offline for 45 minutes', priority: 'Critical', uid: 'alert-7f03'},
  {deviceIndex: 4, diagnostics: 'CPU above 90% for 10 minutes', priority: 'Low', uid: 'alert-7f04'},
].map(({deviceIndex, uid, ...alert}, index) => ({
  ...alert,
  alertContext: {'@class': 'comp_script_ctx', samples: {}},
  alertMonitorInfo: {createsTicket: false, sendsEmails: true},
  alertSourceInfo: {deviceName: DEVICES[deviceIndex].hostname, deviceUid: DEVICES[deviceIndex].uid, siteName: DEVICES[deviceIndex].siteName, siteUid: DEVICES[deviceIndex].siteUid},
  alertUid: uid,
  muted: index === 3,
  resolved: false,
  resolvedBy: null,
  resolvedOn: null,
  ticketNumber: null,
  timestamp: ISO(EPOCH - (index + 1) * 900),
}))

const COMPONENTS = [
  {categoryCode: 'script', credentialsRequired: false, description: 'Deletes temporary files older than N days', id: 51, name: 'Clear Temp Files', uid: 'comp-51-cleartemp', variables: [{defaultVal: '7', description: 'Age in days', direction: false, name: 'days', type: 'string', variablesIdx: 0}]},
  {categoryCode: 'script', credentialsRequired: false, description: 'Restarts the print spooler service', id: 52, name: 'Restart Print Spooler', uid: 'comp-52-spooler', variables: []},
]

const SOFTWARE: Record<string, Array<{name: string; version: string}>> = Object.fromEntries(
  DEVICES.map((device) => [
    device.uid,
    [
      {name: 'Google Chrome', version: '126.0.6478.127'},
      {name: 'Microsoft 365 Apps for business', version: '16.0.17726.20160'},
      {name: '7-Zip 23.01 (x64)', version: '23.01'},
    ],
  ]),
)

const JOB_STATES = ['active', 'active', 'completed']

/** Start a Datto RMM emulator on https://127.0.0.1 (test CA). */
export async function startDattoRmmEmulator(options: DattoEmulatorOptions = {}): Promise<DattoEmulator> {
  const credentials: DattoCredentials = {apiKey: options.apiKey ?? randomSecret(15).toUpperCase(), apiSecret: options.apiSecret ?? randomSecret(24)}
  const otherPlatformCredentials: DattoCredentials = {apiKey: randomSecret(15).toUpperCase(), apiSecret: randomSecret(24)}
  const platform = options.platform ?? 'pinotage'
  const lifetime = options.tokenLifetimeSeconds ?? 100 * 3600
  const accountLimit = options.accountLimit ?? {requests: 600, windowSeconds: 60}
  const tokens = new BearerTokens<{apiKey: string}>('datto-at-')
  const rateLimit = new RateLimit()
  const requests: VendorRequest[] = []
  const jobs = new Map<string, DattoJob>()
  const resolvedAlerts = new Set<string>()
  /** Arrival times (ms) of the account's requests inside the current window. */
  const recent: number[] = []
  const state = {apiAccessEnabled: options.apiAccessEnabled ?? true, edgeBlocked: false, tokensIssued: 0}
  let origin = ''
  let nextJobId = 70_001

  /** The spec's ErrorResponse: `{timestamp, status, error, path}` (path as the servlet sees it, without `/api`). */
  const dattoError = (exchange: Exchange, status: number, error: string, message?: string) =>
    sendJson(exchange.res, status, {
      error,
      ...(message ? {message} : {}),
      path: exchange.url.pathname.replace(/^\/api/, ''),
      status,
      timestamp: Date.now(),
    })

  const oauthError = (exchange: Exchange, status: number, error: string, description: string) =>
    sendJson(exchange.res, status, {error, error_description: description})

  /** What stands before every request: the edge block, forced 429s and the account's 600-per-60-s limit. */
  const edge = (exchange: Exchange): boolean => {
    if (state.edgeBlocked) {
      exchange.res.writeHead(403, {'content-type': 'text/html', server: 'CloudFront', 'x-cache': 'Error from cloudfront'}).end(EDGE_403)
      return false
    }
    const forced = rateLimit.take()
    if (forced !== undefined) {
      exchange.res.setHeader('retry-after', String(forced))
      dattoError(exchange, 429, 'Too Many Requests')
      return false
    }
    const now = Date.now()
    while (recent.length > 0 && recent[0] <= now - accountLimit.windowSeconds * 1000) recent.shift()
    if (recent.length >= accountLimit.requests) {
      const retryAfter = Math.max(1, Math.ceil((recent[0] + accountLimit.windowSeconds * 1000 - now) / 1000))
      exchange.res.setHeader('retry-after', String(retryAfter))
      dattoError(exchange, 429, 'Too Many Requests', `Rate limit of ${accountLimit.requests} requests per ${accountLimit.windowSeconds} seconds exceeded`)
      return false
    }
    recent.push(now)
    return true
  }

  const guard = (exchange: Exchange): boolean => {
    if (!edge(exchange)) return false
    const checked = tokens.check(exchange.req.headers.authorization)
    if (checked.status === 'valid') return true
    exchange.res.setHeader('www-authenticate', 'Bearer realm="oauth2-resource", error="invalid_token"')
    dattoError(exchange, 401, 'Unauthorized')
    return false
  }

  const token = (exchange: Exchange) => {
    if (!edge(exchange)) return
    const basic = /^basic +(\S+)$/i.exec(exchange.req.headers.authorization ?? '')?.[1]
    if (!basic || Buffer.from(basic, 'base64').toString('utf8') !== 'public-client:public') {
      return oauthError(exchange, 401, 'unauthorized', 'Full authentication is required to access this resource')
    }
    if (mediaType(exchange.req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
      return oauthError(exchange, 400, 'invalid_request', 'The token request must be application/x-www-form-urlencoded')
    }
    const form = exchange.body as Record<string, string>
    if (form.grant_type !== 'password') return oauthError(exchange, 400, 'unsupported_grant_type', `Unsupported grant type: ${form.grant_type ?? '(none)'}`)
    if (form.username !== credentials.apiKey || form.password !== credentials.apiSecret) {
      return oauthError(exchange, 401, 'invalid_grant', 'Bad credentials')
    }
    if (!state.apiAccessEnabled) return oauthError(exchange, 403, 'access_denied', 'API access is disabled for this account')
    state.tokensIssued++
    sendJson(exchange.res, 200, {access_token: tokens.issue({apiKey: form.username}, lifetime), expires_in: lifetime, scope: 'default', token_type: 'bearer'})
  }

  /** One page of `items` under `key`, paged by `page` (from 0) and `max` (≤250), with the spec's pageDetails. */
  const page = (exchange: Exchange, key: string, items: readonly unknown[]) => {
    const {query} = exchange.request
    for (const name of ['page', 'max']) {
      if (query[name] !== undefined && !/^\d+$/.test(query[name])) return dattoError(exchange, 400, 'Bad Request', `${name} must be a whole number`)
    }
    const max = Math.min(Math.max(Number(query.max ?? 250), 1), 250)
    const number = Number(query.page ?? 0)
    const link = (to: number) => {
      const url = new URL(exchange.url.pathname, origin)
      for (const [name, value] of Object.entries({...query, max: String(max), page: String(to)})) url.searchParams.set(name, value)
      return url.href
    }
    const slice = items.slice(number * max, (number + 1) * max)
    sendJson(exchange.res, 200, {
      [key]: slice,
      pageDetails: {
        count: slice.length,
        nextPageUrl: (number + 1) * max < items.length ? link(number + 1) : null,
        prevPageUrl: number > 0 ? link(number - 1) : null,
        totalCount: items.length,
      },
    })
  }

  /** The spec's LIKE filters: a partial, case-insensitive match. */
  const like = (value: string, filter: string | undefined) => filter === undefined || value.toLowerCase().includes(filter.toLowerCase())

  const deviceOr404 = (exchange: Exchange): Device | undefined => {
    const device = DEVICES.find((d) => d.uid === exchange.params.deviceUid)
    if (!device) dattoError(exchange, 404, 'Not Found', `Device ${exchange.params.deviceUid} not found`)
    return device
  }

  const openAlerts = () => ALERTS.filter((alert) => !resolvedAlerts.has(alert.alertUid))

  const routes: Route[] = [
    {handler: token, method: 'POST', open: true, path: '/auth/oauth/token'},
    {
      handler: (exchange) =>
        sendJson(exchange.res, 200, {
          currency: 'USD',
          descriptor: {billingEmail: 'billing@msp.example', deviceLimit: 500, timeZone: 'America/New_York'},
          devicesStatus: {
            numberOfDevices: DEVICES.length,
            numberOfOfflineDevices: DEVICES.filter((d) => !d.online).length,
            numberOfOnlineDevices: DEVICES.filter((d) => d.online).length,
          },
          id: 4242,
          name: `Acme MSP (${platform})`,
          uid: ACCOUNT_UID,
        }),
      method: 'GET',
      path: '/api/v2/account',
    },
    {
      handler: (exchange) => page(exchange, 'sites', SITES.filter((site) => like(site.name, exchange.request.query.siteName))),
      method: 'GET',
      path: '/api/v2/account/sites',
    },
    {
      handler(exchange) {
        const {query} = exchange.request
        if (query.filterId !== undefined && !/^\d+$/.test(query.filterId)) return dattoError(exchange, 400, 'Bad Request', 'filterId must be a number')
        const devices = DEVICES.filter(
          (d) => like(d.hostname, query.hostname) && like(d.deviceType.type, query.deviceType) && like(d.operatingSystem, query.operatingSystem) && like(d.siteName, query.siteName),
        )
        page(exchange, 'devices', devices)
      },
      method: 'GET',
      path: '/api/v2/account/devices',
    },
    {
      handler(exchange) {
        const device = deviceOr404(exchange)
        if (device) sendJson(exchange.res, 200, device)
      },
      method: 'GET',
      path: '/api/v2/device/:deviceUid',
    },
    {
      handler(exchange) {
        const {muted} = exchange.request.query
        if (muted !== undefined && muted !== 'true' && muted !== 'false') return dattoError(exchange, 400, 'Bad Request', 'muted must be true or false')
        page(exchange, 'alerts', openAlerts().filter((alert) => muted === undefined || alert.muted === (muted === 'true')))
      },
      method: 'GET',
      path: '/api/v2/account/alerts/open',
    },
    {
      handler(exchange) {
        const alert = ALERTS.find((a) => a.alertUid === exchange.params.alertUid)
        if (!alert) return dattoError(exchange, 404, 'Not Found', `Alert ${exchange.params.alertUid} not found`)
        resolvedAlerts.add(alert.alertUid)
        sendEmpty(exchange.res, 200)
      },
      method: 'POST',
      path: '/api/v2/alert/:alertUid/resolve',
    },
    {handler: (exchange) => page(exchange, 'components', COMPONENTS), method: 'GET', path: '/api/v2/account/components'},
    {
      handler(exchange) {
        const device = deviceOr404(exchange)
        if (!device) return
        if (mediaType(exchange.req.headers['content-type']) !== 'application/json') return dattoError(exchange, 415, 'Unsupported Media Type')
        const body = exchange.body as {jobComponent?: {componentUid?: unknown; variables?: unknown}; jobName?: unknown} | undefined
        if (!body || typeof body !== 'object' || Array.isArray(body)) return dattoError(exchange, 400, 'Bad Request', 'A JSON object is required')
        if (typeof body.jobName !== 'string' || body.jobName.trim() === '') return dattoError(exchange, 400, 'Bad Request', 'jobName is required')
        const jobComponent = body.jobComponent
        if (!jobComponent || typeof jobComponent !== 'object') return dattoError(exchange, 400, 'Bad Request', 'jobComponent is required')
        const component = COMPONENTS.find((c) => c.uid === jobComponent.componentUid)
        if (!component) return dattoError(exchange, 404, 'Not Found', `Component ${String(jobComponent.componentUid)} not found`)
        const variables = jobComponent.variables ?? []
        if (!Array.isArray(variables)) return dattoError(exchange, 400, 'Bad Request', 'jobComponent.variables must be an array')
        for (const variable of variables as Array<{name?: unknown; value?: unknown}>) {
          if (!variable || typeof variable.name !== 'string' || typeof variable.value !== 'string') {
            return dattoError(exchange, 400, 'Bad Request', 'Each variable is {name, value} with string values')
          }
          if (!component.variables.some((known) => known.name === variable.name)) {
            return dattoError(exchange, 400, 'Bad Request', `Variable ${variable.name} is not a variable of component ${component.name}`)
          }
        }
        const job: DattoJob = {
          deviceUid: device.uid,
          progress: new JobProgress(JOB_STATES),
          record: {dateCreated: new Date().toISOString(), id: nextJobId++, name: body.jobName, uid: randomUUID()},
        }
        jobs.set(job.record.uid, job)
        sendJson(exchange.res, 200, {
          job: {...job.record, status: job.progress.status},
          jobComponents: [{name: component.name, uid: component.uid, variables}],
        })
      },
      method: 'PUT',
      path: '/api/v2/device/:deviceUid/quickjob',
    },
    {
      // Each read moves the job on: active, active, completed.
      handler(exchange) {
        const job = jobs.get(exchange.params.jobUid)
        if (!job) return dattoError(exchange, 404, 'Not Found', `Job ${exchange.params.jobUid} not found`)
        sendJson(exchange.res, 200, {...job.record, status: job.progress.read()})
      },
      method: 'GET',
      path: '/api/v2/job/:jobUid',
    },
    {
      handler(exchange) {
        const device = deviceOr404(exchange)
        if (device) page(exchange, 'software', SOFTWARE[device.uid])
      },
      method: 'GET',
      path: '/api/v2/audit/device/:deviceUid/software',
    },
  ]

  const server = await startVendorServer({
    guard,
    notFound: (exchange) => (edge(exchange) ? dattoError(exchange, 404, 'Not Found') : undefined),
    requests,
    routes,
  })
  origin = server.origin

  return {
    get apiAccessEnabled() {
      return state.apiAccessEnabled
    },
    set apiAccessEnabled(value: boolean) {
      state.apiAccessEnabled = value
    },
    blockAtEdge() {
      state.edgeBlocked = true
    },
    close: server.close,
    credentials,
    expireTokens: () => tokens.expireAll(),
    jobs,
    origin,
    otherPlatformCredentials,
    rateLimitNext: (count, retryAfterSeconds) => rateLimit.arm(count, retryAfterSeconds),
    requests,
    resolvedAlerts,
    get tokensIssued() {
      return state.tokensIssued
    },
    unblockEdge() {
      state.edgeBlocked = false
    },
  }
}
