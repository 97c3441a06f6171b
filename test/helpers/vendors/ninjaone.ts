// NinjaOne emulator: OAuth client credentials at /ws/oauth/token and the Public API 2.0 endpoints of the app's tools
// (shared/reference/catalog-vendors.md §5; shapes from the spec it cites, JunknerdGit/NinjaOneAPI).
//
// Tools the `ninjaone` app should expose (R = read, W = write):
//   list_orgs           R  GET  /v2/organizations                  pageSize, after (last id seen)
//   list_devices        R  GET  /v2/devices                        df (device filter, e.g. `org = 1`), pageSize, after
//   get_device          R  GET  /v2/device/{id}                    id
//   list_alerts         R  GET  /v2/alerts                         df, sourceType; per device GET /v2/device/{id}/alerts
//   run_script          W  POST /v2/device/{id}/script/run         id; JSON {type: SCRIPT|ACTION, id (script) | uid (action), parameters, runAs}
//   reboot_device       W  POST /v2/device/{id}/reboot/{mode}      id, mode NORMAL|FORCED; JSON {reason}
//   create_ticket       W  POST /v2/ticketing/ticket               JSON {clientId, ticketFormId, subject, status, description{public, body}, …}
//   add_ticket_comment  W  POST /v2/ticketing/ticket/{id}/comment  id; multipart/form-data, part `comment` = JSON {public, body}
// Also served: GET /v2/ticketing/ticket-form (where create_ticket's ticketFormId comes from) and
// GET /v2/device/{id}/jobs (the device's active jobs: in the spec, not yet in the reference's tool list). A script run
// answers 204 with no job id: NinjaOne offers no per-run status, only the device's active jobs.
//
// Unconfirmed by the reference (†) and modelled here: error bodies (`{resultCode, errorMessage, incidentId}`), the
// OAuth error codes of the token endpoint (RFC 6749's), 401 for a bad or expired token, 403 when the token lacks the
// scope (`monitoring` for reads, `management` for writes), 204 for a comment.
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

export interface NinjaOneEmulatorOptions {
  /** Default: random. */
  clientId?: string
  /** Default: random. */
  clientSecret?: string
  /** False = the API app lacks the client-credentials grant (API access not set up for it): 400 unauthorized_client. */
  clientCredentialsEnabled?: boolean
  /** Scopes the API app was given (default monitoring, management, control). */
  scopes?: string[]
  /** Access-token lifetime (default 3600 s). */
  tokenLifetimeSeconds?: number
}

export interface NinjaOneJob {
  progress: JobProgress
  record: Record<string, unknown>
  /** Already listed as COMPLETED once (then it leaves the active list). */
  reported: boolean
}

export type NinjaOneTicket = Record<string, unknown> & {comments: Array<Record<string, unknown>>; id: number}

export interface NinjaOneEmulator {
  close(): Promise<void>
  credentials: {clientId: string; clientSecret: string; scope: string}
  /** Every access token issued so far expires now (the next call gets 401). */
  expireTokens(): void
  /** Jobs started by script runs and reboots, by device id. */
  jobs: Map<number, NinjaOneJob[]>
  /** `https://127.0.0.1:<port>`: the `instance` URL. */
  origin: string
  /** The next `count` requests (token requests included) get 429 with `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void
  requests: VendorRequest[]
  /** Tickets created, with the comments added to them. */
  tickets: Map<number, NinjaOneTicket>
  /** How many access tokens were issued. */
  readonly tokensIssued: number
}

const DEFAULT_SCOPES = ['monitoring', 'management', 'control']
const JOB_STATES = ['START_REQUESTED', 'STARTED', 'IN_PROCESS', 'COMPLETED']
const RUN_AS = new Set(['SR_DOMAIN_ADMINISTRATOR', 'SR_LINUX_SCRIPT', 'SR_LOCAL_ADMINISTRATOR', 'SR_MAC_SCRIPT', 'loggedonuser', 'system'])

const ORGANIZATIONS = [
  {description: 'Dental practice, 3 sites', id: 1, name: 'Harbor Dental Group', nodeApprovalMode: 'AUTOMATIC', tags: []},
  {description: 'Architects', id: 2, name: 'Northline Architecture', nodeApprovalMode: 'MANUAL', tags: ['vip']},
  {description: '', id: 3, name: 'Old Prospect Ltd', nodeApprovalMode: 'AUTOMATIC', tags: []},
]

