// The catalog engine: an app definition plus one connection's values becomes HTTP requests — discovery, the
// verification request, and each tool (arguments checked against its JSON Schema, path/query/body from the
// arguments, pages followed up to the limit asked, the result shaped). The auth kind's engine (auth.ts) adds credentials.
import {McpctlError, usageError} from '../../errors.js'
import type {InteractiveAuthorization} from '../../oauth/authorize.js'
import type {ToolDefinition} from '../../store/config-store.js'
import type {ToolOutcome} from '../source.js'
import {type AuthEngine, authEngine, type TokenCache} from './auth.js'
import {type AppDefinition, type AppField, type AppTool, discoveredKeys} from './definition.js'
import {sendVendorRequest, statusText, throttleMessage, type VendorResponse} from './http.js'
import {multipartBody} from './multipart.js'
import {atPointer, fill, fillAll, fillBody} from './template.js'

/** Items a list tool returns unless asked for fewer; and the most it returns, whatever is asked. */
export const DEFAULT_LIST_LIMIT = 50
export const MAX_LIST_LIMIT = 500
/** Pages followed per call, whatever the vendor says about more. */
export const MAX_PAGES = 20
/** Result text longer than this is cut (structuredContent keeps the whole value). */
const MAX_RESULT_CHARS = 100_000

/** The argument every list tool takes. */
const LIMIT_SCHEMA = {description: `How many items to return (default ${DEFAULT_LIST_LIMIT}, at most ${MAX_LIST_LIMIT}).`, maximum: MAX_LIST_LIMIT, minimum: 1, type: 'integer'}

/** An app's tools as the definitions mcpctl stores and seeds (`declared` decides their policy). */
export function appToolDefinitions(app: AppDefinition): ToolDefinition[] {
  return app.tools.map((tool) => ({
    annotations: {readOnlyHint: tool.class !== 'write'},
    declared: tool.class,
    description: tool.description,
    inputSchema: inputSchema(tool),
    name: tool.name,
  }))
}

const inputSchema = (tool: AppTool) =>
  tool.paging ? {...tool.input, properties: {...tool.input.properties, limit: LIMIT_SCHEMA}} : tool.input

/**
 * A url field's value as a base URL: one of its presets, or an https:// URL (its origin and path, no trailing slash).
 * Throws a usage error naming the presets.
 */
export function resolveUrlField(field: AppField, value: string): string {
  const preset = field.presets?.find((p) => p.value === value)
  if (preset) return preset.url
  const choices = field.presets?.length ? `one of ${field.presets.map((p) => p.value).join(', ')} or ` : ''
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw usageError(`"${value}" is not a valid ${field.key}: use ${choices}an https:// URL.`)
  }

  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) {
    throw usageError(`${field.key} must be ${choices}an https:// URL without credentials or query (got ${url.protocol}//${url.host}).`)
  }

  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

/** Every field's value for templates: preset defaults applied, field defaults filled in, url fields resolved. */
export function resolveValues(app: AppDefinition, given: Readonly<Record<string, string>>): Record<string, string> {
  const values: Record<string, string> = {}
  for (const key of [...app.fields.map((f) => f.key), ...discoveredKeys(app)]) {
    const value = given[key]
    if (value !== undefined && value !== '') values[key] = value
  }

  for (const field of app.fields) {
    const preset = field.presets?.find((p) => p.value === values[field.key])
    for (const [key, value] of Object.entries(preset?.defaults ?? {})) values[key] ??= value
  }

  // URLs first: defaults are templates of other fields (`{instance}/auth`), which must be resolved URLs by then.
  for (const field of app.fields) if (field.url && values[field.key] !== undefined) values[field.key] = resolveUrlField(field, values[field.key])
  for (const field of app.fields) {
    if (values[field.key] !== undefined || field.default === undefined) continue
    const value = fill(field.default, values)
    if (value !== undefined) values[field.key] = field.url ? resolveUrlField(field, value) : value
  }

  return values
}

export interface AppClientOptions {
  app: AppDefinition
  cache: TokenCache
  /** A browser sign-in, for the authorization code kind at connect time. */
  interactive?: InteractiveAuthorization
  /** Connection name, for messages. */
  name: string
  signal?: AbortSignal
  timeoutMs?: number
  /** Every field's value (resolveValues), secrets included. */
  values: Record<string, string>
}

