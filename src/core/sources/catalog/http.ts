// One request to a vendor API: the guarded fetch (no redirect to another origin, capped bodies, readable network
// errors), 429 (and an app's edge block) honoured with bounded waits, and the vendor's error text extracted, made
// inert and stripped of secrets.
import {McpctlError} from '../../errors.js'
import {guardedFetch} from '../../net/http.js'
import {redact, serverText} from '../../net/untrusted.js'

/** Per-request timeout. */
export const VENDOR_TIMEOUT_MS = 30_000
/** 429s (and edge blocks) retried per request, each after Retry-After (else 1 s, then 2 s) when it is at most MAX_RETRY_WAIT_MS. */
export const RATE_LIMIT_RETRIES = 2
export const MAX_RETRY_WAIT_MS = 10_000
/** Vendor text quoted in a message is cut here. */
const MAX_MESSAGE_CHARS = 300

export interface VendorRequest {
  body?: string
  headers: Record<string, string>
  method: string
  url: URL
}

export interface VendorResponse {
  headers: Headers
  /** Parsed JSON body, when the body is JSON. */
  json?: unknown
  status: number
  text: string
  /** Set when the answer is a refusal to slow down that outlasted the bounded waits: a 429, or the app's edge block. */
  throttled?: Throttled
  url: URL
}

export interface Throttled {
  by: 'edge' | 'rate-limit'
  /** How many times the request was retried, and how long that waited in all. */
  retries: number
  waitedMs: number
  /** What the last answer's Retry-After asked for. */
  retryAfterMs?: number
}

/** A refusal by a vendor's edge that means "slow down" (definition `rateLimit.edgeBlock`). */
export interface EdgeBlock {
  contentType: string
  status: number
}

export interface VendorHttpOptions {
  edgeBlock?: EdgeBlock
  /** Values to strip from anything quoted back (the connection's secrets and tokens). */
  secrets: readonly string[]
  signal?: AbortSignal
  timeoutMs?: number
}

/** Seconds (or an HTTP date) of a Retry-After header, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(new McpctlError('interrupted', 'Cancelled.'))
      },
      {once: true},
    )
  })

const mediaType = (value: string | null) => (value ?? '').split(';')[0].trim().toLowerCase()

/**
 * Send; a 429 (or the app's edge block) is retried after its Retry-After, else after 1 s then 2 s, when that wait is
 * short enough; otherwise it is returned, marked `throttled`, for the caller to report (throttleMessage).
 */
export async function sendVendorRequest(request: VendorRequest, options: VendorHttpOptions): Promise<VendorResponse> {
  const fetch = guardedFetch({signal: options.signal, timeoutMs: options.timeoutMs ?? VENDOR_TIMEOUT_MS})
  let waitedMs = 0
  for (let attempt = 0; ; attempt++) {
    let response: Response
    try {
      response = await fetch(request.url, {body: request.body, headers: request.headers, method: request.method})
    } catch (error) {
      if (options.signal?.aborted) throw new McpctlError('interrupted', 'Cancelled.')
      if (error instanceof McpctlError) throw new McpctlError(error.kind, redact(error.message, options.secrets), {detail: error.detail, hint: error.hint})
      throw new McpctlError('server', `Cannot reach ${request.url.origin}: ${serverText(String(error), options.secrets)}`)
    }

    const text = await response.text()
    const {edgeBlock} = options
    const blocked = edgeBlock !== undefined && response.status === edgeBlock.status && mediaType(response.headers.get('content-type')) === edgeBlock.contentType
    const asked = retryAfterMs(response.headers.get('retry-after'))
    const delay = asked ?? 1000 * 2 ** attempt
    if ((response.status === 429 || blocked) && attempt < RATE_LIMIT_RETRIES && delay <= MAX_RETRY_WAIT_MS) {
      await wait(delay, options.signal)
      waitedMs += delay
      continue
    }

    let json: unknown
    if (text && /json/i.test(response.headers.get('content-type') ?? '')) {
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
    }

    const throttled: Throttled | undefined =
      response.status === 429 || blocked ? {by: blocked ? 'edge' : 'rate-limit', retries: attempt, waitedMs, ...(asked === undefined ? {} : {retryAfterMs: asked})} : undefined
    return {headers: response.headers, json, status: response.status, text, url: request.url, ...(throttled ? {throttled} : {})}
  }
}

/**
 * What a person is told when the vendor still says "slow down" after the bounded waits: who refuses, what the vendor
 * asked for, its documented limit, and what to do. Undefined for any other answer.
 */
export function throttleMessage(app: {name: string; rateLimit?: {edgeBlock?: {by: string}; limit: string}}, response: VendorResponse, secrets: readonly string[]): string | undefined {
  const {throttled} = response
  if (!throttled) return undefined
  const after = throttled.retries > 0 ? `, still after ${throttled.retries} ${throttled.retries === 1 ? 'retry' : 'retries'} over ${Math.round(throttled.waitedMs / 1000)} s` : ''
  const limit = app.rateLimit ? ` Its limit: ${app.rateLimit.limit}.` : ''
  if (throttled.by === 'edge') {
    return `${app.name}'s ${app.rateLimit?.edgeBlock?.by ?? 'edge'} is blocking requests from this address (HTTP ${response.status}${after}); it blocks clients that keep exceeding the rate limit.${limit} Wait several minutes before trying again, and stop other scripts using this account's API meanwhile.`
  }

  const wait = throttled.retryAfterMs === undefined ? 'Try again in a minute' : `It asks to wait ${Math.ceil(throttled.retryAfterMs / 1000)} s before trying again`
  return `${app.name} is rate-limiting these requests (${statusText(response, secrets)}${after}).${limit} ${wait}.`
}

/**
 * The vendor's own words for a failed response, from the error shapes vendors use (JSON:API `errors[].detail`,
 * `message`, Graph's `error.message`, OAuth's `error_description`, NinjaOne's `errorMessage`, …) or the body's text:
 * inert, secret-free, short.
 */
export function vendorMessage(response: VendorResponse, secrets: readonly string[]): string {
  const body = response.json as Record<string, unknown> | undefined
  const candidates: unknown[] = []
  if (body && typeof body === 'object') {
    const errors = Array.isArray(body.errors) ? (body.errors as unknown[]) : []
    // Autotask lists its problems as plain strings: all of them, in order.
    const lines = errors.filter((error): error is string => typeof error === 'string')
    if (lines.length > 0) candidates.push(lines.join('; '))
    for (const error of errors as Array<Record<string, unknown> | null>) if (error && typeof error === 'object') candidates.push(error.detail, error.title, error.message)
    const nested = body.error as Record<string, unknown> | string | undefined
    // A string `error` is a code or a status phrase ("Not Found"): the message beside it says more.
    const said = [body.message, body.Message, body.errorMessage]
    candidates.push(body.error_description, typeof nested === 'object' && nested ? nested.message : undefined, ...said, typeof nested === 'string' ? nested : undefined, body.title, body.detail)
  }

  const found = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '')
  const text = found ?? (response.json === undefined ? response.text : '')
  const said = serverText(text.replaceAll(/\s+/g, ' ').trim(), secrets)
  return said.length > MAX_MESSAGE_CHARS ? `${said.slice(0, MAX_MESSAGE_CHARS - 1)}…` : said
}

/** "HTTP 404: Not found" — the status and, when there is one, what the vendor said. */
export function statusText(response: VendorResponse, secrets: readonly string[]): string {
  const said = vendorMessage(response, secrets)
  return said ? `HTTP ${response.status}: ${said}` : `HTTP ${response.status}`
}
