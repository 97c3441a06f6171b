// HaloPSA emulator: the OAuth client-credentials surface and the REST API the `halopsa` app uses, as documented in
// shared/reference/catalog-vendors.md §2, with the vendor's shapes and refusals.
//
// Auth: `GET {instance}/api/authinfo` → `{auth_url, tenant_id}`; `POST {auth_url}/token?tenant={tenant}` form-encoded
// `grant_type=client_credentials&client_id&client_secret&scope=all` (fallback `{instance}/auth/token`); then
// `Authorization: Bearer`. Verification: `GET /api/Client?pageinate=true&page_size=1`.
//
// Tools the app definition exposes (paths under `{instance}`; lists page with `pageinate=true&page_size&page_no`):
//   list_tickets     R  GET  /api/Tickets          client_id?, agent_id?, status_id?, search?, page_size?, page_no?
//   get_ticket       R  GET  /api/Tickets/{id}     id
//   list_actions     R  GET  /api/Actions          ticket_id, page_size?, page_no?
//   create_ticket    W  POST /api/Tickets          body [{summary, details?, client_id?, ...}]
//   update_ticket    W  POST /api/Tickets          body [{id, status_id?, summary?, ...}]
//   add_note         W  POST /api/Actions          body [{ticket_id, note, hiddenfromuser?}]
//   get_client       R  GET  /api/Client           search?, page_size?, page_no?
//   list_assets      R  GET  /api/Asset            client_id?, search?, page_size?, page_no?
//   search_kb        R  GET  /api/KBArticle        search
//   get_kb_article   R  GET  /api/KBArticle/{id}   id
//
// Left open by the reference (†) and chosen here: API error bodies (plain text), the status for a token without the
// needed scope (403), and the answer to a create/update (the saved record; an array when several were sent).
import {randomUUID} from 'node:crypto'

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
  type VendorServer,
} from './emulator.js'

export interface HaloCredentials {
  clientId: string
  clientSecret: string
  /** Hosted tenant name, required on the token URL; undefined for a self-hosted instance. */
  tenant?: string
}

export type HaloRecord = Record<string, unknown> & {id: number}

export interface HaloData {
  actions: HaloRecord[]
  articles: HaloRecord[]
  assets: HaloRecord[]
  clients: HaloRecord[]
  tickets: HaloRecord[]
}

export interface HaloEmulatorOptions extends Partial<HaloCredentials> {
  /** Lifetime of access tokens in seconds, as `expires_in` says and the API enforces (default 3600). */
  accessTokenTtl?: number
  /** Serve `/api/authinfo` (default true); false = an instance without it, so the client falls back to `/auth/token`. */
  authInfo?: boolean
  /**
   * Put the authorisation server on its own host, like Halo-hosted instances (`auth_url` = that origin, token at
   * `/token`). Default: self-hosted layout, `auth_url` = `{instance}/auth`.
   */
  separateAuthServer?: boolean
  /** How many tickets to seed (default 12). */
  ticketCount?: number
}

