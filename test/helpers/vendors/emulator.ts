// Shared plumbing of the vendor emulators (test/helpers/vendors/<app-id>.ts): HTTPS servers on 127.0.0.1 (servers.ts)
// with a route table, a record of every request with its query and parsed body, forced 429s and bearer tokens that a
// test can expire at will. What a vendor accepts and how it refuses lives in that vendor's file, not here.
import {randomBytes} from 'node:crypto'
import type {IncomingMessage, ServerResponse} from 'node:http'

import {type RecordedRequest, startHttpServer} from '../servers.js'

/** One request as an emulator saw it. Headers are unredacted: tests assert exactly what the client sent. */
export interface VendorRequest extends RecordedRequest {
  /** JSON bodies parsed, form and multipart bodies as an object of their (text) fields, any other text as text. */
  body?: unknown
  /** Origin of the server that received it (emulators with two hosts: discovery and zone, login and Graph). */
  origin: string
  /** The path without the query. */
  pathname: string
  /** Query parameters (the last value of a repeated one). */
  query: Record<string, string>
}

/** A request being answered: the route's `:name` parameters are decoded. */
export interface Exchange {
  body: unknown
  params: Record<string, string>
  req: IncomingMessage
  request: VendorRequest
  res: ServerResponse
  url: URL
}

export interface Route {
  handler: (exchange: Exchange) => Promise<void> | void
  method: string
  /** No `guard` for this route (token endpoints, discovery, code lookups). */
  open?: boolean
  /**
   * Path pattern; `:name` matches one segment. Matched case-insensitively, like the vendors' own servers (ASP.NET and
   * friends), so a client's capitalisation (`/api/tickets`, `/V1.0/tickets`) is not held against it.
   */
  path: string
}

export interface VendorServerOptions {
  /**
   * Runs before every route that is not `open`: answers and returns false to refuse the request (credentials,
   * forced 429s), returns true to let the route handle it.
   */
  guard?: (exchange: Exchange) => boolean
  /** Answer for a path no route matches (each vendor has its own 404). */
  notFound: (exchange: Exchange) => void
  /** Shared by every server of one emulator. */
  requests: VendorRequest[]
  routes: Route[]
}

export interface VendorServer {
  /** `https://127.0.0.1:<port>`. */
  origin: string
  close(): Promise<void>
}

interface CompiledRoute extends Route {
  names: string[]
  pattern: RegExp
}

const compile = (route: Route): CompiledRoute => {
  const names: string[] = []
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replaceAll(/[$()*+.?[\\\]^{|}]/g, String.raw`\$&`)
      names.push(segment.slice(1))
      return '([^/]+)'
    })
    .join('/')
  return {...route, names, pattern: new RegExp(`^${source}$`, 'i')}
}

/** The media type of a request or response header, without parameters, lower-cased (`application/json`). */
export const mediaType = (value: string | undefined): string => (value ?? '').split(';')[0].trim().toLowerCase()

/** A form-encoded body as an object of its fields; undefined when the body is not a form. */
export const formBody = (req: IncomingMessage, body: unknown): Record<string, string> | undefined =>
  mediaType(req.headers['content-type']) === 'application/x-www-form-urlencoded' && typeof body === 'string'
    ? Object.fromEntries(new URLSearchParams(body))
    : undefined

/**
 * A multipart/form-data body as an object of its fields (a file part gives its file name); undefined when the body is
 * not multipart or does not parse. undici's parser (behind Response#formData) does the reading.
 */
export async function multipartBody(req: IncomingMessage, rawBody: string): Promise<Record<string, string> | undefined> {
  if (mediaType(req.headers['content-type']) !== 'multipart/form-data' || !rawBody) return undefined
  try {
    const form = await new Response(rawBody, {headers: {'content-type': req.headers['content-type'] ?? ''}}).formData()
    return Object.fromEntries([...form.entries()].map(([name, value]) => [name, typeof value === 'string' ? value : value.name]))
  } catch {
    return undefined
  }
}

