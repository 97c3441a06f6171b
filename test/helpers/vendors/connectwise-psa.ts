// ConnectWise PSA (Manage) emulator: the API-member surface the `connectwise-psa` app uses, as documented in
// shared/reference/catalog-vendors.md §1, with the vendor's shapes and refusals.
//
// Tools the app definition exposes (paths under `{instance}/{codebase}apis/3.0`; the codebase comes from the
// unauthenticated `GET {instance}/login/companyinfo/{company}`; verification `GET /system/info`):
//   list_tickets          R  GET   /service/tickets              conditions?, orderBy?, fields?, page?, pageSize? (≤1000)
//   get_ticket            R  GET   /service/tickets/{id}         id
//   get_ticket_notes      R  GET   /service/tickets/{id}/notes   id, page?, pageSize?
//   create_ticket         W  POST  /service/tickets              summary, board {id}, company {id}, initialDescription?
//   update_ticket         W  PATCH /service/tickets/{id}         id, JSON-Patch array [{op:"replace", path, value}]
//   add_ticket_note       W  POST  /service/tickets/{id}/notes   id, text, internalAnalysisFlag?, detailDescriptionFlag?, resolutionFlag?
//   search_companies      R  GET   /company/companies            conditions?, orderBy?, page?, pageSize?
//   list_configurations   R  GET   /company/configurations       conditions?, orderBy?, page?, pageSize?
//   log_time              W  POST  /time/entries                 timeStart, timeEnd?, actualHours?, chargeToId?, chargeToType?, member {identifier}?, notes?
//
// Statuses the reference leaves open (†) are chosen here and marked: refused credentials answer 401; a missing
// clientId header answers 401 with the same error shape.
import {randomUUID} from 'node:crypto'

import {
  type Exchange,
  mediaType,
  RateLimit,
  randomSecret,
  type Route,
  sendJson,
  startVendorServer,
  type VendorRequest,
} from './emulator.js'

export interface ConnectWiseCredentials {
  /** Login company ID (the `company` field). */
  company: string
  /** The integration vendor's GUID, sent as the `clientId` header. */
  clientId: string
  privateKey: string
  publicKey: string
}

export type ConnectWiseRecord = Record<string, unknown> & {id: number}

export interface ConnectWiseData {
  companies: ConnectWiseRecord[]
  configurations: ConnectWiseRecord[]
  notes: ConnectWiseRecord[]
  tickets: ConnectWiseRecord[]
  timeEntries: ConnectWiseRecord[]
}

export interface ConnectWiseEmulatorOptions extends Partial<ConnectWiseCredentials> {
  /** Codebase `companyinfo` announces; the API answers only under it (default `v4_6_release/`). */
  codebase?: string
  /** How many tickets to seed (default 30: more than one default page of 25). */
  ticketCount?: number
}

