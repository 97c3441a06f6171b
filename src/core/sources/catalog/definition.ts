// What a built-in app is: declarative data read by one engine per auth kind. This zod schema is the one definition of
// the format; apps/*.ts are typed by it (type-only imports, so zod loads only where a definition is validated: the
// catalog test, and `connect`). Templates are strings with `{key}` placeholders: a field key (fields and values found
// by `discover`), or in a tool's request a tool argument. See apps/it-glue.ts for a complete example.
import {z} from 'zod'

import {DECLARED_CLASSES} from '../../policy/permission.js'
import {APP_CATEGORIES} from './categories.js'
import {placeholders} from './template.js'



const FIELD_KEY = /^[a-z][a-z0-9-]*$/
/** An app id is the first segment of its tool names: lowercase letters, digits and hyphens (no `mcp`). */
export const APP_ID = /^(?!mcp$)[a-z][a-z0-9-]{1,40}$/
const TOOL = /^[a-z][a-z0-9_]{1,63}$/

/** A string with `{key}` placeholders. */
const Template = z.string()
/**
 * Header name (lower case: HTTP does not care, and one spelling lets an app's header replace a default) → template.
 * A header whose template names a value that is absent is not sent. Defaults: accept and, with a body,
 * content-type `application/json`.
 */
const Headers = z.record(z.string().regex(/^[a-z0-9-]+$/), Template)
/** JSON pointer (RFC 6901) into a response body; '' is the whole body. */
const Pointer = z.string().regex(/^(\/[^/]*)*$/)

const Preset = z.object({
  /** What the user types or picks: `us`, `eu`. */
  value: z.string().regex(/^[a-z0-9-]+$/),
  label: z.string().min(1),
  /** The https:// URL the preset stands for. */
  url: z.string().startsWith('https://'),
  /** Values of other fields this preset implies unless given (e.g. Microsoft's login host for a national cloud). */
  defaults: z.record(z.string().regex(FIELD_KEY), z.string()).optional(),
})

export const AppField = z.object({
  /** The key in `--field KEY=VALUE`, `--secret-env KEY=VAR` and templates: a contract, never renamed. */
  key: z.string().regex(FIELD_KEY),
  label: z.string().min(1),
  /** Kept in the secret store (keyring, 0600 file or an env reference), never in the config file, never printed. */
  secret: z.boolean().optional(),
  required: z.boolean(),
  /** The value is a host: one of `presets`, or an https:// URL (on-premises servers; tests' local emulators). */
  url: z.boolean().optional(),
  presets: z.array(Preset).optional(),
  /** Used when the field is not given (and not prompted for, or found by `discover`); a template of other fields. */
  default: z.string().optional(),
  /** One line for the prompt and the README: where the vendor's console issues the value. */
  help: z.string().optional(),
  /** Used by the `connect` that gives it and never saved (a one-time code such as a two-factor code). */
  transient: z.boolean().optional(),
})
export type AppField = z.infer<typeof AppField>

/** One HTTP request. `url` is a full URL template (`{instance}/…`); tool requests use `path` under the app's `api`. */
const Request = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: Template,
  /** Query parameter → template; omitted when it names an absent value. */
  query: z.record(z.string(), Template).optional(),
  /**
   * JSON body template: a string that is exactly `{key}` becomes that argument's value with its JSON type; a property
   * whose value is absent is left out; `{"$if": "key", "then": …}` is included only when `key` is present.
   */
  body: z.unknown().optional(),
  /**
   * A multipart/form-data body instead (RFC 7578): part name → template, filled like `body`; an object or array part
   * is sent as JSON (`Content-Type: application/json`), anything else as text; an absent part is left out.
   */
  multipart: z.record(z.string().regex(/^[\w.-]+$/), z.unknown()).optional(),
  headers: Headers.optional(),
})

