// IT Glue emulator: the API-key surface and the JSON:API endpoints the `it-glue` app uses, as documented in
// shared/reference/catalog-vendors.md §10, with the vendor's shapes and refusals.
//
// Auth: `x-api-key: ITG.…` on every request; a missing or wrong key is 401 with the JSON:API error body of
// itglue/automation#4. Format: `Content-Type: application/vnd.api+json` on every request (JSON:API; anything else is
// 415), and an Accept that allows it (else 406). Verification: `GET /organizations?page[size]=1`.
//
// Endpoints (lists page with `page[size]` ≤ 1000 and `page[number]`, and give the next page in `links.next`):
//   GET /organizations                                   filter[name]
//   GET /organizations/{id}/relationships/configurations
//   GET /organizations/{id}/relationships/passwords       never the password values
//   GET /passwords/{id}                                   the value only with show_password=true
//
// Left open by the reference (†) and chosen here: list bodies carry JSON:API `meta` and `links`; a 404 is
// `{"errors":[{"status":"404","title":"Record not found"}]}`; a page size over 1000 is a 400.
import {
  type Exchange,
  mediaType,
  RateLimit,
  randomSecret,
  sendJson,
  startVendorServer,
  type VendorRequest,
  type VendorServer,
} from './emulator.js'

export const JSON_API = 'application/vnd.api+json'

export type ItGlueAttributes = Record<string, unknown>

export interface ItGlueRecord {
  attributes: ItGlueAttributes
  id: string
}

export interface ItGlueData {
  configurations: ItGlueRecord[]
  organizations: ItGlueRecord[]
  /** Attributes include `password`; the API shows it only with show_password=true. */
  passwords: ItGlueRecord[]
}

export interface ItGlueEmulatorOptions {
  /** The accepted API key (default: a random `ITG.` key). */
  apiKey?: string
  /** How many organizations to seed besides Acme and Globex (default 0): for paging tests. */
  extraOrganizations?: number
}

export interface ItGlueEmulator {
  apiKey: string
  data: ItGlueData
  /** The instance URL (the `instance` field): `https://127.0.0.1:<port>`. */
  origin: string
  /** Every request, in order. */
  requests: VendorRequest[]
  close(): Promise<void>
  /** The next `count` requests get 429 with `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void
}

const MAX_PAGE_SIZE = 1000

const seed = (extra: number): ItGlueData => {
  const organizations: ItGlueRecord[] = [
    {attributes: {name: 'Acme Corporation', 'organization-status-name': 'Active', 'organization-type-name': 'Customer', 'short-name': 'acme'}, id: '1001'},
    {attributes: {name: 'Globex Ltd', 'organization-status-name': 'Active', 'organization-type-name': 'Customer', 'short-name': 'globex'}, id: '1002'},
    ...Array.from({length: extra}, (_, i) => ({
      attributes: {name: `Customer ${i + 1}`, 'organization-status-name': 'Active', 'organization-type-name': 'Customer', 'short-name': `c${i + 1}`},
      id: String(2000 + i),
    })),
  ]
  const configurations: ItGlueRecord[] = [
    {attributes: {'configuration-type-name': 'Server', hostname: 'acme-dc01', name: 'ACME-DC01', 'organization-id': 1001, 'primary-ip': '10.0.0.10'}, id: '501'},
    {attributes: {'configuration-type-name': 'Firewall', hostname: 'acme-fw', name: 'ACME-FW', 'organization-id': 1001, 'primary-ip': '10.0.0.1'}, id: '502'},
    {attributes: {'configuration-type-name': 'Workstation', hostname: 'globex-ws1', name: 'GLOBEX-WS1', 'organization-id': 1002, 'primary-ip': '10.1.0.21'}, id: '503'},
  ]
  const passwords: ItGlueRecord[] = [
    {attributes: {name: 'Domain admin', 'organization-id': 1001, password: 'Tr0ub4dor&3', 'password-category-name': 'Active Directory', url: 'https://acme-dc01', username: 'ACME\\admin'}, id: '701'},
    {attributes: {name: 'Firewall admin', 'organization-id': 1001, password: 'c0rrect-h0rse', 'password-category-name': 'Network', url: 'https://10.0.0.1', username: 'admin'}, id: '702'},
  ]
  return {configurations, organizations, passwords}
}

/** Start an IT Glue emulator on https://127.0.0.1 (test CA). */
export async function startItGlueEmulator(options: ItGlueEmulatorOptions = {}): Promise<ItGlueEmulator> {
  const apiKey = options.apiKey ?? `ITG.${randomSecret(16)}`
  const data = seed(options.extraOrganizations ?? 0)
  const requests: VendorRequest[] = []
  const rateLimit = new RateLimit()
  let origin = ''

  const errors = (exchange: Exchange, status: number, title: string, detail?: string, headers: Record<string, string> = {}) =>
    sendJson(exchange.res, status, {errors: [{status: String(status), title, ...(detail ? {detail} : {})}]}, {'content-type': JSON_API, ...headers})

  const guard = (exchange: Exchange): boolean => {
    const {headers} = exchange.req
    if (headers['x-api-key'] !== apiKey) {
      // The body IT Glue sends for a bad key (itglue/automation#4).
      sendJson(exchange.res, 401, {errors: [{detail: 'Unauthorized resource access', source: {pointer: 'id'}, status: 401, title: 'Unauthorized'}]}, {'content-type': JSON_API})
      return false
    }

    if (mediaType(headers['content-type']) !== JSON_API || (headers['content-type'] ?? '').includes(';')) {
      errors(exchange, 415, 'Unsupported Media Type', `Content-Type must be ${JSON_API}`)
      return false
    }

    const accept = headers.accept ?? '*/*'
    if (!accept.split(',').some((part) => ['*/*', 'application/*', JSON_API].includes(mediaType(part)))) {
      errors(exchange, 406, 'Not Acceptable', `Accept must allow ${JSON_API}`)
      return false
    }

    const retryAfter = rateLimit.take()
    if (retryAfter !== undefined) {
      errors(exchange, 429, 'Too Many Requests', 'Rate limit exceeded', {'retry-after': String(retryAfter)})
      return false
    }

    return true
  }

  const resource = (type: string, record: ItGlueRecord, hide: string[] = []) => ({
    attributes: Object.fromEntries(Object.entries(record.attributes).filter(([key]) => !hide.includes(key))),
    id: record.id,
    type,
  })

  /** A JSON:API list page with `meta` and `links`, paged with page[size] and page[number]. */
  const list = (exchange: Exchange, type: string, rows: ItGlueRecord[], hide: string[] = []) => {
    const {query} = exchange.request
    const size = Number(query['page[size]'] ?? 50)
    const number = Number(query['page[number]'] ?? 1)
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) return errors(exchange, 400, 'Bad Request', `page[size] must be between 1 and ${MAX_PAGE_SIZE}`)
    if (!Number.isInteger(number) || number < 1) return errors(exchange, 400, 'Bad Request', 'page[number] must be a positive integer')
    const pages = Math.max(1, Math.ceil(rows.length / size))
    const link = (page: number) => {
      const url = new URL(exchange.url.pathname, origin)
      for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value)
      url.searchParams.set('page[number]', String(page))
      url.searchParams.set('page[size]', String(size))
      return url.href
    }

