// Autotask PSA emulator: zone discovery, the three credential headers and the REST entities the `autotask` app uses,
// as documented in shared/reference/catalog-vendors.md §3, with the vendor's shapes and refusals.
//
// Two hosts, like Autotask: `origin` stands for webservices.autotask.net (it answers the unauthenticated
// `GET /atservicesrest/V1.0/ZoneInformation?user={username}` with `{zoneName, url, webUrl, ci}`) and `zoneUrl` for the
// user's zone (`https://webservicesN.autotask.net/ATServicesRest/`), which holds the data. Every API call carries
// `ApiIntegrationCode`, `UserName` and `Secret` headers and goes to `{zoneUrl}V1.0/…`; a call to another zone is
// refused like wrong credentials. Verification: `GET {zoneUrl}V1.0/Version`.
//
// Tools the app definition exposes (paths under `{zoneUrl}V1.0`; queries page with `MaxRecords` ≤ 500 and
// `pageDetails.nextPageUrl`, a GET URL to follow as given until it is null):
//   search_tickets     R  POST  /Tickets/query               body {filter: [{op, field, value} | {op:"and"|"or", items}], MaxRecords?, IncludeFields?}
//   get_ticket         R  GET   /Tickets/{id}                id
//   create_ticket      W  POST  /Tickets                     body {companyID, title, status, priority, queueID?, description?, dueDateTime?}
//   update_ticket      W  PATCH /Tickets                     body {id, status?, priority?, title?, ...} (id in the body, not the path)
//   add_ticket_note    W  POST  /Tickets/{parentId}/Notes    parentId, body {title, description, noteType, publish}
//   list_notes         R  POST  /TicketNotes/query           body {filter: [{op:"eq", field:"ticketID", value}], MaxRecords?}
//   search_companies   R  POST  /Companies/query             body {filter, MaxRecords?}
//   list_configuration_items  R  POST  /ConfigurationItems/query  body {filter, MaxRecords?}
//   log_time           W  POST  /TimeEntries                 body {ticketID?, resourceID?, dateWorked?, startDateTime?, hoursWorked (0 < h ≤ 24), summaryNotes?}
//
// Left open by the reference (†) and chosen here: refused credentials (and a wrong zone) answer 401 with no body; an
// unknown id answers `{"item": null}`; validation errors answer 500 `{"errors": [...]}` as Autotask usually does.
import {
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

export interface AutotaskCredentials {
  /** `ApiIntegrationCode` header: the integration's tracking identifier. */
  integrationCode: string
  /** `Secret` header. */
  secret: string
  /** `UserName` header, and the `user` of the zone lookup. */
  username: string
}

export type AutotaskRecord = Record<string, unknown> & {id: number}

/** Entities by their REST name. */
export interface AutotaskData {
  Companies: AutotaskRecord[]
  ConfigurationItems: AutotaskRecord[]
  TicketNotes: AutotaskRecord[]
  Tickets: AutotaskRecord[]
  TimeEntries: AutotaskRecord[]
}

export interface AutotaskEmulatorOptions extends Partial<AutotaskCredentials> {
  /** How many tickets to seed (default 12). */
  ticketCount?: number
}

export interface AutotaskEmulator {
  credentials: AutotaskCredentials
  data: AutotaskData
  /** The zone-lookup host (stands for https://webservices.autotask.net). Not the user's zone: API calls here get 401. */
  origin: string
  /** Every request to either host, in order. */
  requests: VendorRequest[]
  /** The user's zone as ZoneInformation returns it: `https://127.0.0.1:<port>/ATServicesRest/` (the `instance` field). */
  zoneUrl: string
  close(): Promise<void>
  /** The next `count` authenticated API requests get 429 with `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void
}

const prefix = '/ATServicesRest/V1.0'
const queryable = ['Companies', 'ConfigurationItems', 'TicketNotes', 'Tickets', 'TimeEntries'] as const

const errors = (exchange: Exchange, status: number, ...messages: string[]) => sendJson(exchange.res, status, {errors: messages})

/** Autotask field names are case-insensitive on the way in (`QueueID` = `queueID`); store them camel-cased. */
const normalise = (body: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(body).map(([key, value]) => [key.charAt(0).toLowerCase() + key.slice(1), value]))

const seed = (ticketCount: number): AutotaskData => {
  const Companies: AutotaskRecord[] = [
    {companyName: 'Acme Corporation', companyType: 1, id: 29_683_500, isActive: true, phone: '555-0100'},
    {companyName: 'Globex Ltd', companyType: 1, id: 29_683_501, isActive: true, phone: '555-0101'},
    {companyName: 'Initech LLC', companyType: 3, id: 29_683_502, isActive: false, phone: '555-0102'},
  ]
  const Tickets: AutotaskRecord[] = Array.from({length: ticketCount}, (_, index) => ({
    companyID: Companies[index % 2].id,
    createDate: '2026-01-05T09:00:00Z',
    description: `Reported problem number ${index + 1}.`,
    dueDateTime: '2026-01-07T17:00:00Z',
    id: 7001 + index,
    isActive: index % 3 !== 2,
    priority: 2,
    queueID: 29_682_833,
    status: index % 3 === 2 ? 5 : 1,
    ticketNumber: `T20260105.${String(index + 1).padStart(4, '0')}`,
    title: index === 0 ? 'Server backup failed' : `Ticket ${index + 1}`,
  }))
  const TicketNotes: AutotaskRecord[] = [
    {createDateTime: '2026-01-05T09:10:00Z', description: 'Backup job log attached.', id: 880, noteType: 1, publish: 1, ticketID: 7001, title: 'Investigation'},
  ]
  const ConfigurationItems: AutotaskRecord[] = [
    {companyID: 29_683_500, configurationItemType: 1, id: 450, isActive: true, referenceTitle: 'ACME-DC01', serialNumber: 'SN-0001'},
    {companyID: 29_683_500, configurationItemType: 2, id: 451, isActive: true, referenceTitle: 'ACME-NAS', serialNumber: 'SN-0002'},
    {companyID: 29_683_501, configurationItemType: 1, id: 452, isActive: false, referenceTitle: 'GLOBEX-OLD', serialNumber: 'SN-0003'},
  ]
  return {Companies, ConfigurationItems, TicketNotes, Tickets, TimeEntries: []}
}

/** Start an Autotask emulator (a zone-lookup host and one zone) on https://127.0.0.1 (test CA). */
export async function startAutotaskEmulator(options: AutotaskEmulatorOptions = {}): Promise<AutotaskEmulator> {
  const credentials: AutotaskCredentials = {
    integrationCode: options.integrationCode ?? randomSecret(15).toUpperCase().replaceAll(/[^A-Z\d]/g, 'X'),
    secret: options.secret ?? randomSecret(15),
    username: options.username ?? `api-${randomSecret(4).toLowerCase().replaceAll(/[^a-z\d]/g, 'x')}@acme.example`,
  }
  const data = seed(options.ticketCount ?? 12)
  const requests: VendorRequest[] = []
  const rateLimit = new RateLimit()
  let zoneUrl = ''
  let nextId = 100_000

  const zoneInformation = (exchange: Exchange) => {
    if ((exchange.request.query.user ?? '').toLowerCase() !== credentials.username.toLowerCase()) {
      return errors(exchange, 500, 'Zone information could not be determined')
    }
    const zone = new URL(zoneUrl)
    sendJson(exchange.res, 200, {ci: 7, url: zoneUrl, webUrl: `${zone.origin}/`, zoneName: 'America East 3'})
  }

  const credentialsOk = (exchange: Exchange) => {
    const {headers} = exchange.req
    return (
      headers.apiintegrationcode === credentials.integrationCode &&
      String(headers.username ?? '').toLowerCase() === credentials.username.toLowerCase() &&
      headers.secret === credentials.secret
    )
  }

  const guard = (exchange: Exchange): boolean => {
    if (!credentialsOk(exchange)) {
      sendEmpty(exchange.res, 401)
      return false
    }
    const retryAfter = rateLimit.take()
    if (retryAfter !== undefined) {
      sendJson(exchange.res, 429, {errors: ['Too many requests. Please try again later.']}, {'retry-after': String(retryAfter)})
      return false
    }
    if (['PATCH', 'POST', 'PUT'].includes(exchange.req.method ?? '') && mediaType(exchange.req.headers['content-type']) !== 'application/json') {
      errors(exchange, 415, 'The request content type must be application/json.')
      return false
    }
    return true
  }

  /** Run a query (`{filter, MaxRecords, IncludeFields}`) from a POST body, a `search=` parameter or a next-page URL. */
  const runQuery = (exchange: Exchange, entity: (typeof queryable)[number], search: unknown, offset: number) => {
    if (!search || typeof search !== 'object' || Array.isArray(search)) return errors(exchange, 500, 'The query must be a JSON object with a filter.')
    const {filter, IncludeFields: includeFields, MaxRecords: maxRecords} = normaliseQuery(search as Record<string, unknown>)
    if (!Array.isArray(filter) || filter.length === 0) return errors(exchange, 500, 'The query must have a filter array with at least one condition.')
    const size = maxRecords ?? 500
    if (!Number.isInteger(size) || size < 1 || size > 500) return errors(exchange, 500, 'MaxRecords must be an integer from 1 to 500.')
    let matches: (row: AutotaskRecord) => boolean
    try {
      matches = compileFilter({items: filter, op: 'and'})
    } catch (error) {
      return errors(exchange, 500, (error as Error).message)
    }
    const rows = data[entity].filter((row) => matches(row))
    const page = rows.slice(offset, offset + size)
    const nextPageUrl =
      offset + size < rows.length
        ? `${zoneUrl}V1.0/${entity}/query/next?paging=${encodeURIComponent(JSON.stringify({offset: offset + size}))}&search=${encodeURIComponent(JSON.stringify(search))}`
        : null
    const prevPageUrl =
      offset > 0
        ? `${zoneUrl}V1.0/${entity}/query/next?paging=${encodeURIComponent(JSON.stringify({offset: Math.max(offset - size, 0)}))}&search=${encodeURIComponent(JSON.stringify(search))}`
        : null
    const fields = Array.isArray(includeFields) && includeFields.length > 0 ? ['id', ...(includeFields as string[])].map((field) => field.toLowerCase()) : undefined
    const items = fields ? page.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => fields.includes(key.toLowerCase())))) : page
    sendJson(exchange.res, 200, {items, pageDetails: {count: items.length, nextPageUrl, prevPageUrl, requestCount: size}})
  }

  const parseSearch = (exchange: Exchange, text: string | undefined): unknown => {
    try {
      return JSON.parse(text ?? '')
    } catch {
      errors(exchange, 500, 'The search parameter is not valid JSON.')
      return undefined
    }
  }

  const queryRoutes: Route[] = queryable.flatMap((entity): Route[] => [
    {handler: (exchange) => runQuery(exchange, entity, exchange.body, 0), method: 'POST', path: `${prefix}/${entity}/query`},
    {
      handler(exchange) {
        const search = parseSearch(exchange, exchange.request.query.search)
        if (search !== undefined) runQuery(exchange, entity, search, 0)
      },
      method: 'GET',
      path: `${prefix}/${entity}/query`,
    },
    {
      handler(exchange) {
        const search = parseSearch(exchange, exchange.request.query.search)
        if (search === undefined) return
        let offset = 0
        try {
          offset = Number((JSON.parse(exchange.request.query.paging ?? '{}') as {offset?: number}).offset ?? 0)
        } catch {
          return errors(exchange, 500, 'The paging parameter is not valid.')
        }
        runQuery(exchange, entity, search, offset)
      },
      method: 'GET',
      path: `${prefix}/${entity}/query/next`,
    },
  ])

  const objectBody = (exchange: Exchange): Record<string, unknown> | undefined => {
    const {body} = exchange
    if (body && typeof body === 'object' && !Array.isArray(body)) return normalise(body as Record<string, unknown>)
    errors(exchange, 500, 'The request body must be a JSON object.')
    return undefined
  }

  const missingOrNull = (body: Record<string, unknown>, required: string[]): string[] => [
    ...required.filter((field) => body[field] === undefined).map((field) => `${field} is required.`),
    ...Object.entries(body)
      .filter(([, value]) => value === null)
      .map(([field]) => `${field} may not be null.`),
  ]

  const routes: Route[] = [
    {handler: zoneInformation, method: 'GET', open: true, path: `${prefix}/ZoneInformation`},
    {
      handler: ({res}) => sendJson(res, 200, {build: '2026.1.12.113', customerType: 'Production', majorVersion: 2026, minorVersion: 1}),
      method: 'GET',
      path: `${prefix}/Version`,
    },
    ...queryRoutes,
    {
      handler(exchange) {
        sendJson(exchange.res, 200, {item: data.Tickets.find((row) => String(row.id) === exchange.params.id) ?? null})
      },
      method: 'GET',
      path: `${prefix}/Tickets/:id`,
    },
    {
      handler(exchange) {
        const body = objectBody(exchange)
        if (!body) return
        const problems = missingOrNull(body, ['companyID', 'priority', 'status', 'title'])
        if (body.id !== undefined) problems.push('id must not be set on create.')
        if (body.companyID !== undefined && !data.Companies.some((company) => company.id === body.companyID)) {
          problems.push(`Value does not reference an existing entity for companyID ${String(body.companyID)}.`)
        }
        if (problems.length > 0) return errors(exchange, 500, ...problems)
        const id = nextId++
        data.Tickets.push({createDate: new Date().toISOString(), isActive: true, ...body, id, ticketNumber: `T20260105.${id}`})
        sendJson(exchange.res, 200, {itemId: id})
      },
      method: 'POST',
      path: `${prefix}/Tickets`,
    },
    {
      handler(exchange) {
        const body = objectBody(exchange)
        if (!body) return
        if (body.id === undefined) return errors(exchange, 500, 'id is required: send it in the body.')
        const ticket = data.Tickets.find((row) => row.id === Number(body.id))
        if (!ticket) return errors(exchange, 500, `Unable to find Tickets with id ${String(body.id)}.`)
        const problems = missingOrNull(body, [])
        if (problems.length > 0) return errors(exchange, 500, ...problems)
        Object.assign(ticket, body, {id: ticket.id})
        sendJson(exchange.res, 200, {itemId: ticket.id})
      },
      method: 'PATCH',
      path: `${prefix}/Tickets`,
    },
    {
      handler(exchange) {
        const body = objectBody(exchange)
        if (!body) return
        const ticket = data.Tickets.find((row) => String(row.id) === exchange.params.parentId)
        if (!ticket) return errors(exchange, 500, `Value does not reference an existing entity for ticketID ${exchange.params.parentId}.`)
        const problems = missingOrNull(body, ['description', 'noteType', 'publish', 'title'])
        if (problems.length > 0) return errors(exchange, 500, ...problems)
        const id = nextId++
        data.TicketNotes.push({createDateTime: new Date().toISOString(), ...body, id, ticketID: ticket.id})
        sendJson(exchange.res, 200, {itemId: id})
      },
      method: 'POST',
      path: `${prefix}/Tickets/:parentId/Notes`,
    },
    {
      handler(exchange) {
        const body = objectBody(exchange)
        if (!body) return
        const problems = missingOrNull(body, ['hoursWorked'])
        const hours = Number(body.hoursWorked)
        if (body.hoursWorked !== undefined && !(hours > 0 && hours <= 24)) problems.push('hoursWorked must be greater than 0 and at most 24.')
        if (body.ticketID !== undefined && !data.Tickets.some((ticket) => ticket.id === body.ticketID)) {
          problems.push(`Value does not reference an existing entity for ticketID ${String(body.ticketID)}.`)
        }
        if (problems.length > 0) return errors(exchange, 500, ...problems)
        const id = nextId++
        data.TimeEntries.push({...body, id})
        sendJson(exchange.res, 200, {itemId: id})
      },
      method: 'POST',
      path: `${prefix}/TimeEntries`,
    },
  ]

  const notFound = ({res}: Exchange) => res.writeHead(404, {'content-type': 'text/html'}).end('<h2>404 - File or directory not found.</h2>')
  const zone = await startVendorServer({guard, notFound, requests, routes})
  zoneUrl = `${zone.origin}/ATServicesRest/`
  // The lookup host serves no tenant's data: authenticated calls there are refused like wrong credentials.
  const lookup = await startVendorServer({
    guard: (exchange) => (sendEmpty(exchange.res, 401), false),
    notFound,
    requests,
    routes,
  })

  return {
    async close() {
      await Promise.all([zone.close(), lookup.close()])
    },
    credentials,
    data,
    origin: lookup.origin,
    rateLimitNext: (count, retryAfterSeconds) => rateLimit.arm(count, retryAfterSeconds),
    requests,
    zoneUrl,
  }
}