/** One connection's client: authenticated requests, verification and tool calls. */
export class AppClient {
  readonly app: AppDefinition
  private readonly auth: AuthEngine
  private readonly name: string
  private readonly options: AppClientOptions
  /** Secret values (and tokens as they are issued): never quoted back. */
  private readonly secrets: string[]
  private readonly values: Record<string, string>

  constructor(options: AppClientOptions) {
    this.app = options.app
    this.name = options.name
    this.options = options
    this.values = options.values
    this.secrets = options.app.fields.filter((f) => f.secret && options.values[f.key]).map((f) => options.values[f.key])
    this.auth = authEngine({app: options.app, cache: options.cache, interactive: options.interactive, name: options.name, secrets: this.secrets, signal: options.signal, values: options.values})
  }

  /** The API base URL. */
  get base(): URL {
    const base = fill(this.app.api, this.values)
    if (!base) throw usageError(`${this.app.name}: "${this.name}" lacks a field its API address needs.`, `Replace its fields with \`mcpctl connect ${this.name}\`.`)
    return new URL(base)
  }

  /**
   * The verification request: resolves when the vendor accepts the credentials. Refusals are McpctlError('auth')
   * (exit 3) in the definition's words; an unreachable vendor or an unexpected answer is McpctlError('server') (exit 4).
   */
  async verify(): Promise<void> {
    const {request, refusals} = this.app.verify
    const response = await this.send(this.url(request.path, fillAll(request.query, this.values), this.values), request.method)
    if (response.status >= 200 && response.status < 300) return
    const throttled = throttleMessage(this.app, response, this.secrets)
    if (throttled) throw new McpctlError('server', throttled, {detail: {status: response.status}, hint: 'Nothing was saved.'})
    const said = statusText(response, this.secrets)
    const advice = refusals?.[String(response.status)]
    if (response.status === 401 || response.status === 403 || response.status === 423) {
      throw new McpctlError('auth', `${advice ?? `${this.app.name} refused the credentials.`} (${said})`, {
        detail: {status: response.status},
        hint: 'Nothing was saved. Fix the credential and run the same command again.',
      })
    }

    throw new McpctlError('server', `${advice ?? `${this.app.name} did not accept the verification request at ${this.base.origin}.`} (${said})`, {
      detail: {status: response.status},
      hint: response.status === 404 ? 'Check the instance (region or URL): the API was not found there.' : 'Nothing was saved. Check the instance and try again.',
    })
  }