export interface ConnectWiseEmulator {
  /** The API base a client builds from the codebase lookup: `{origin}/{codebase}apis/3.0`. */
  apiBase: string
  codebase: string
  credentials: ConnectWiseCredentials
  /** The records behind the API; tests may read and change them. */
  data: ConnectWiseData
  /** `https://127.0.0.1:<port>`: the `instance` URL (the site and the API host in one). */
  origin: string
  requests: VendorRequest[]
  close(): Promise<void>
  /** The next `count` authenticated API requests get 429 with `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void
}

/** ConnectWise's error body: `{code, message, errors?}`. */
const cwError = (code: string, message: string, errors?: Array<Record<string, string>>) =>
  errors ? {code, errors, message} : {code, message}

const seed = (ticketCount: number): ConnectWiseData => {
  const companies: ConnectWiseRecord[] = [
    {id: 250, identifier: 'Acme', name: 'Acme Corporation', status: {id: 1, name: 'Active'}, types: [{id: 1, name: 'Client'}]},
    {id: 251, identifier: 'Globex', name: 'Globex Ltd', status: {id: 1, name: 'Active'}, types: [{id: 1, name: 'Client'}]},
    {id: 252, identifier: 'Initech', name: 'Initech LLC', status: {id: 2, name: 'Inactive'}, types: [{id: 2, name: 'Prospect'}]},
  ]
  const boards = [
    {id: 1, name: 'Service Desk'},
    {id: 2, name: 'Projects'},
  ]
  const statuses = [
    {id: 505, name: 'New'},
    {id: 506, name: 'In Progress'},
    {id: 507, name: 'Closed'},
  ]
  const tickets: ConnectWiseRecord[] = Array.from({length: ticketCount}, (_, index) => {
    const company = companies[index % companies.length]
    return {
      board: boards[index % 2],
      closedFlag: false,
      company: {id: company.id, identifier: company.identifier, name: company.name},
      id: 1001 + index,
      initialDescription: `Reported problem number ${index + 1}.`,
      priority: {id: 4, name: 'Priority 3 - Normal Response'},
      status: statuses[index % 3],
      summary: index === 0 ? 'Printer offline in reception' : `Ticket ${index + 1}`,
    }
  })
  const notes: ConnectWiseRecord[] = [
    {detailDescriptionFlag: true, id: 9001, internalAnalysisFlag: false, resolutionFlag: false, text: 'Customer called in.', ticketId: 1001},
    {detailDescriptionFlag: false, id: 9002, internalAnalysisFlag: true, resolutionFlag: false, text: 'Driver reinstalled.', ticketId: 1001},
  ]
  const configurations: ConnectWiseRecord[] = [
    {company: {id: 250, identifier: 'Acme'}, id: 71, name: 'ACME-DC01', status: {id: 1, name: 'Active'}, type: {id: 3, name: 'Server'}},
    {company: {id: 250, identifier: 'Acme'}, id: 72, name: 'ACME-PRN01', status: {id: 1, name: 'Active'}, type: {id: 5, name: 'Printer'}},
    {company: {id: 251, identifier: 'Globex'}, id: 73, name: 'GLOBEX-FW', status: {id: 1, name: 'Active'}, type: {id: 7, name: 'Firewall'}},
  ]
  return {companies, configurations, notes, tickets, timeEntries: []}
}

/** Start a ConnectWise PSA emulator on https://127.0.0.1 (test CA). */
export async function startConnectWiseEmulator(options: ConnectWiseEmulatorOptions = {}): Promise<ConnectWiseEmulator> {
  const credentials: ConnectWiseCredentials = {
    clientId: options.clientId ?? randomUUID(),
    company: options.company ?? 'acme',
    privateKey: options.privateKey ?? randomSecret(12),
    publicKey: options.publicKey ?? randomSecret(12),
  }
  const codebase = options.codebase ?? 'v4_6_release/'
  const data = seed(options.ticketCount ?? 30)
  const requests: VendorRequest[] = []
  const rateLimit = new RateLimit()
  const api = `/${codebase}apis/3.0`
  let origin = ''
  let nextId = 20_000

  const unauthorized = (exchange: Exchange): boolean => {
    const header = exchange.req.headers.authorization ?? ''
    const match = /^basic +(\S+)$/i.exec(header)
    if (!match) {
      sendJson(exchange.res, 401, cwError('Unauthorized', 'Unauthorized'))
      return true
    }
    const decoded = Buffer.from(match[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const user = colon === -1 ? decoded : decoded.slice(0, colon)
    const plus = user.indexOf('+')
    const ok =
      colon !== -1 &&
      plus !== -1 &&
      user.slice(0, plus).toLowerCase() === credentials.company.toLowerCase() &&
      user.slice(plus + 1) === credentials.publicKey &&
      decoded.slice(colon + 1) === credentials.privateKey
    if (ok) return false
    sendJson(exchange.res, 401, cwError('ConnectWiseApi', 'UserNotAuthenticated'))
    return true
  }

  const guard = (exchange: Exchange): boolean => {
    if (unauthorized(exchange)) return false
    if (!exchange.req.headers.clientid) {
      // Required since 2019-08-14 (reference §1); the exact wording of ConnectWise's refusal is not confirmed.
      sendJson(
        exchange.res,
        401,
        cwError('Unauthorized', 'clientId header is required. Register one at https://developer.connectwise.com/ClientID'),
      )
      return false
    }
    const retryAfter = rateLimit.take()
    if (retryAfter !== undefined) {
      sendJson(exchange.res, 429, cwError('TooManyRequests', 'Too many requests, please retry later.'), {'retry-after': String(retryAfter)})
      return false
    }
    if (['PATCH', 'POST', 'PUT'].includes(exchange.req.method ?? '') && mediaType(exchange.req.headers['content-type']) !== 'application/json') {
      sendJson(exchange.res, 415, cwError('UnsupportedMediaType', 'Content-Type must be application/json'))
      return false
    }
    return true
  }

  /** GET a list: conditions, orderBy, fields, then paging (page/pageSize with a Link header, or forward-only pageId). */
  const list = (exchange: Exchange, records: ConnectWiseRecord[]) => {
    const {query} = exchange.request
    let rows: ConnectWiseRecord[]
    try {
      rows = records.filter(compileConditions(query.conditions ?? ''))
    } catch (error) {
      sendJson(exchange.res, 400, cwError('InvalidObject', `conditions: ${(error as Error).message}`))
      return
    }
    rows = sortRows(rows, query.orderBy ?? query.orderby)
    const pageSize = Math.min(Math.max(Number(query.pageSize ?? query.pagesize ?? 25) || 25, 1), 1000)
    const link = (params: Record<string, string>, rel: string) => {
      const url = new URL(exchange.url.pathname, origin)
      for (const [key, value] of Object.entries({...query, ...params})) url.searchParams.set(key, value)
      return `<${url.href}>; rel="${rel}"`
    }
    const links: string[] = []
    let page: ConnectWiseRecord[]
    if (String(exchange.req.headers['pagination-type']).toLowerCase() === 'forward-only') {
      const after = Number(query.pageId ?? query.pageid ?? 0)
      const remaining = sortRows(rows, 'id asc').filter((row) => row.id > after)
      page = remaining.slice(0, pageSize)
      if (remaining.length > pageSize) links.push(link({pageId: String(page.at(-1)?.id), pageSize: String(pageSize)}, 'next'))
    } else {
      const number = Math.max(Number(query.page ?? 1) || 1, 1)
      const last = Math.max(Math.ceil(rows.length / pageSize), 1)
      page = rows.slice((number - 1) * pageSize, number * pageSize)
      if (number > 1) links.push(link({page: '1', pageSize: String(pageSize)}, 'first'), link({page: String(number - 1), pageSize: String(pageSize)}, 'prev'))
      if (number < last) links.push(link({page: String(number + 1), pageSize: String(pageSize)}, 'next'), link({page: String(last), pageSize: String(pageSize)}, 'last'))
    }
    const fields = query.fields?.split(',').map((field) => field.trim()).filter(Boolean)
    sendJson(exchange.res, 200, fields ? page.map((row) => pick(row, fields)) : page, links.length > 0 ? {link: links.join(', ')} : {})
  }

  const count = (exchange: Exchange, records: ConnectWiseRecord[]) => {
    try {
      sendJson(exchange.res, 200, {count: records.filter(compileConditions(exchange.request.query.conditions ?? '')).length})
    } catch (error) {
      sendJson(exchange.res, 400, cwError('InvalidObject', `conditions: ${(error as Error).message}`))
    }
  }

  const ticketOr404 = (exchange: Exchange): ConnectWiseRecord | undefined => {
    const ticket = data.tickets.find((row) => String(row.id) === exchange.params.id)
    if (!ticket) sendJson(exchange.res, 404, cwError('NotFound', `Ticket with id ${exchange.params.id} was not found.`))
    return ticket
  }

  const invalid = (exchange: Exchange, resource: string, missing: string[]) =>
    sendJson(
      exchange.res,
      400,
      cwError(
        'InvalidObject',
        `${resource} object is invalid`,
        missing.map((field) => ({code: 'MissingRequiredField', field, message: `The ${field} field is required.`, resource})),
      ),
    )

  const objectBody = (exchange: Exchange): Record<string, unknown> | undefined => {
    const {body} = exchange
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>
    sendJson(exchange.res, 400, cwError('InvalidObject', 'The request body must be a JSON object.'))
    return undefined
  }

  const idOf = (value: unknown): number | undefined => {
    const id = (value as {id?: unknown} | undefined)?.id
    return typeof id === 'number' ? id : undefined
  }

  const info = () => ({_info: {dateEntered: new Date().toISOString(), enteredBy: 'ApiMember'}})

  const routes: Route[] = [
    {
      handler({params, res}) {
        // Unauthenticated; an unknown company gets 200 with a JSON null (observed by community clients).
        if (params.company.toLowerCase() !== credentials.company.toLowerCase()) {
          sendJson(res, 200, null)
          return
        }
        sendJson(res, 200, {
          Codebase: codebase,
          CompanyID: credentials.company,
          CompanyName: 'Acme MSP',
          IsCloud: true,
          SiteUrl: new URL(origin).host,
          VersionCode: 'v2024.1',
          VersionNumber: 'v4.6.94540',
        })
      },
      method: 'GET',
      open: true,
      path: '/login/companyinfo/:company',
    },
    {
      handler: ({res}) => sendJson(res, 200, {cloudRegion: 'NA', isCloud: true, serverTimeZone: 'Eastern Standard Time', version: 'v2024.1.94540'}),
      method: 'GET',
      path: `${api}/system/info`,
    },
    {handler: (exchange) => count(exchange, data.tickets), method: 'GET', path: `${api}/service/tickets/count`},
    {handler: (exchange) => list(exchange, data.tickets), method: 'GET', path: `${api}/service/tickets`},
    {
      handler(exchange) {
        const ticket = ticketOr404(exchange)
        if (ticket) sendJson(exchange.res, 200, ticket)
      },
      method: 'GET',
      path: `${api}/service/tickets/:id`,
    },
    {
      handler(exchange) {
        const body = objectBody(exchange)
        if (!body) return
        const missing = ['summary', 'board', 'company'].filter((field) => (field === 'summary' ? !body.summary : idOf(body[field]) === undefined))
        if (missing.length > 0) return invalid(exchange, 'ticket', missing)
        const company = data.companies.find((row) => row.id === idOf(body.company))
        if (!company) {
          sendJson(exchange.res, 400, cwError('InvalidObject', 'ticket object is invalid', [{code: 'InvalidField', field: 'company', message: 'The company was not found.', resource: 'ticket'}]))
          return
        }
        const ticket: ConnectWiseRecord = {
          closedFlag: false,
          status: {id: 505, name: 'New'},
          ...body,
          ...info(),
          company: {id: company.id, identifier: company.identifier, name: company.name},
          id: nextId++,
        }
        data.tickets.push(ticket)
        sendJson(exchange.res, 201, ticket)
      },
      method: 'POST',
      path: `${api}/service/tickets`,
    },
    {
      handler(exchange) {
        const ticket = ticketOr404(exchange)
        if (!ticket) return
        const error = applyJsonPatch(ticket, exchange.body)
        if (error) {
          sendJson(exchange.res, 400, cwError('InvalidObject', error))
          return
        }
        sendJson(exchange.res, 200, ticket)
      },
      method: 'PATCH',
      path: `${api}/service/tickets/:id`,
    },
    {
      handler(exchange) {
        if (ticketOr404(exchange)) list(exchange, data.notes.filter((note) => String(note.ticketId) === exchange.params.id))
      },
      method: 'GET',
      path: `${api}/service/tickets/:id/notes`,
    },
    {
      handler(exchange) {
        const ticket = ticketOr404(exchange)
        const body = ticket && objectBody(exchange)
        if (!ticket || !body) return
        if (typeof body.text !== 'string' || body.text === '') return invalid(exchange, 'ticketNote', ['text'])
        const note: ConnectWiseRecord = {
          detailDescriptionFlag: false,
          internalAnalysisFlag: false,
          resolutionFlag: false,
          ...body,
          ...info(),
          id: nextId++,
          ticketId: ticket.id,
        }
        data.notes.push(note)
        sendJson(exchange.res, 201, note)
      },
      method: 'POST',
      path: `${api}/service/tickets/:id/notes`,
    },
    {handler: (exchange) => count(exchange, data.companies), method: 'GET', path: `${api}/company/companies/count`},
    {handler: (exchange) => list(exchange, data.companies), method: 'GET', path: `${api}/company/companies`},
    {handler: (exchange) => count(exchange, data.configurations), method: 'GET', path: `${api}/company/configurations/count`},
    {handler: (exchange) => list(exchange, data.configurations), method: 'GET', path: `${api}/company/configurations`},
    {
      handler(exchange) {
        const body = objectBody(exchange)
        if (!body) return
        if (!body.timeStart) return invalid(exchange, 'timeEntry', ['timeStart'])
        if (body.chargeToType === 'ServiceTicket' && !data.tickets.some((row) => row.id === body.chargeToId)) {
          sendJson(exchange.res, 400, cwError('InvalidObject', 'timeEntry object is invalid', [{code: 'InvalidField', field: 'chargeToId', message: 'The ticket was not found.', resource: 'timeEntry'}]))
          return
        }
        const entry: ConnectWiseRecord = {chargeToType: 'ChargeCode', ...body, ...info(), id: nextId++}
        data.timeEntries.push(entry)
        sendJson(exchange.res, 201, entry)
      },
      method: 'POST',
      path: `${api}/time/entries`,
    },
  ]

  const server = await startVendorServer({
    guard,
    notFound: ({res, url}) => sendJson(res, 404, cwError('NotFound', `The requested resource ${url.pathname} was not found.`)),
    requests,
    routes,
  })
  origin = server.origin

  return {
    apiBase: `${origin}${api}`,
    close: () => server.close(),
    codebase,
    credentials,
    data,
    origin,
    rateLimitNext: (count, retryAfterSeconds) => rateLimit.arm(count, retryAfterSeconds),
    requests,
  }
}

/** Read `board/id` from a record. */
const valueAt = (row: unknown, path: string): unknown => {
  let value = row
  for (const key of path.split('/')) {
    if (!value || typeof value !== 'object') return undefined
    const entry = Object.entries(value).find(([name]) => name.toLowerCase() === key.toLowerCase())
    value = entry?.[1]
  }
  return value
}

const pick = (row: ConnectWiseRecord, fields: string[]): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const field of fields) {
    const value = valueAt(row, field)
    if (value === undefined) continue
    const keys = field.split('/')
    let target = out
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>
    target[keys.at(-1) as string] = value
  }
  return out
}

const sortRows = (rows: ConnectWiseRecord[], orderBy: string | undefined): ConnectWiseRecord[] => {
  const [field, direction] = (orderBy ?? 'id asc').trim().split(/\s+/)
  const sign = direction?.toLowerCase() === 'desc' ? -1 : 1
  return [...rows].sort((a, b) => {
    const x = valueAt(a, field)
    const y = valueAt(b, field)
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y)
    return sign * String(x ?? '').localeCompare(String(y ?? ''))
  })
}