/** Start one HTTPS server (test CA, 127.0.0.1) answering `routes`; every request lands in `options.requests`. */
export async function startVendorServer(options: VendorServerOptions): Promise<VendorServer> {
  const routes = options.routes.map((route) => compile(route))
  let origin = ''
  const server = await startHttpServer(async (req, res, parsed, rawBody = '') => {
    const url = new URL(req.url ?? '/', origin)
    const body = formBody(req, parsed) ?? (await multipartBody(req, rawBody)) ?? parsed
    const request: VendorRequest = {
      body,
      headers: req.headers,
      method: req.method ?? '',
      origin,
      path: req.url ?? '',
      pathname: url.pathname,
      query: Object.fromEntries(url.searchParams),
      rawBody,
    }
    options.requests.push(request)
    const exchange: Exchange = {body, params: {}, req, request, res, url}
    for (const route of routes) {
      if (route.method !== req.method) continue
      const match = route.pattern.exec(url.pathname)
      if (!match) continue
      exchange.params = Object.fromEntries(route.names.map((name, index) => [name, decodeURIComponent(match[index + 1])]))
      if (!route.open && options.guard && !options.guard(exchange)) return
      await route.handler(exchange)
      return
    }
    options.notFound(exchange)
  })
  origin = server.origin
  return {close: () => server.close(), origin}
}

/** Answer with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, {'content-type': 'application/json; charset=utf-8', ...headers}).end(JSON.stringify(body))
}

/** Answer without a body. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers).end()
}

/** "Answer the next N requests with 429": each emulator writes the vendor's own body around `take()`. */
export class RateLimit {
  private remaining = 0
  private retryAfter = 1

  /** The next `count` guarded requests get 429 with `Retry-After: retryAfterSeconds`. */
  arm(count: number, retryAfterSeconds = 1): void {
    this.remaining = count
    this.retryAfter = retryAfterSeconds
  }

  /** The Retry-After seconds when this request is to be refused, else undefined. */
  take(): number | undefined {
    if (this.remaining <= 0) return undefined
    this.remaining--
    return this.retryAfter
  }
}

export type TokenCheck<Grant> =
  | {grant: Grant; status: 'valid'; token: string}
  | {status: 'expired' | 'invalid' | 'missing'}

/** Opaque bearer tokens with a lifetime, and what each was issued for. */
export class BearerTokens<Grant> {
  private readonly tokens = new Map<string, {expiresAt: number; grant: Grant}>()

  constructor(private readonly prefix: string) {}

  /** Every token issued so far stops working now (answers as expired): how tests force a refresh without waiting. */
  expireAll(): void {
    for (const entry of this.tokens.values()) entry.expiresAt = 0
  }

  issue(grant: Grant, lifetimeSeconds: number): string {
    const token = `${this.prefix}${randomBytes(24).toString('base64url')}`
    this.tokens.set(token, {expiresAt: Date.now() + lifetimeSeconds * 1000, grant})
    return token
  }

  /** Check an `Authorization` header value (`Bearer <token>`, scheme case-insensitive). */
  check(authorization: string | undefined): TokenCheck<Grant> {
    const match = /^bearer +(\S+)$/i.exec(authorization ?? '')
    if (!match) return {status: authorization ? 'invalid' : 'missing'}
    const entry = this.tokens.get(match[1])
    if (!entry) return {status: 'invalid'}
    if (entry.expiresAt <= Date.now()) return {status: 'expired'}
    return {grant: entry.grant, status: 'valid', token: match[1]}
  }

  revoke(token: string): void {
    this.tokens.delete(token)
  }

  /** Revoke every token whose grant matches (e.g. all of one user's refresh tokens). */
  revokeWhere(matches: (grant: Grant) => boolean): void {
    for (const [token, entry] of this.tokens) if (matches(entry.grant)) this.tokens.delete(token)
  }
}

/** A random value for default credentials: two emulators never accept each other's credentials. */
export const randomSecret = (bytes = 18): string => randomBytes(bytes).toString('base64url')

/**
 * A started job whose status moves one step each time it is read and stays on the last: a test sees the progression
 * a poller would, without waiting. `complete()` jumps to the end.
 */
export class JobProgress {
  private index = 0

  constructor(private readonly states: readonly string[]) {}

  /** True once the last status has been reached. */
  get done(): boolean {
    return this.index >= this.states.length - 1
  }

  /** The current status, without moving on. */
  get status(): string {
    return this.states[this.index]
  }

  complete(): void {
    this.index = this.states.length - 1
  }

  /** The current status, then one step on. */
  read(): string {
    const status = this.states[this.index]
    if (this.index < this.states.length - 1) this.index++
    return status
  }
}