/** `filter`, `MaxRecords`, `IncludeFields` whatever their capitalisation. */
const normaliseQuery = (search: Record<string, unknown>) => {
  const get = (name: string) => Object.entries(search).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1]
  return {
    IncludeFields: get('IncludeFields') as unknown[] | undefined,
    MaxRecords: get('MaxRecords') as number | undefined,
    filter: get('filter') as unknown,
  }
}

// --- query filters: [{op, field, value}] and {op: "and" | "or", items: [...]} -------------------------------------
// Autotask's documented operators: eq, noteq, gt, gte, lt, lte, beginsWith, endsWith, contains, exist, notExist, in,
// notIn. No library evaluates this format.

const fieldOf = (row: AutotaskRecord, field: string): unknown =>
  Object.entries(row).find(([key]) => key.toLowerCase() === field.toLowerCase())?.[1]

const fold = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value)

function compileFilter(condition: unknown): (row: AutotaskRecord) => boolean {
  if (!condition || typeof condition !== 'object') throw new Error('Each filter condition must be an object.')
  const {field, items, op, value} = condition as {field?: unknown; items?: unknown; op?: unknown; value?: unknown}
  const name = String(op ?? '').toLowerCase()
  if (name === 'and' || name === 'or') {
    if (!Array.isArray(items) || items.length === 0) throw new Error(`The ${name} group needs items.`)
    const parts = items.map((item) => compileFilter(item))
    return name === 'and' ? (row) => parts.every((part) => part(row)) : (row) => parts.some((part) => part(row))
  }
  if (typeof field !== 'string' || field === '') throw new Error(`The ${String(op)} condition needs a field.`)
  const read = (row: AutotaskRecord) => fold(fieldOf(row, field))
  const expected = fold(value)
  const text = (row: AutotaskRecord) => String(fieldOf(row, field) ?? '').toLowerCase()
  switch (name) {
    case 'eq': {
      return (row) => read(row) === expected
    }
    case 'noteq': {
      return (row) => read(row) !== expected
    }
    case 'gt': {
      return (row) => (read(row) as number) > (expected as number)
    }
    case 'gte': {
      return (row) => (read(row) as number) >= (expected as number)
    }
    case 'lt': {
      return (row) => (read(row) as number) < (expected as number)
    }
    case 'lte': {
      return (row) => (read(row) as number) <= (expected as number)
    }
    case 'beginswith': {
      return (row) => text(row).startsWith(String(value).toLowerCase())
    }
    case 'endswith': {
      return (row) => text(row).endsWith(String(value).toLowerCase())
    }
    case 'contains': {
      return (row) => text(row).includes(String(value).toLowerCase())
    }
    case 'exist': {
      return (row) => fieldOf(row, field) !== undefined && fieldOf(row, field) !== null
    }
    case 'notexist': {
      return (row) => fieldOf(row, field) === undefined || fieldOf(row, field) === null
    }
    case 'in':
    case 'notin': {
      if (!Array.isArray(value)) throw new Error(`The ${String(op)} condition needs an array value.`)
      const values = value.map((entry) => fold(entry))
      return (row) => values.includes(read(row)) === (name === 'in')
    }
    default: {
      throw new Error(`Unknown filter operator ${JSON.stringify(op)}.`)
    }
  }
}