  /** Call one tool. Vendor refusals and errors are tool errors (isError); refused credentials are McpctlError('auth'). */
  async call(tool: AppTool, args: Record<string, unknown>): Promise<ToolOutcome> {
    const problem = await argumentProblem(tool, args)
    if (problem) return toolError(`Invalid arguments for ${tool.name}: ${problem}`)
    const limit = Math.min(Number(args.limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT)
    const query = fillAll(tool.request.query, args)
    const filled = tool.request.body === undefined ? undefined : fillBody(tool.request.body, args)
    const {paging} = tool
    const pageSize = paging ? Math.min(limit, paging.size.max) : 0
    if (paging) {
      if (paging.size.in === 'body') (filled as Record<string, unknown>)[paging.size.param] = pageSize
      else query[paging.size.param] = String(pageSize)
      if (paging.style === 'page') query[paging.page!] = '1'
    }

    const content = requestContent(tool, filled, args)
    const headers = fillAll(tool.request.headers, args)
    let url: URL | undefined = this.url(tool.request.path, query, args, encodeURIComponent)
    const items: unknown[] = []
    let more = false
    for (let page = 1; url; page++) {
      const asGet = page > 1 && paging?.nextMethod === 'GET'
      const response: VendorResponse = await (asGet ? this.send(url, 'GET') : this.send(url, tool.request.method, content, headers))
      if (response.status === 401) {
        throw new McpctlError('auth', `${this.app.name} refused the credentials of "${this.name}" (${statusText(response, this.secrets)}).`, {
          detail: {status: 401},
          hint: `Replace them with \`mcpctl connect ${this.name}\`.`,
        })
      }

      const throttled = throttleMessage(this.app, response, this.secrets)
      if (throttled) return toolError(throttled)
      const empty = Boolean(paging?.emptyStatuses?.includes(response.status))
      if (!empty && (response.status < 200 || response.status >= 300)) return toolError(`${this.app.name} answered ${statusText(response, this.secrets)}`)
      const document = empty ? undefined : response.json ?? (response.text === '' ? undefined : response.text)
      if (!paging) return toolResult(document === undefined ? tool.result?.empty ?? {} : shape(document, tool))
      const pageItems = empty ? [] : atPointer(document, paging.items)
      if (!Array.isArray(pageItems)) return toolError(`${this.app.name} answered without the list this tool expects.`)
      items.push(...pageItems)
      const next: URL | undefined = empty ? undefined : this.nextPage(response, document, tool, page, pageItems, pageSize)
      if (items.length >= limit) {
        more = items.length > limit || next !== undefined
        break
      }

      if (page >= MAX_PAGES) {
        more = next !== undefined
        break
      }

      url = next
    }

    const list = shape(items.slice(0, limit), tool, false)
    return toolResult({count: (list as unknown[]).length, items: list, more})
  }

  /** The next page's URL, if any; only ever on the API's own origin. */
  private nextPage(response: VendorResponse, document: unknown, tool: AppTool, page: number, got: unknown[], pageSize: number): URL | undefined {
    const paging = tool.paging!
    if (paging.style === 'page' || paging.style === 'after') {
      if (got.length === 0 || got.length < pageSize) return undefined
      const url = new URL(response.url)
      if (paging.style === 'page') {
        url.searchParams.set(paging.page!, String(page + 1))
        return url
      }

      const key = atPointer(got.at(-1), paging.after!.key)
      if (typeof key !== 'string' && typeof key !== 'number') return undefined
      // A key that does not move on would ask for the same page again: paging stops instead.
      if (url.searchParams.get(paging.after!.param) === String(key)) return undefined
      url.searchParams.set(paging.after!.param, String(key))
      return url
    }

    let link: unknown
    if (paging.next === 'link') link = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(response.headers.get('link') ?? '')?.[1]
    else link = atPointer(document, paging.next!)
    if (typeof link !== 'string' || link === '') return undefined
    let url: URL
    try {
      url = new URL(link, response.url)
    } catch {
      return undefined
    }

    // A next link elsewhere would carry the credentials there: paging stops instead.
    return url.origin === this.base.origin ? url : undefined
  }

  /** The API base plus `path` filled from `values`, with the (filled) query. */
  private url(path: string, query: Record<string, string>, values: Record<string, unknown>, encode?: (text: string) => string): URL {
    const filled = fill(path, values, encode)
    if (filled === undefined) throw usageError(`${this.app.name}: a value the request needs is missing.`)
    const base = this.base
    const url = new URL(base.href.replace(/\/?$/, '') + filled)
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value)
    return url
  }

  /**
   * Send with credentials; on a 401, renew them once (token kinds) and send again. The last answer is returned. A JSON
   * body's content type yields to the app's own (JSON:API); a multipart body's boundary is never overridden.
   */
  private async send(url: URL, method: string, content?: RequestContent, extra: Record<string, string> = {}): Promise<VendorResponse> {
    for (let renewed = false; ; renewed = true) {
      // Header names are lower case in definitions, so a later map replaces an earlier one's header.
      const type: Record<string, string> = content ? {'content-type': content.contentType} : {}
      const defaults = {accept: 'application/json', ...(content?.fixed ? {} : type)}
      const headers = {...defaults, ...fillAll(this.app.headers, this.values), ...extra, ...(content?.fixed ? type : {}), ...(await this.auth.headers())}
      const response = await sendVendorRequest(
        {body: content?.body, headers, method, url},
        {edgeBlock: this.app.rateLimit?.edgeBlock, secrets: this.secrets, signal: this.options.signal, timeoutMs: this.options.timeoutMs},
      )
      if (response.status !== 401 || renewed || !(await this.auth.renew())) return response
    }
  }
}

/**
 * Look up the fields the user did not give (and values that are not fields, e.g. ConnectWise's codebase) with the
 * definition's discovery requests (unauthenticated). Returns the values found (raw, as the vendor gave them). A failed
 * lookup is an error unless every field it fills has a default or is optional; an answer that means the vendor does
 * not know the account is McpctlError('auth') in the definition's words.
 */