const TokenRequest = z.object({
  /** Full URL template of the token endpoint, e.g. `{auth-url}/token`. */
  url: Template,
  /** Query parameter → template on the token URL (`tenant`); absent values are left out. */
  query: z.record(z.string(), Template).optional(),
  /** How the parameters are sent: form-encoded (RFC 6749) or a JSON object (some vendors). */
  format: z.enum(['form', 'json']),
  /** Parameter → template (`client_id`, `client_secret`, `scope`, …); absent values are left out. `grant_type` comes from the kind. */
  params: z.record(z.string(), Template),
  /** Client credentials in a Basic header instead of (or besides) the parameters. */
  basic: z.object({username: Template, password: Template}).optional(),
  /**
   * What to tell a person when the token endpoint refuses, by status or by status and OAuth `error` code
   * (`"400 unauthorized_client"`, preferred over `"400"`). 400, 401, 403 and 423 (locked) are refused credentials.
   */
  refusals: z.record(z.string().regex(/^\d{3}( [a-z_]+)?$/), z.string()).optional(),
})

/** One request of the token-exchange kind: its URL, headers and a JSON or text/plain body (templates). */
const ExchangeRequest = z.object({
  url: Template,
  headers: Headers.optional(),
  /** JSON body template, filled like a tool's body (absent values left out; `"{key}"` alone is a bare JSON string). */
  json: z.unknown().optional(),
  /** A text/plain body template instead. */
  text: Template.optional(),
})

/** Values a refresh request may name besides the fields: the tokens held now. */
export const EXCHANGE_TOKEN_KEYS = ['access-token', 'refresh-token'] as const

export const AppAuth = z.discriminatedUnion('kind', [
  /** Static credentials in headers (`x-api-key`, Autotask's three headers). */
  z.object({kind: z.literal('api-key'), headers: Headers}),
  /** HTTP Basic from fields (ConnectWise's `company+public:private`), plus any headers (its `clientId`). */
  z.object({kind: z.literal('basic'), username: Template, password: Template, headers: Headers.optional()}),
  /** OAuth 2 client credentials: a bearer token from `token`, cached in the secret store, refreshed before expiry and on 401. */
  z.object({kind: z.literal('oauth-client-credentials'), token: TokenRequest, headers: Headers.optional()}),
  /**
   * OAuth 2 resource-owner password grant (RFC 6749 §4.3) from fields (Datto RMM: API key and secret as username and
   * password, a fixed public client in Basic): a bearer token handled exactly like client credentials.
   */
  z.object({kind: z.literal('oauth-password'), token: TokenRequest, headers: Headers.optional()}),
  /**
   * OAuth 2 authorization code with PKCE: a person signs in in the browser (the loopback flow MCP servers use, as a
   * public client); the access and refresh tokens are kept in the secret store, refreshed before expiry and on 401.
   * With `clientCredentials`, a value in its field (a client secret) selects that client-credentials request instead
   * (app-only access, no browser).
   */
  z.object({
    kind: z.literal('oauth-authorization-code'),
    /** Authorization endpoint URL template. */
    authorize: Template,
    /** Token endpoint URL template: the code is redeemed and the refresh token used there. */
    tokenUrl: Template,
    clientId: Template,
    /** Scopes asked in the browser, space-separated; include what the vendor needs for a refresh token (`offline_access`). */
    scope: Template,
    clientCredentials: z.object({field: z.string().regex(FIELD_KEY), token: TokenRequest}).optional(),
    headers: Headers.optional(),
  }),
  /**
   * Credentials exchanged at a vendor's own (non-OAuth) token endpoint for an access token and perhaps a refresh token
   * (N-central's JWT at /api/auth/authenticate, Automate's user and password at /apitoken). Tokens are cached in the
   * secret store and renewed before they expire and on 401: with `refresh` while it is accepted, else by signing in again.
   */
  z.object({
    kind: z.literal('token-exchange'),
    /** The sign-in: the credentials (fields) exchanged for tokens. */
    exchange: ExchangeRequest,
    /** The renewal without the credentials; it may name `{access-token}` and `{refresh-token}` (the tokens held now). */
    refresh: ExchangeRequest.optional(),
    /** Where the answers of both put the tokens and their lifetimes (JSON pointers). */
    tokens: z.object({
      access: Pointer,
      /** Seconds the access token lasts… */
      expiresIn: Pointer.optional(),
      /** …or the date it expires. */
      expiresAt: Pointer.optional(),
      refresh: Pointer.optional(),
      /** Seconds the refresh token lasts. */
      refreshExpiresIn: Pointer.optional(),
    }),
    /** A sign-in answered with `true` at `when` asks for a second factor: the code goes in the (transient) `field`. */
    secondFactor: z.object({when: Pointer, field: z.string().regex(FIELD_KEY)}).optional(),
    /** Status → what to tell a person when the sign-in is refused (400, 401, 403 and 423 are refused credentials). */
    refusals: z.record(z.string().regex(/^\d{3}$/), z.string()).optional(),
    /** Headers on every request, the token requests included (Automate's ClientId). */
    headers: Headers.optional(),
  }),
])
export type AppAuth = z.infer<typeof AppAuth>
export type AuthKind = AppAuth['kind']
/** The auth kinds that obtain a bearer token from an OAuth token endpoint. */
export type TokenAuth = Extract<AppAuth, {token: unknown}>
export type ExchangeAuth = Extract<AppAuth, {kind: 'token-exchange'}>
/** The `grant_type` each token kind sends (added to its parameters; a definition need not repeat it). */
export const GRANT_TYPES: Record<TokenAuth['kind'], string> = {'oauth-client-credentials': 'client_credentials', 'oauth-password': 'password'}