/** Apply a JSON-Patch array (`replace`/`add`/`remove` on `status` or `/status/id` paths); the error text, if any. */
function applyJsonPatch(record: ConnectWiseRecord, operations: unknown): string | undefined {
  if (!Array.isArray(operations)) return 'The request body must be a JSON-Patch array of operations.'
  for (const operation of operations as Array<Record<string, unknown>>) {
    const op = String(operation?.op ?? '').toLowerCase()
    const path = String(operation?.path ?? '').replace(/^\//, '')
    if (!['add', 'remove', 'replace'].includes(op) || !path) return `Invalid patch operation ${JSON.stringify(operation)}.`
    if (path === 'id') return 'The id field cannot be changed.'
    const keys = path.split('/')
    let target = record as Record<string, unknown>
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>
    const last = keys.at(-1) as string
    if (op === 'remove') delete target[last]
    else if (!('value' in operation)) return `The ${op} operation on ${path} has no value.`
    else target[last] = operation.value
  }
  return undefined
}

// --- conditions: `board/id=1 and (status/name="New" or summary contains "printer")` ------------------------------
// ConnectWise's query language (reference §1): comparisons `= != < <= > >= contains like in`, joined by `and`/`or`,
// `not`, parentheses; strings in double quotes, dates in [brackets]. A small recursive-descent parser: no library
// speaks this dialect.

type Token = {kind: 'op' | 'paren' | 'comma' | 'word' | 'value'; text: string; value?: unknown}

const tokenize = (text: string): Token[] => {
  const tokens: Token[] = []
  let index = 0
  while (index < text.length) {
    const rest = text.slice(index)
    let match: RegExpExecArray | null
    if ((match = /^\s+/.exec(rest))) {
      index += match[0].length
    } else if ((match = /^(<=|>=|!=|=|<|>)/.exec(rest))) {
      tokens.push({kind: 'op', text: match[1]})
      index += match[0].length
    } else if ((match = /^[()]/.exec(rest))) {
      tokens.push({kind: 'paren', text: match[0]})
      index += 1
    } else if (rest.startsWith(',')) {
      tokens.push({kind: 'comma', text: ','})
      index += 1
    } else if ((match = /^"((?:[^"\\]|\\.)*)"|^'((?:[^'\\]|\\.)*)'/.exec(rest))) {
      tokens.push({kind: 'value', text: match[0], value: (match[1] ?? match[2]).replaceAll(/\\(.)/g, '$1')})
      index += match[0].length
    } else if ((match = /^\[([^\]]*)\]/.exec(rest))) {
      tokens.push({kind: 'value', text: match[0], value: match[1]})
      index += match[0].length
    } else if ((match = /^-?\d+(\.\d+)?(?![\w/])/.exec(rest))) {
      tokens.push({kind: 'value', text: match[0], value: Number(match[0])})
      index += match[0].length
    } else if ((match = /^[A-Za-z_][\w/.]*/.exec(rest))) {
      tokens.push({kind: 'word', text: match[0]})
      index += match[0].length
    } else {
      throw new Error(`unexpected character ${JSON.stringify(rest[0])} at ${index}`)
    }
  }
  return tokens
}