    sendJson(
      exchange.res,
      200,
      {
        data: rows.slice((number - 1) * size, number * size).map((row) => resource(type, row, hide)),
        links: {last: link(pages), self: link(number), ...(number < pages ? {next: link(number + 1)} : {})},
        meta: {'current-page': number, 'next-page': number < pages ? number + 1 : null, 'prev-page': number > 1 ? number - 1 : null, 'total-count': rows.length, 'total-pages': pages},
      },
      {'content-type': JSON_API},
    )
  }

  const organization = (exchange: Exchange) => data.organizations.find((o) => o.id === exchange.params.id)
  const notFound = (exchange: Exchange) => errors(exchange, 404, 'Record not found', `Couldn't find the record with id ${exchange.params.id ?? ''}`.trim())

  const server: VendorServer = await startVendorServer({
    guard,
    notFound: (exchange) => errors(exchange, 404, 'Not Found', `No route matches ${exchange.req.method} ${exchange.url.pathname}`),
    requests,
    routes: [
      {
        handler(exchange) {
          const name = exchange.request.query['filter[name]']
          list(exchange, 'organizations', name === undefined ? data.organizations : data.organizations.filter((o) => o.attributes.name === name))
        },
        method: 'GET',
        path: '/organizations',
      },
      {
        handler(exchange) {
          const org = organization(exchange)
          if (!org) return notFound(exchange)
          list(exchange, 'configurations', data.configurations.filter((c) => String(c.attributes['organization-id']) === org.id))
        },
        method: 'GET',
        path: '/organizations/:id/relationships/configurations',
      },
      {
        handler(exchange) {
          const org = organization(exchange)
          if (!org) return notFound(exchange)
          list(exchange, 'passwords', data.passwords.filter((p) => String(p.attributes['organization-id']) === org.id), ['password'])
        },
        method: 'GET',
        path: '/organizations/:id/relationships/passwords',
      },
      {
        handler(exchange) {
          const password = data.passwords.find((p) => p.id === exchange.params.id)
          if (!password) return notFound(exchange)
          const shown = exchange.request.query.show_password === 'true'
          sendJson(exchange.res, 200, {data: resource('passwords', password, shown ? [] : ['password'])}, {'content-type': JSON_API})
        },
        method: 'GET',
        path: '/passwords/:id',
      },
    ],
  })
  origin = server.origin

  return {
    apiKey,
    close: () => server.close(),
    data,
    origin,
    rateLimitNext: (count, retryAfterSeconds) => rateLimit.arm(count, retryAfterSeconds),
    requests,
  }
}
