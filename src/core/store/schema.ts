// The config store's shape as a zod schema. Secrets are never in it: only references.
// Loaded only when a file must be validated (config-store.ts): zod takes ~60 ms to load, the rest of start-up ~150.
import {z} from 'zod'

import {DECLARED_CLASSES, PERMISSIONS, POLICY_SOURCES, TOOL_CLASSES} from '../policy/permission.js'
import {AUTH_TYPES, STORE_VERSION, TRANSPORTS} from './store-format.js'

/**
 * z.record for records keyed by names (tools, connections). zod builds a record's output with `out[key] = value`,
 * where the key `__proto__` (a valid MCP tool name) sets the prototype instead and the entry is lost; this one defines
 * every key as an own property (as JSON.parse does), so a tool named `__proto__` survives validation.
 */
function nameRecordOf<T extends z.ZodType>(value: T) {
  return z.unknown().transform((input, ctx): Record<string, z.output<T>> => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      ctx.issues.push({code: 'invalid_type', expected: 'record', input, message: 'expected a record'})
      return {}
    }

    const entries: [string, z.output<T>][] = []
    for (const [key, entry] of Object.entries(input)) {
      const parsed = value.safeParse(entry)
      if (parsed.success) entries.push([key, parsed.data])
      else for (const issue of parsed.error.issues) ctx.issues.push({...issue, input: entry, path: [key, ...issue.path]} as never)
    }

    // fromEntries defines properties: `__proto__` becomes an own key, never the prototype.
    return Object.fromEntries(entries)
  })
}

/** Where a secret lives. `env` is a reference to an environment variable (CI); the value is never stored. */
export const SecretRef = z.discriminatedUnion('kind', [
  z.object({kind: z.literal('keyring'), account: z.string().min(1)}),
  z.object({kind: z.literal('file'), account: z.string().min(1)}),
  z.object({kind: z.literal('env'), variable: z.string().min(1)}),
])
export type SecretRef = z.infer<typeof SecretRef>

export type AuthType = (typeof AUTH_TYPES)[number]
export type Transport = (typeof TRANSPORTS)[number]

export const OAuthState = z.object({
  type: z.literal('oauth'),
  /** Tokens and client registration, as one JSON secret. */
  secret: SecretRef,
  issuer: z.string().optional(),
  clientId: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  /** ISO time the access token expires, for `integrations show` (the token itself is a secret). */
  expiresAt: z.string().optional(),
})

export const Auth = z.discriminatedUnion('type', [
  z.object({type: z.literal('none')}),
  z.object({type: z.literal('bearer'), secret: SecretRef}),
  z.object({type: z.literal('header'), headerName: z.string().min(1), secret: SecretRef}),
  OAuthState,
])
export type Auth = z.infer<typeof Auth>

/**
 * A tool's resolved permission: what the gateway and `tools call` read, kept current by policy/resolve.ts whenever
 * rules, choices or tools change. `source` is the step that decided it; `rule` names the rule (or ceiling) when one did.
 */
export const Policy = z.object({
  permission: z.enum(PERMISSIONS),
  source: z.enum(POLICY_SOURCES),
  reason: z.string(),
  rule: z.string().optional(),
  updatedAt: z.string(),
})
export type Policy = z.infer<typeof Policy>

/** A person's choice for one tool (`policy set`, `--stdin`, a policy file): the first step of the resolution. */
export const Choice = z.object({
  permission: z.enum(PERMISSIONS),
  reason: z.string(),
  updatedAt: z.string(),
})
export type Choice = z.infer<typeof Choice>

/**
 * A rule: tools whose qualified name matches `pattern` get `permission` (unless a more specific rule or a person's
 * choice decides), and/or can be no looser than `atMost` (a ceiling). The pattern is the rule's name: one rule per pattern.
 */
export const Rule = z
  .object({
    pattern: z.string().min(1),
    permission: z.enum(PERMISSIONS).optional(),
    atMost: z.enum(PERMISSIONS).optional(),
  })
  .refine((rule) => rule.permission !== undefined || rule.atMost !== undefined, {message: 'a rule needs a permission, a ceiling (atMost) or both'})