/**
 * A request made at connect time to fill fields the user did not give (HaloPSA's auth URL). When it fails and every
 * field it fills has a default or is optional, the defaults are used; otherwise connect fails. It may also fill
 * values that are not fields (ConnectWise's codebase): those are never asked for, looked up again at every connect,
 * kept with the connection's fields and usable in templates like them.
 */
const Discover = z.object({
  /** Full URL template (values other than url fields are percent-encoded into it); sent without credentials. */
  url: Template,
  /** Key → JSON pointer of its value in the response. Runs only when one of these keys has no value (see `always`). */
  extract: z.record(z.string().regex(FIELD_KEY), Pointer),
  /**
   * Run even when the fields are given, the answer replacing them: the given value only says where to ask (Autotask's
   * ZoneInformation, answered on any zone host, names the user's own zone).
   */
  always: z.boolean().optional(),
  /** Status → what to tell a person when the vendor's answer means it does not know the account (exit 3, nothing saved). */
  refusals: z.record(z.string().regex(/^\d{3}$/), z.string()).optional(),
  /** What to tell a person when a 2xx answer lacks a value that has no default (an unknown company): exit 3. */
  unknown: z.string().optional(),
})

const Paging = z.object({
  /**
   * The page size parameter and the vendor's largest page. `in: body` makes it a property of the JSON body (Autotask's
   * `MaxRecords` in a query body); the default is a query parameter.
   */
  size: z.object({param: z.string(), max: z.number().int().positive(), in: z.enum(['query', 'body']).optional()}),
  /**
   * `page`: a 1-based page number parameter; `next`: follow the next page's URL (same origin only); `after`: the
   * next page passes the last item's key (NinjaOne's `after`, the last id seen). `page` and `after` stop at a short page.
   */
  style: z.enum(['page', 'next', 'after']),
  /** style `page`: the page number parameter. */
  page: z.string().optional(),
  /** style `next`: where the next page's URL is: a JSON pointer, or `link` for the Link header's rel="next". */
  next: z.union([Pointer, z.literal('link')]).optional(),
  /** style `next`: fetch the next page's URL with GET and no body (Autotask's `nextPageUrl` after a POST query). */
  nextMethod: z.literal('GET').optional(),
  /** style `after`: the parameter, and where the key is in an item. */
  after: z.object({param: z.string(), key: Pointer}).optional(),
  /** Where each page's items are. */
  items: Pointer,
  /** Statuses that mean "no items here" rather than an error (ConnectWise RMM: 404 for no devices or past the end). */
  emptyStatuses: z.array(z.number().int().min(300).max(599)).optional(),
})

export const AppTool = z.object({
  name: z.string().regex(TOOL),
  /** Shown to the agent; says what the tool returns and its limits. */
  description: z.string().min(10),
  /** Seeding follows it: read → auto; write and sensitive (returns secrets) → approval_needed. */
  class: z.enum(DECLARED_CLASSES),
  /** JSON Schema of the arguments (an object schema). A list tool gets `limit` added by the engine. */
  input: z.object({type: z.literal('object'), properties: z.record(z.string(), z.unknown()), required: z.array(z.string()).optional()}).passthrough(),
  request: Request,
  /** A list: pages are followed until `limit` items (capped) or the last page. */
  paging: Paging.optional(),
  /**
   * What to return: the part of the body at `pointer` (default all), JSON:API resources flattened when `jsonapi`;
   * `empty` when the vendor answers success with no body (what the agent should know, e.g. where to follow a job).
   */
  result: z.object({pointer: Pointer.optional(), jsonapi: z.boolean().optional(), empty: z.record(z.string(), z.unknown()).optional()}).optional(),
})
export type AppTool = z.infer<typeof AppTool>