export async function discoverFields(app: AppDefinition, given: Readonly<Record<string, string>>, options: {secrets: string[]; signal?: AbortSignal}): Promise<Record<string, string>> {
  const found: Record<string, string> = {}
  const field = (key: string) => app.fields.find((f) => f.key === key)
  for (const step of app.discover ?? []) {
    const wanted = Object.keys(step.extract).filter((key) => step.always || (!given[key] && !found[key]))
    if (wanted.length === 0) continue
    // Values other than url fields are percent-encoded where they land in the URL (a username with an @ or a &).
    const values = resolveValues(app, {...given, ...found})
    const encoded = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, field(key)?.url ? value : encodeURIComponent(value)]))
    const where = fill(step.url, encoded)
    if (!where) continue
    const url = new URL(where)
    const response = await sendVendorRequest({headers: {accept: 'application/json'}, method: 'GET', url}, {secrets: options.secrets, signal: options.signal})
    const refusal = step.refusals?.[String(response.status)]
    if (refusal) throw new McpctlError('auth', `${refusal} (${statusText(response, options.secrets)} from ${url.origin}${url.pathname})`, {detail: {status: response.status}, hint: 'Nothing was saved.'})
    if (response.status < 200 || response.status >= 300) {
      // Nothing lost when each field has a default or may stay empty (HaloPSA without /api/authinfo: auth-url
      // defaults to {instance}/auth, a self-hosted instance has no tenant).
      if (wanted.every((key) => field(key) && (field(key)!.default !== undefined || !field(key)!.required))) continue
      throw new McpctlError('server', `${app.name} did not answer the lookup at ${url.origin}${url.pathname} (${statusText(response, options.secrets)}).`, {
        detail: {status: response.status},
        hint: 'Check the instance (region or URL), or give the looked-up field yourself with --field.',
      })
    }

    for (const key of wanted) {
      const value = atPointer(response.json, step.extract[key])
      if (typeof value === 'string' && value !== '') found[key] = value
      else if (step.unknown && field(key)?.default === undefined && !given[key]) {
        throw new McpctlError('auth', `${step.unknown} (${app.name} at ${url.origin}${url.pathname} answered without it.)`, {detail: {status: response.status}, hint: 'Nothing was saved.'})
      }
    }
  }

  return found
}


interface RequestContent {
  body: string
  contentType: string
  /** The content type is part of the body (a multipart boundary): no header overrides it. */
  fixed: boolean
}

/** A tool request's body: JSON (`application/json` unless the app names its own JSON type), or multipart/form-data parts. */
function requestContent(tool: AppTool, filled: unknown, args: Record<string, unknown>): RequestContent | undefined {
  if (tool.request.multipart) return {...multipartBody(tool.request.multipart, args), fixed: true}
  return filled === undefined ? undefined : {body: JSON.stringify(filled), contentType: 'application/json', fixed: false}
}

/** Checked with the JSON Schema validator the MCP SDK ships (Ajv), loaded on first use. */
async function argumentProblem(tool: AppTool, args: Record<string, unknown>): Promise<string | undefined> {
  const {AjvJsonSchemaValidator} = await import('@modelcontextprotocol/sdk/validation/ajv')
  const result = new AjvJsonSchemaValidator().getValidator(inputSchema(tool) as never)(args)
  return result.valid ? undefined : result.errorMessage ?? 'they do not match the tool\'s schema'
}

/** JSON:API resources flattened to `{id, type, ...attributes}` (relationships dropped: ids are enough for an agent). */
function flattenResource(resource: unknown): unknown {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) return resource
  const {attributes, id, type} = resource as {attributes?: Record<string, unknown>; id?: unknown; type?: unknown}
  return {id, type, ...attributes}
}

function shape(value: unknown, tool: AppTool, pick = true): unknown {
  const result = tool.result
  const picked = pick && result?.pointer !== undefined ? atPointer(value, result.pointer) : value
  if (!result?.jsonapi) return picked
  return Array.isArray(picked) ? picked.map((r) => flattenResource(r)) : flattenResource(picked)
}

function toolResult(value: unknown): ToolOutcome {
  let text = JSON.stringify(value, null, 2) ?? 'null'
  if (text.length > MAX_RESULT_CHARS) text = `${text.slice(0, MAX_RESULT_CHARS)}\n… (cut at ${MAX_RESULT_CHARS} characters)`
  const structuredContent = value && typeof value === 'object' && !Array.isArray(value) ? value : {result: value}
  return {content: [{text, type: 'text'}], isError: false, structuredContent}
}

const toolError = (text: string): ToolOutcome => ({content: [{text, type: 'text'}], isError: true})