const DAY = 86_400
const EPOCH = 1_780_000_000
const DEVICES = [
  {id: 11, nodeClass: 'WINDOWS_SERVER', offline: false, organizationId: 1, systemName: 'HDG-DC01'},
  {id: 12, nodeClass: 'WINDOWS_WORKSTATION', offline: false, organizationId: 1, systemName: 'HDG-FRONTDESK'},
  {id: 13, nodeClass: 'WINDOWS_WORKSTATION', offline: true, organizationId: 1, systemName: 'HDG-XRAY'},
  {id: 21, nodeClass: 'MAC', offline: false, organizationId: 2, systemName: 'NLA-MBP-07'},
  {id: 31, nodeClass: 'LINUX_SERVER', offline: false, organizationId: 3, systemName: 'OPL-NAS'},
].map((device, index) => ({
  ...device,
  approvalStatus: 'APPROVED',
  created: EPOCH - 400 * DAY,
  displayName: device.systemName,
  dnsName: `${device.systemName.toLowerCase()}.corp.example`,
  lastContact: EPOCH - index * 600,
  lastUpdate: EPOCH - index * 600,
  locationId: device.organizationId * 10,
  netbiosName: device.systemName,
  nodeRoleId: 1,
  policyId: 100 + device.organizationId,
  rolePolicyId: 100 + device.organizationId,
  uid: `5c2f0000-0000-4000-8000-0000000000${device.id}`,
}))
type Device = (typeof DEVICES)[number]

const detail = (device: Device) => ({
  ...device,
  deviceType: 'AGENT',
  ipAddresses: [`10.0.${device.organizationId}.${device.id}`],
  macAddresses: [`00:15:5d:00:00:${device.id}`],
  notes: [],
  publicIP: '203.0.113.10',
  tags: [],
})

const ALERTS = [
  {createTime: EPOCH - 3600, deviceId: 11, message: 'Disk C: free space below 10%', sourceType: 'CONDITION_AGENT_DISK_FREE_SPACE', uid: 'a1a1a1a1-0000-4000-8000-000000000001'},
  {createTime: EPOCH - 7200, deviceId: 13, message: 'Device offline for 30 minutes', sourceType: 'AGENT_OFFLINE', uid: 'a1a1a1a1-0000-4000-8000-000000000002'},
  {createTime: EPOCH - 60, deviceId: 21, message: 'CPU above 95% for 15 minutes', sourceType: 'CONDITION_AGENT_CPU', uid: 'a1a1a1a1-0000-4000-8000-000000000003'},
].map((alert) => ({...alert, sourceName: alert.message, subject: alert.message, updateTime: alert.createTime}))

/** Scripts and built-in actions the devices can run (what GET /v2/device/{id}/scripting/options lists in the product). */
const SCRIPTS = new Map([
  [101, 'Clear temp files'],
  [102, 'Restart print spooler'],
])
const ACTIONS = new Map([['2b5e9a5c-2f7a-4f5b-9f0e-6c7a1d3e4f50', 'Flush DNS cache']])

const TICKET_FORMS = [{active: true, default: true, description: 'Default form', id: 1, name: 'Default'}]

/** NinjaOne's error body (†: seen in the product, not in the reference). */
const ninjaError = (errorMessage: string) => ({errorMessage, incidentId: randomUUID(), resultCode: 'FAILURE'})