export const AppDefinition = z.object({
  id: z.string().regex(APP_ID),
  name: z.string().min(1),
  category: z.enum(APP_CATEGORIES),
  description: z.string().min(10),
  fields: z.array(AppField).min(1),
  auth: AppAuth,
  /** Requests that fill empty fields before anything else (discovery). */
  discover: z.array(Discover).optional(),
  /** The API's base URL template, e.g. `{instance}` or `{instance}/{codebase}apis/3.0`. */
  api: Template,
  /** Headers sent with every API request (content types such as JSON:API's). */
  headers: Headers.optional(),
  /** The request that proves the credentials at connect time, and what to tell a person per refusal status. */
  verify: z.object({request: Request, refusals: z.record(z.string().regex(/^\d{3}$/), z.string()).optional()}),
  /** Where in the vendor's console a person revokes the credential (mcpctl cannot). */
  revokeAt: z.string().min(1),
  /** The vendor's request limits, for waits and for what a person is told when they persist. */
  rateLimit: z
    .object({
      /** The documented limit, quoted when requests stay refused: "600 requests per 60 s across the whole account". */
      limit: z.string().min(1),
      /**
       * A refusal by the vendor's edge that means "slow down", told apart from the API's own refusal with the same
       * status by its content type (Datto RMM: an HTML 403 from the AWS edge). Retried with growing bounded waits like a
       * 429 without Retry-After, then reported as a block.
       */
      edgeBlock: z.object({status: z.number().int().min(400).max(599), contentType: z.string().min(1), by: z.string().min(1)}).optional(),
    })
    .optional(),
  tools: z.array(AppTool).min(1),
})
export type AppDefinition = z.infer<typeof AppDefinition>