type Predicate = (row: ConnectWiseRecord) => boolean

const compare = (left: unknown, op: string, right: unknown): boolean => {
  if (op === 'contains') return String(left ?? '').toLowerCase().includes(String(right).toLowerCase())
  if (op === 'like') {
    const pattern = String(right).split('%').map((part) => part.replaceAll(/[$()*+.?[\\\]^{|}]/g, String.raw`\$&`)).join('.*')
    return new RegExp(`^${pattern}$`, 'i').test(String(left ?? ''))
  }
  const a = typeof left === 'string' ? left.toLowerCase() : left
  const b = typeof right === 'string' ? right.toLowerCase() : right
  switch (op) {
    case '=': {
      return a === b || (a === undefined && b === null)
    }
    case '!=': {
      return a !== b
    }
    case '<': {
      return (a as number) < (b as number)
    }
    case '<=': {
      return (a as number) <= (b as number)
    }
    case '>': {
      return (a as number) > (b as number)
    }
    case '>=': {
      return (a as number) >= (b as number)
    }
  }
  return false
}

/** Compile a `conditions` string into a row predicate; throws on a syntax error. */
function compileConditions(text: string): Predicate {
  if (text.trim() === '') return () => true
  const tokens = tokenize(text)
  let position = 0
  const peek = () => tokens[position]
  const keyword = (word: string) => peek()?.kind === 'word' && peek().text.toLowerCase() === word
  const literal = (): unknown => {
    const token = tokens[position++]
    if (token?.kind === 'value') return token.value
    if (token?.kind === 'word' && ['false', 'null', 'true'].includes(token.text.toLowerCase())) return JSON.parse(token.text.toLowerCase())
    throw new Error(`expected a value, found ${token ? JSON.stringify(token.text) : 'the end'}`)
  }
  const comparison = (): Predicate => {
    const field = tokens[position++]
    if (field?.kind !== 'word') throw new Error(`expected a field, found ${field ? JSON.stringify(field.text) : 'the end'}`)
    const not = keyword('not') ? (position++, true) : false
    if (keyword('in')) {
      position++
      if (peek()?.text !== '(') throw new Error('expected ( after in')
      position++
      const values: unknown[] = [literal()]
      while (peek()?.kind === 'comma') {
        position++
        values.push(literal())
      }
      if (tokens[position++]?.text !== ')') throw new Error('expected ) after the in list')
      return (row) => values.some((value) => compare(valueAt(row, field.text), '=', value)) !== not
    }
    const op = tokens[position++]
    const name = op?.kind === 'op' ? op.text : op?.kind === 'word' && ['contains', 'like'].includes(op.text.toLowerCase()) ? op.text.toLowerCase() : undefined
    if (!name) throw new Error(`expected an operator after ${field.text}`)
    const value = literal()
    return (row) => compare(valueAt(row, field.text), name, value) !== not
  }
  const factor = (): Predicate => {
    if (keyword('not')) {
      position++
      const inner = factor()
      return (row) => !inner(row)
    }
    if (peek()?.text === '(') {
      position++
      const inner = expression()
      if (tokens[position++]?.text !== ')') throw new Error('unbalanced parentheses')
      return inner
    }
    return comparison()
  }
  const term = (): Predicate => {
    const parts = [factor()]
    while (keyword('and')) {
      position++
      parts.push(factor())
    }
    return (row) => parts.every((part) => part(row))
  }
  const expression = (): Predicate => {
    const parts = [term()]
    while (keyword('or')) {
      position++
      parts.push(term())
    }
    return (row) => parts.some((part) => part(row))
  }
  const predicate = expression()
  if (position < tokens.length) throw new Error(`unexpected ${JSON.stringify(tokens[position].text)}`)
  return predicate
}