export type Rule = z.infer<typeof Rule>

export const Annotations = z
  .object({
    title: z.string().optional(),
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
    openWorldHint: z.boolean().optional(),
  })
  .optional()

/** A discovered tool as kept in the config: what listing and matching need. Full schemas live beside it (definitions). */
export const Tool = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string(),
  annotations: Annotations,
  /** sha256 over the canonical JSON of the tool's definition (name, description, schemas, annotations). */
  fingerprint: z.string(),
  /** What seeding concluded: read, write, sensitive or unknown. */
  class: z.enum(TOOL_CLASSES),
  /** What a catalog app's definition declares the tool does (read, write, sensitive); seeding follows it. */
  declared: z.enum(DECLARED_CLASSES).optional(),
  policy: Policy,
  choice: Choice.optional(),
  /** Set when a re-sync found a different definition; cleared when a person sets the policy again. */
  changed: z.object({at: z.string(), previousFingerprint: z.string(), diff: z.string()}).optional(),
})
export type Tool = z.infer<typeof Tool>

/**
 * A tool the connection stopped offering, remembered until disconnect: a person's choice outlives its absence, and
 * a tool that comes back is treated as changed (a server cannot undo `disabled` by leaving a tool out of one sync).
 */
export const DepartedTool = z.object({
  /** The fingerprint it had when it was last offered. */
  fingerprint: z.string(),
  /** The sync that no longer found it. */
  departedAt: z.string(),
  choice: Choice.optional(),
})
export type DepartedTool = z.infer<typeof DepartedTool>

/** What every connection keeps, whatever its kind: times, discovery warnings, its tools and the tools that went. */
const connectionRecord = {
  createdAt: z.string(),
  updatedAt: z.string(),
  syncedAt: z.string().optional(),
  /** Problems seen in the last discovery (invalid or duplicate names, caps reached). */
  warnings: z.array(z.string()).default([]),
  tools: nameRecordOf(Tool),
  departed: nameRecordOf(DepartedTool).optional(),
}

/** A remote MCP server: its URL, transport and credential. */
export const McpIntegration = z.object({
  name: z.string(),
  url: z.string(),
  transport: z.enum(TRANSPORTS),
  auth: Auth,
  /** Headers sent on every request beside the credential (a tenant or account id): not secret, stored as given. */
  headers: z.record(z.string(), z.string()).optional(),
  server: z.object({name: z.string().optional(), version: z.string().optional()}).optional(),
  ...connectionRecord,
  /** Never set: what tells an MCP connection from an app connection. */
  app: z.undefined().optional(),
})
export type McpIntegration = z.infer<typeof McpIntegration>

/** A connection to a built-in catalog app: which app, its non-secret fields, and where its secrets live. */
export const AppConnection = z.object({
  /** The catalog app's id (src/core/sources/catalog/apps/). */
  id: z.string().min(1),
  /** Non-secret field values as given (`instance: eu` or an https:// URL), plus values found at connect time. */
  fields: z.record(z.string(), z.string()),
  /** Secret fields: where each value lives (keyring, the 0600 file, or an environment variable). */
  secrets: z.record(z.string(), SecretRef),
  /** Token-based auth kinds: the cached access token (a secret) and, for display, when it expires. */
  token: z.object({secret: SecretRef, expiresAt: z.string().optional()}).optional(),
})
export type AppConnection = z.infer<typeof AppConnection>

export const AppIntegration = z.object({
  name: z.string(),
  app: AppConnection,
  ...connectionRecord,
})
export type AppIntegration = z.infer<typeof AppIntegration>

/** A connection of any kind (src/core/sources/): what seeding, policies and listing see. */
export const Integration = z.union([McpIntegration, AppIntegration])
export type Integration = z.infer<typeof Integration>

export const Config = z.object({
  version: z.literal(STORE_VERSION),
  /** Ordered: among equally specific rules matching a tool, the later one decides. */
  rules: z.array(Rule),
  integrations: nameRecordOf(Integration),
})
export type Config = z.infer<typeof Config>

export {emptyConfig, STORE_VERSION} from './store-format.js'