/** Problems with one definition beyond its shape: unknown template keys, duplicate names, path arguments not required. */
export function definitionProblems(app: AppDefinition): string[] {
  const problems: string[] = []
  const fieldKeys = new Set(app.fields.map((f) => f.key))
  if (fieldKeys.size !== app.fields.length) problems.push('duplicate field keys')
  // Templates may also name values that discovery finds (discoveredKeys).
  const keys = new Set([...fieldKeys, ...discoveredKeys(app)])
  const fieldTemplates = [app.api, ...Object.values(app.headers ?? {}), ...authTemplates(app.auth), ...(app.discover ?? []).map((d) => d.url)]
  for (const template of fieldTemplates) {
    for (const key of placeholders(template)) if (!keys.has(key)) problems.push(`template "${template}" names an unknown field "${key}"`)
  }
  for (const d of app.discover ?? []) {
    for (const key of Object.keys(d.extract)) if (d.always && !fieldKeys.has(key)) problems.push(`discover "always" replaces "${key}", which is not a field`)
  }

  const names = new Set<string>()
  for (const tool of app.tools) {
    if (names.has(tool.name)) problems.push(`duplicate tool ${tool.name}`)
    names.add(tool.name)
    const properties = new Set(Object.keys(tool.input.properties))
    if (tool.paging && properties.has('limit')) problems.push(`${tool.name}: "limit" is added by the engine to list tools`)
    if (tool.paging) properties.add('limit')
    const required = new Set(tool.input.required ?? [])
    for (const key of placeholders(tool.request.path)) {
      if (!required.has(key)) problems.push(`${tool.name}: path argument "${key}" must be required`)
    }
    const used = [...Object.values(tool.request.query ?? {}), JSON.stringify(tool.request.body ?? null), JSON.stringify(tool.request.multipart ?? null), tool.request.path]
    for (const template of used) {
      for (const key of placeholders(template)) if (!properties.has(key)) problems.push(`${tool.name}: "${key}" is not an argument`)
    }
    for (const key of required) if (!properties.has(key)) problems.push(`${tool.name}: required "${key}" is not a property`)
    if (tool.paging?.style === 'page' && !tool.paging.page) problems.push(`${tool.name}: paging style "page" needs "page"`)
    if (tool.paging?.style === 'next' && !tool.paging.next) problems.push(`${tool.name}: paging style "next" needs "next"`)
    const {body} = tool.request
    if (tool.paging?.size.in === 'body' && (!body || typeof body !== 'object' || Array.isArray(body))) problems.push(`${tool.name}: a page size in the body needs an object body`)
    if (tool.paging?.style === 'after' && !tool.paging.after) problems.push(`${tool.name}: paging style "after" needs "after"`)
    if (tool.request.body !== undefined && tool.request.multipart) problems.push(`${tool.name}: a request has a body or multipart parts, not both`)
  }

  const grant = 'token' in app.auth ? app.auth.token.params.grant_type : undefined
  if (grant !== undefined && grant !== GRANT_TYPES[app.auth.kind as TokenAuth['kind']]) {
    problems.push(`auth ${app.auth.kind} sends grant_type=${GRANT_TYPES[app.auth.kind as TokenAuth['kind']]}, not "${grant}"`)
  }

  if (app.auth.kind === 'token-exchange') {
    const {auth} = app
    const refreshKeys = new Set([...keys, ...EXCHANGE_TOKEN_KEYS])
    for (const template of auth.refresh ? exchangeTemplates(auth.refresh) : []) {
      for (const key of placeholders(template)) if (!refreshKeys.has(key)) problems.push(`refresh names an unknown value "${key}"`)
    }

    for (const request of [auth.exchange, ...(auth.refresh ? [auth.refresh] : [])]) {
      if (request.json !== undefined && request.text !== undefined) problems.push(`${request.url}: a JSON or a text body, not both`)
    }

    if (auth.tokens.expiresIn && auth.tokens.expiresAt) problems.push('tokens: expiresIn or expiresAt, not both')
    const second = auth.secondFactor && app.fields.find((f) => f.key === auth.secondFactor!.field)
    if (auth.secondFactor && !second?.transient) problems.push(`secondFactor names "${auth.secondFactor.field}", which is not a transient field`)
  }

  const verifyKeys = [app.verify.request.path, ...Object.values(app.verify.request.query ?? {})].flatMap((t) => placeholders(t))
  for (const key of verifyKeys) if (!keys.has(key)) problems.push(`verify names an unknown field "${key}"`)
  return problems
}

function authTemplates(auth: AppAuth): string[] {
  switch (auth.kind) {
    case 'api-key': {
      return Object.values(auth.headers)
    }
    case 'basic': {
      return [auth.username, auth.password, ...Object.values(auth.headers ?? {})]
    }
    case 'oauth-client-credentials':
    case 'oauth-password': {
      const {token} = auth
      return [...tokenTemplates(token), ...Object.values(auth.headers ?? {})]
    }

    case 'oauth-authorization-code': {
      const alternative = auth.clientCredentials ? [`{${auth.clientCredentials.field}}`, ...tokenTemplates(auth.clientCredentials.token)] : []
      return [auth.authorize, auth.tokenUrl, auth.clientId, auth.scope, ...alternative, ...Object.values(auth.headers ?? {})]
    }

    case 'token-exchange': {
      return [...exchangeTemplates(auth.exchange), ...Object.values(auth.headers ?? {})]
    }
  }
}

function tokenTemplates(token: z.infer<typeof TokenRequest>): string[] {
  return [token.url, ...Object.values(token.query ?? {}), ...Object.values(token.params), ...(token.basic ? [token.basic.username, token.basic.password] : [])]
}

function exchangeTemplates(request: z.infer<typeof ExchangeRequest>): string[] {
  return [request.url, ...Object.values(request.headers ?? {}), ...(request.text === undefined ? [] : [request.text]), ...placeholders(JSON.stringify(request.json ?? null)).map((key) => `{${key}}`)]
}

/** Keys that discovery fills but that are not fields (ConnectWise's codebase): never asked, never given by a person. */
export function discoveredKeys(app: AppDefinition): string[] {
  const fields = new Set(app.fields.map((f) => f.key))
  return [...new Set((app.discover ?? []).flatMap((d) => Object.keys(d.extract)))].filter((key) => !fields.has(key))
}