/** Start a NinjaOne emulator on https://127.0.0.1 (test CA). */
export async function startNinjaOneEmulator(options: NinjaOneEmulatorOptions = {}): Promise<NinjaOneEmulator> {
  const clientId = options.clientId ?? randomSecret(12)
  const clientSecret = options.clientSecret ?? randomSecret()
  const scopes = options.scopes ?? DEFAULT_SCOPES
  const lifetime = options.tokenLifetimeSeconds ?? 3600
  const tokens = new BearerTokens<{scopes: string[]}>('ninja-at-')
  const rateLimit = new RateLimit()
  const requests: VendorRequest[] = []
  const jobs = new Map<number, NinjaOneJob[]>()
  const tickets = new Map<number, NinjaOneTicket>()
  let tokensIssued = 0
  let nextTicketId = 5001

  const fail = ({res}: Exchange, status: number, message: string) => sendJson(res, status, ninjaError(message))
  const oauthError = ({res}: Exchange, status: number, error: string, description: string) =>
    sendJson(res, status, {error, error_description: description})

  /** 429 on demand, before anything else (token requests included). */
  const limited = (exchange: Exchange): boolean => {
    const retryAfter = rateLimit.take()
    if (retryAfter === undefined) return false
    sendJson(exchange.res, 429, ninjaError('Too many requests'), {'retry-after': String(retryAfter)})
    return true
  }

  const guard = (exchange: Exchange): boolean => {
    if (limited(exchange)) return false
    const checked = tokens.check(exchange.req.headers.authorization)
    if (checked.status === 'valid') return true
    sendJson(
      exchange.res,
      401,
      {error: 'invalid_token', error_description: checked.status === 'expired' ? 'Access token expired' : 'Full authentication is required'},
      {'www-authenticate': 'Bearer error="invalid_token"'},
    )
    return false
  }

  /** True when the token carries `scope` (reads need `monitoring`, writes `management`); answers 403 otherwise. */
  const scoped = (exchange: Exchange, scope: 'management' | 'monitoring'): boolean => {
    const checked = tokens.check(exchange.req.headers.authorization)
    if (checked.status === 'valid' && checked.grant.scopes.includes(scope)) return true
    fail(exchange, 403, `Insufficient scope: ${scope} is required`)
    return false
  }

  const wholeNumber = (exchange: Exchange, name: string, fallback: number, min: number, max: number): number | undefined => {
    const raw = exchange.request.query[name]
    if (raw === undefined) return fallback
    if (/^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max) return Number(raw)
    fail(exchange, 400, `${name} must be a whole number between ${min} and ${max}`)
    return undefined
  }

  /** `pageSize` + `after` (the last id seen); undefined once a refusal has been sent. */
  const pageById = <T extends {id: number}>(exchange: Exchange, items: T[]): T[] | undefined => {
    const pageSize = wholeNumber(exchange, 'pageSize', 1000, 1, 1000)
    const after = pageSize === undefined ? undefined : wholeNumber(exchange, 'after', 0, 0, Number.MAX_SAFE_INTEGER)
    if (pageSize === undefined || after === undefined) return undefined
    return items.filter((item) => item.id > after).slice(0, pageSize)
  }

  /** The `df` device filter: the emulator knows `org = N` and `org in (N, M)`; anything else is refused as bad syntax. */
  const filtered = (exchange: Exchange): Device[] | undefined => {
    const df = (exchange.request.query.df ?? '').trim()
    if (!df) return DEVICES
    const equal = /^org\s*=\s*(\d+)$/.exec(df)
    const list = /^org\s+in\s*\(([\d\s,]+)\)$/.exec(df)
    const ids = equal ? [Number(equal[1])] : list ? list[1].split(',').map((id) => Number(id.trim())) : undefined
    if (ids) return DEVICES.filter((device) => ids.includes(device.organizationId))
    fail(exchange, 400, `Invalid device filter: ${df}`)
    return undefined
  }

  const deviceOr404 = (exchange: Exchange): Device | undefined => {
    const device = DEVICES.find((d) => String(d.id) === exchange.params.id)
    if (!device) fail(exchange, 404, `Device ${exchange.params.id} not found`)
    return device
  }

  const jsonObject = (exchange: Exchange): Record<string, unknown> | undefined => {
    if (mediaType(exchange.req.headers['content-type']) !== 'application/json') {
      fail(exchange, 415, 'Content type must be application/json')
      return undefined
    }
    const {body} = exchange
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>
    fail(exchange, 400, 'The request body must be a JSON object')
    return undefined
  }

  const startJob = (deviceId: number, subject: string, jobType: string) => {
    const now = Date.now() / 1000
    const record = {createTime: now, deviceId, jobType, message: subject, sourceName: subject, sourceType: 'SCRIPT', subject, uid: randomUUID(), updateTime: now}
    jobs.set(deviceId, [...(jobs.get(deviceId) ?? []), {progress: new JobProgress(JOB_STATES), record, reported: false}])
  }

  const token = (exchange: Exchange) => {
    if (limited(exchange)) return
    if (mediaType(exchange.req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
      return oauthError(exchange, 400, 'invalid_request', 'The token request must be application/x-www-form-urlencoded')
    }
    const form = exchange.body as Record<string, string>
    if (form.grant_type !== 'client_credentials') return oauthError(exchange, 400, 'unsupported_grant_type', `Unsupported grant type: ${form.grant_type ?? '(none)'}`)
    if (form.client_id !== clientId || form.client_secret !== clientSecret) return oauthError(exchange, 401, 'invalid_client', 'Bad client credentials')
    if (options.clientCredentialsEnabled === false) return oauthError(exchange, 400, 'unauthorized_client', 'Unauthorized grant type: client_credentials')
    const requested = (form.scope ?? '').split(' ').filter(Boolean)
    if (requested.length === 0) return oauthError(exchange, 400, 'invalid_scope', 'A scope is required')
    const refused = requested.filter((scope) => !scopes.includes(scope))
    if (refused.length > 0) return oauthError(exchange, 400, 'invalid_scope', `Invalid scope: ${refused.join(' ')}`)
    tokensIssued++
    sendJson(exchange.res, 200, {access_token: tokens.issue({scopes: requested}, lifetime), expires_in: lifetime, scope: requested.join(' '), token_type: 'Bearer'})
  }

  const routes: Route[] = [
    {handler: token, method: 'POST', open: true, path: '/ws/oauth/token'},
    {
      handler(exchange) {
        if (!scoped(exchange, 'monitoring')) return
        const page = pageById(exchange, ORGANIZATIONS)
        if (page) sendJson(exchange.res, 200, page)
      },
      method: 'GET',
      path: '/v2/organizations',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'monitoring')) return
        const devices = filtered(exchange)
        const page = devices && pageById(exchange, devices)
        if (page) sendJson(exchange.res, 200, page)
      },
      method: 'GET',
      path: '/v2/devices',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'monitoring')) return
        const device = deviceOr404(exchange)
        if (device) sendJson(exchange.res, 200, detail(device))
      },
      method: 'GET',
      path: '/v2/device/:id',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'monitoring')) return
        const devices = filtered(exchange)
        if (!devices) return
        const {sourceType} = exchange.request.query
        const ids = new Set(devices.map((device) => device.id))
        sendJson(exchange.res, 200, ALERTS.filter((alert) => ids.has(alert.deviceId) && (!sourceType || alert.sourceType === sourceType)))
      },
      method: 'GET',
      path: '/v2/alerts',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'monitoring')) return
        const device = deviceOr404(exchange)
        if (device) sendJson(exchange.res, 200, ALERTS.filter((alert) => alert.deviceId === device.id))
      },
      method: 'GET',
      path: '/v2/device/:id/alerts',
    },
    {
      // The device's active jobs: each listing moves a job one status on; a completed job is listed once, then leaves.
      handler(exchange) {
        if (!scoped(exchange, 'monitoring')) return
        const device = deviceOr404(exchange)
        if (!device) return
        const active: Array<Record<string, unknown>> = []
        for (const job of jobs.get(device.id) ?? []) {
          if (job.reported) continue
          const jobStatus = job.progress.read()
          if (jobStatus === 'COMPLETED') job.reported = true
          active.push({...job.record, jobStatus, ...(jobStatus === 'COMPLETED' ? {jobResult: 'SUCCESS'} : {})})
        }
        sendJson(exchange.res, 200, active)
      },
      method: 'GET',
      path: '/v2/device/:id/jobs',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'management')) return
        const device = deviceOr404(exchange)
        const body = device && jsonObject(exchange)
        if (!device || !body) return
        let name: string | undefined
        if (body.type === 'SCRIPT') {
          if (!Number.isInteger(body.id)) return fail(exchange, 400, 'id (the script identifier) is required for type SCRIPT')
          name = SCRIPTS.get(body.id as number)
          if (!name) return fail(exchange, 404, `Script ${String(body.id)} not found`)
        } else if (body.type === 'ACTION') {
          if (typeof body.uid !== 'string') return fail(exchange, 400, 'uid (the action identifier) is required for type ACTION')
          name = ACTIONS.get(body.uid)
          if (!name) return fail(exchange, 404, `Action ${body.uid} not found`)
        } else {
          return fail(exchange, 400, 'type must be SCRIPT or ACTION')
        }
        if (typeof body.runAs !== 'string' || !(RUN_AS.has(body.runAs) || /^\d+$/.test(body.runAs))) return fail(exchange, 400, 'runAs is not a valid credential role')
        if (body.parameters !== undefined && typeof body.parameters !== 'string') return fail(exchange, 400, 'parameters must be a string')
        if (device.offline) return fail(exchange, 400, `Device ${device.id} is offline`)
        startJob(device.id, `Run ${name}`, 'SCRIPTING')
        sendEmpty(exchange.res, 204)
      },
      method: 'POST',
      path: '/v2/device/:id/script/run',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'management')) return
        const device = deviceOr404(exchange)
        if (!device) return
        const {mode} = exchange.params
        if (mode !== 'NORMAL' && mode !== 'FORCED') return fail(exchange, 400, `Invalid reboot mode: ${mode}`)
        const body = exchange.request.rawBody ? jsonObject(exchange) : {}
        if (!body) return
        if (body.reason !== undefined && typeof body.reason !== 'string') return fail(exchange, 400, 'reason must be a string')
        if (device.offline) return fail(exchange, 400, `Device ${device.id} is offline`)
        startJob(device.id, `Reboot (${mode})`, 'SYSTEM')
        sendEmpty(exchange.res, 204)
      },
      method: 'POST',
      path: '/v2/device/:id/reboot/:mode',
    },
    {
      handler(exchange) {
        if (scoped(exchange, 'monitoring')) sendJson(exchange.res, 200, TICKET_FORMS)
      },
      method: 'GET',
      path: '/v2/ticketing/ticket-form',
    },
    {
      handler(exchange) {
        if (!scoped(exchange, 'management')) return
        const body = jsonObject(exchange)
        if (!body) return
        for (const field of ['clientId', 'ticketFormId', 'subject', 'status']) {
          if (body[field] === undefined || body[field] === null || body[field] === '') return fail(exchange, 400, `${field} is required`)
        }
        if (!ORGANIZATIONS.some((org) => org.id === body.clientId)) return fail(exchange, 400, `Unknown clientId ${String(body.clientId)}`)
        if (!TICKET_FORMS.some((form) => form.id === body.ticketFormId)) return fail(exchange, 400, `Unknown ticketFormId ${String(body.ticketFormId)}`)
        if (typeof body.subject !== 'string' || body.subject.length > 200) return fail(exchange, 400, 'subject must be a string of at most 200 characters')
        const ticket = {
          clientId: body.clientId,
          createTime: Date.now() / 1000,
          deleted: false,
          id: nextTicketId++,
          nodeId: body.nodeId ?? null,
          priority: body.priority ?? 'NONE',
          severity: body.severity ?? 'NONE',
          source: 'TECHNICIAN',
          status: {displayName: 'New', name: 'NEW', parentId: 1000, statusId: Number(body.status)},
          subject: body.subject,
          tags: [],
          ticketFormId: body.ticketFormId,
          type: body.type ?? null,
          version: 1,
        }
        tickets.set(ticket.id, {...ticket, comments: []})
        sendJson(exchange.res, 200, ticket)
      },
      method: 'POST',
      path: '/v2/ticketing/ticket',
    },
    {
      // The spec takes multipart/form-data whose `comment` part is the JSON NewTicketLogEntry {public, body, …}.
      handler(exchange) {
        if (!scoped(exchange, 'management')) return
        const ticket = tickets.get(Number(exchange.params.id))
        if (!ticket) return fail(exchange, 404, `Ticket ${exchange.params.id} not found`)
        if (mediaType(exchange.req.headers['content-type']) !== 'multipart/form-data') return fail(exchange, 415, 'Content type must be multipart/form-data')
        const part = (exchange.body as Record<string, string> | undefined)?.comment
        if (typeof part !== 'string') return fail(exchange, 400, 'The "comment" part is required')
        let comment: Record<string, unknown>
        try {
          comment = JSON.parse(part) as Record<string, unknown>
        } catch {
          return fail(exchange, 400, 'The "comment" part must be JSON')
        }
        if (typeof comment.public !== 'boolean') return fail(exchange, 400, 'comment.public is required')
        if (typeof comment.body !== 'string' && typeof comment.htmlBody !== 'string') return fail(exchange, 400, 'comment.body or comment.htmlBody is required')
        ticket.comments.push(comment)
        sendEmpty(exchange.res, 204)
      },
      method: 'POST',
      path: '/v2/ticketing/ticket/:id/comment',
    },
  ]

  const server = await startVendorServer({
    guard,
    notFound: (exchange) => fail(exchange, 404, 'Not found'),
    requests,
    routes,
  })

  return {
    close: server.close,
    credentials: {clientId, clientSecret, scope: scopes.join(' ')},
    expireTokens: () => tokens.expireAll(),
    jobs,
    origin: server.origin,
    rateLimitNext: (count, retryAfterSeconds) => rateLimit.arm(count, retryAfterSeconds),
    requests,
    tickets,
    get tokensIssued() {
      return tokensIssued
    },
  }
}