export interface HaloEmulator {
  /** What `/api/authinfo` announces as `auth_url`. */
  authUrl: string
  credentials: HaloCredentials
  data: HaloData
  /** The instance URL (the `instance` field): `https://127.0.0.1:<port>`. */
  origin: string
  /** Every request to the instance and to the separate auth server, in order. */
  requests: VendorRequest[]
  close(): Promise<void>
  /** Every access token issued so far stops working now (the API answers 401): forces a new token or a refresh. */
  expireTokens(): void
  /** The next `count` API requests (not token requests) get 429 with `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void
}

/** Scopes Halo documents (reference §2); `all` covers every API call. */
const knownScopes = new Set(['all', 'edit:assets', 'edit:customers', 'edit:kb', 'edit:tickets', 'read:assets', 'read:customers', 'read:kb', 'read:tickets'])

interface HaloGrant {
  clientId: string
  scopes: string[]
}

const seed = (ticketCount: number): HaloData => {
  const clients: HaloRecord[] = [
    {colour: '#2d7ff9', id: 12, inactive: false, name: 'Acme Corporation', toplevel_id: 1},
    {colour: '#d64545', id: 13, inactive: false, name: 'Globex Ltd', toplevel_id: 1},
    {colour: '#999999', id: 14, inactive: true, name: 'Initech LLC', toplevel_id: 1},
  ]
  const tickets: HaloRecord[] = Array.from({length: ticketCount}, (_, index) => {
    const client = clients[index % 2]
    return {
      agent_id: index % 3 === 0 ? 4 : 5,
      client_id: client.id,
      client_name: client.name,
      dateoccurred: '2026-01-05T09:00:00',
      details: `<p>Reported problem number ${index + 1}.</p>`,
      id: 2001 + index,
      priority_id: 3,
      status_id: index % 4 === 0 ? 1 : 2,
      summary: index === 0 ? 'Outlook keeps asking for a password' : `Ticket ${index + 1}`,
      tickettype_id: 1,
    }
  })
  const actions: HaloRecord[] = [
    {datetime: '2026-01-05T09:05:00', hiddenfromuser: false, id: 1, note: 'Called the user back.', outcome: 'Phone Call', ticket_id: 2001, who: 'Sam Agent'},
    {datetime: '2026-01-05T09:30:00', hiddenfromuser: true, id: 2, note: 'Password expired; reset it.', outcome: 'Private Note', ticket_id: 2001, who: 'Sam Agent'},
  ]
  const assets: HaloRecord[] = [
    {assettype_name: 'Laptop', client_id: 12, client_name: 'Acme Corporation', id: 301, inventory_number: 'ACME-LT-001', key_field: 'ACME-LT-001'},
    {assettype_name: 'Server', client_id: 12, client_name: 'Acme Corporation', id: 302, inventory_number: 'ACME-SRV-01', key_field: 'ACME-SRV-01'},
    {assettype_name: 'Firewall', client_id: 13, client_name: 'Globex Ltd', id: 303, inventory_number: 'GLOBEX-FW', key_field: 'GLOBEX-FW'},
  ]
  const articles: HaloRecord[] = [
    {description: '<p>Open Outlook, then File, Account Settings.</p>', id: 41, name: 'Reset an Outlook profile', tag_string: 'outlook,email'},
    {description: '<p>Use the self-service portal.</p>', id: 42, name: 'Reset your password', tag_string: 'password'},
  ]
  return {actions, articles, assets, clients, tickets}
}

/** Start a HaloPSA emulator on https://127.0.0.1 (test CA). */
export async function startHaloEmulator(options: HaloEmulatorOptions = {}): Promise<HaloEmulator> {
  const credentials: HaloCredentials = {
    clientId: options.clientId ?? randomUUID(),
    clientSecret: options.clientSecret ?? `${randomUUID()}-${randomSecret(12)}`,
    tenant: options.tenant,
  }
  const ttl = options.accessTokenTtl ?? 3600
  const data = seed(options.ticketCount ?? 12)
  const requests: VendorRequest[] = []
  const rateLimit = new RateLimit()
  const accessTokens = new BearerTokens<HaloGrant>('halo-at-')
  const refreshTokens = new BearerTokens<HaloGrant>('halo-rt-')
  let authUrl = ''
  let nextId = 5000

  const oauthError = (exchange: Exchange, status: number, error: string, description: string) =>
    sendJson(exchange.res, status, {error, error_description: description})

  const token = (exchange: Exchange) => {
    const {query} = exchange.request
    if (mediaType(exchange.req.headers['content-type']) !== 'application/x-www-form-urlencoded' || typeof exchange.body !== 'object') {
      oauthError(exchange, 400, 'invalid_request', 'The token request must be form-encoded.')
      return
    }
    const form = exchange.body as Record<string, string>
    // A hosted instance finds the client only in its tenant: without the right ?tenant= the client is unknown.
    const tenantOk = !credentials.tenant || (query.tenant ?? '').toLowerCase() === credentials.tenant.toLowerCase()
    const clientOk = tenantOk && form.client_id === credentials.clientId && form.client_secret === credentials.clientSecret
    let grant: HaloGrant
    switch (form.grant_type) {
      case 'client_credentials': {
        if (!clientOk) return oauthError(exchange, 401, 'invalid_client', 'Invalid client credentials.')
        const scopes = (form.scope ?? '').split(/\s+/).filter(Boolean)
        const unknown = scopes.find((scope) => !knownScopes.has(scope))
        if (unknown) return oauthError(exchange, 400, 'invalid_scope', `Unknown scope ${unknown}.`)
        grant = {clientId: form.client_id, scopes}
        break
      }
      case 'refresh_token': {
        if (!clientOk) return oauthError(exchange, 401, 'invalid_client', 'Invalid client credentials.')
        const previous = refreshTokens.check(`Bearer ${form.refresh_token ?? ''}`)
        if (previous.status !== 'valid') return oauthError(exchange, 400, 'invalid_grant', 'The refresh token is invalid or expired.')
        refreshTokens.revoke(previous.token)
        grant = previous.grant
        break
      }
      default: {
        oauthError(exchange, 400, 'unsupported_grant_type', `Unsupported grant type ${form.grant_type ?? '(none)'}.`)
        return
      }
    }
    sendJson(exchange.res, 200, {
      access_token: accessTokens.issue(grant, ttl),
      expires_in: ttl,
      refresh_token: refreshTokens.issue(grant, 30 * 24 * 3600),
      scope: grant.scopes.join(' '),
      token_type: 'Bearer',
    })
  }

  const requiredScope: Record<string, string> = {actions: 'tickets', asset: 'assets', client: 'customers', kbarticle: 'kb', tickets: 'tickets'}

  const guard = (exchange: Exchange): boolean => {
    const checked = accessTokens.check(exchange.req.headers.authorization)
    if (checked.status !== 'valid') {
      const challenge =
        checked.status === 'missing'
          ? 'Bearer'
          : checked.status === 'expired'
            ? 'Bearer error="invalid_token", error_description="The token expired"'
            : 'Bearer error="invalid_token"'
      sendEmpty(exchange.res, 401, {'www-authenticate': challenge})
      return false
    }
    const retryAfter = rateLimit.take()
    if (retryAfter !== undefined) {
      exchange.res.writeHead(429, {'content-type': 'text/plain', 'retry-after': String(retryAfter)}).end('Too Many Requests')
      return false
    }
    const resource = requiredScope[exchange.url.pathname.split('/')[2]?.toLowerCase() ?? '']
    const write = exchange.req.method !== 'GET'
    const {scopes} = checked.grant
    const allowed = scopes.includes('all') || scopes.includes(`edit:${resource}`) || (!write && scopes.includes(`read:${resource}`))
    if (!allowed) {
      exchange.res.writeHead(403, {'content-type': 'text/plain'}).end('The access token does not grant the scope this request needs.')
      return false
    }
    if (write && mediaType(exchange.req.headers['content-type']) !== 'application/json') {
      exchange.res.writeHead(415, {'content-type': 'text/plain'}).end('Content-Type must be application/json.')
      return false
    }
    return true
  }

  const badRequest = (exchange: Exchange, message: string) => exchange.res.writeHead(400, {'content-type': 'text/plain'}).end(message)

  /** `{record_count, <key>: [...]}`; paged only with `pageinate=true` (page_size alone has no effect). */
  const list = (exchange: Exchange, key: string, rows: HaloRecord[], filters: Record<string, (row: HaloRecord, value: string) => boolean>) => {
    const {query} = exchange.request
    let selected = rows
    for (const [name, matches] of Object.entries(filters)) {
      const value = query[name]
      if (value !== undefined && value !== '') selected = selected.filter((row) => matches(row, value))
    }
    if (query.pageinate?.toLowerCase() !== 'true') {
      sendJson(exchange.res, 200, {[key]: selected, record_count: selected.length})
      return
    }
    const pageSize = Math.max(Number(query.page_size ?? 50) || 50, 1)
    const pageNo = Math.max(Number(query.page_no ?? 1) || 1, 1)
    sendJson(exchange.res, 200, {
      [key]: selected.slice((pageNo - 1) * pageSize, pageNo * pageSize),
      page_no: pageNo,
      page_size: pageSize,
      record_count: selected.length,
    })
  }

  const byNumber = (field: string) => (row: HaloRecord, value: string) => String(row[field]) === value
  const byText = (...fields: string[]) => (row: HaloRecord, value: string) =>
    fields.some((field) => String(row[field] ?? '').toLowerCase().includes(value.toLowerCase()))

  const single = (exchange: Exchange, rows: HaloRecord[]) => {
    const row = rows.find((candidate) => String(candidate.id) === exchange.params.id)
    if (row) sendJson(exchange.res, 200, row)
    else exchange.res.writeHead(404, {'content-type': 'text/plain'}).end('Not Found')
  }

  /** Halo's create/update: always a JSON array; an item with `id` updates, one without creates. */
  const save = (exchange: Exchange, rows: HaloRecord[], validate: (item: Record<string, unknown>, existing?: HaloRecord) => string | undefined) => {
    if (!Array.isArray(exchange.body)) return badRequest(exchange, 'The request body must be a JSON array of records.')
    const items = exchange.body as unknown[]
    if (items.length === 0 || items.some((item) => !item || typeof item !== 'object' || Array.isArray(item))) {
      return badRequest(exchange, 'The request body must be a non-empty JSON array of records.')
    }
    const saved: HaloRecord[] = []
    for (const item of items as Array<Record<string, unknown>>) {
      const existing = item.id === undefined || item.id === 0 || item.id === -1 ? undefined : rows.find((row) => row.id === Number(item.id))
      if (item.id !== undefined && item.id !== 0 && item.id !== -1 && !existing) return badRequest(exchange, `Record ${String(item.id)} does not exist.`)
      const error = validate(item, existing)
      if (error) return badRequest(exchange, error)
      if (existing) {
        Object.assign(existing, item, {id: existing.id})
        saved.push(existing)
      } else {
        const created: HaloRecord = {...item, id: nextId++}
        rows.push(created)
        saved.push(created)
      }
    }
    sendJson(exchange.res, 201, saved.length === 1 ? saved[0] : saved)
  }

  const routes: Route[] = [
    {
      handler({res}) {
        if (options.authInfo === false) return sendEmpty(res, 404)
        sendJson(res, 200, {auth_url: authUrl, tenant_id: credentials.tenant ?? ''})
      },
      method: 'GET',
      open: true,
      path: '/api/authinfo',
    },
    {handler: token, method: 'POST', open: true, path: '/auth/token'},
    {
      handler: (exchange) => list(exchange, 'tickets', data.tickets, {
        agent_id: byNumber('agent_id'),
        client_id: byNumber('client_id'),
        search: byText('summary', 'details'),
        status_id: byNumber('status_id'),
      }),
      method: 'GET',
      path: '/api/Tickets',
    },
    {handler: (exchange) => single(exchange, data.tickets), method: 'GET', path: '/api/Tickets/:id'},
    {
      handler: (exchange) =>
        save(exchange, data.tickets, (item, existing) => {
          if (!existing && !item.summary) return 'A new ticket needs a summary.'
          if (item.client_id !== undefined && !data.clients.some((client) => client.id === Number(item.client_id))) return `Client ${String(item.client_id)} does not exist.`
          return undefined
        }),
      method: 'POST',
      path: '/api/Tickets',
    },
    {handler: (exchange) => list(exchange, 'actions', data.actions, {ticket_id: byNumber('ticket_id')}), method: 'GET', path: '/api/Actions'},
    {
      handler: (exchange) =>
        save(exchange, data.actions, (item, existing) => {
          if (existing) return undefined
          if (!data.tickets.some((ticket) => ticket.id === Number(item.ticket_id))) return `Ticket ${String(item.ticket_id)} does not exist.`
          if (!item.note && !item.outcome) return 'An action needs a note or an outcome.'
          return undefined
        }),
      method: 'POST',
      path: '/api/Actions',
    },
    {handler: (exchange) => list(exchange, 'clients', data.clients, {search: byText('name')}), method: 'GET', path: '/api/Client'},
    {handler: (exchange) => list(exchange, 'assets', data.assets, {client_id: byNumber('client_id'), search: byText('inventory_number', 'key_field')}), method: 'GET', path: '/api/Asset'},
    {handler: (exchange) => list(exchange, 'articles', data.articles, {search: byText('name', 'description', 'tag_string')}), method: 'GET', path: '/api/KBArticle'},
    {handler: (exchange) => single(exchange, data.articles), method: 'GET', path: '/api/KBArticle/:id'},
  ]

  const notFound = ({res}: Exchange) => sendEmpty(res, 404)
  const instance = await startVendorServer({guard, notFound, requests, routes})
  let authServer: VendorServer | undefined
  if (options.separateAuthServer) {
    authServer = await startVendorServer({notFound, requests, routes: [{handler: token, method: 'POST', open: true, path: '/token'}]})
    authUrl = authServer.origin
  } else {
    authUrl = `${instance.origin}/auth`
  }

  return {
    authUrl,
    async close() {
      await Promise.all([instance.close(), authServer?.close()])
    },
    credentials,
    data,
    expireTokens: () => accessTokens.expireAll(),
    origin: instance.origin,
    rateLimitNext: (count, retryAfterSeconds) => rateLimit.arm(count, retryAfterSeconds),
    requests,
  }
}
