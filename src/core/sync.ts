// `tools sync`: re-discover connections (all of them concurrently, each with its own deadline), then merge every
// result into the store in one update. A slow or dead server neither blocks nor fails the others.
import {access} from 'node:fs/promises'

import {diffDefinitions, formatDefinitionDiff} from './definition-diff.js'
import {McpctlError, type ErrorKind} from './errors.js'
import {requireIntegration, type Context} from './integrations.js'
import {compareNames, lookup, qualifiedToolName, type ToolOwner} from './names.js'
import type {Permission, PolicySource} from './policy/permission.js'
import {resolvePolicy, rulesFor, storeResolution} from './policy/resolve.js'
import {RuleSet} from './policy/rules.js'
import type {StoreTransaction, ToolDefinition} from './store/config-store.js'
import type {Config, Integration, Tool} from './store/schema.js'
import {mapBounded, withDeadline} from './sources/concurrent.js'
import {sourceFor} from './sources/describe.js'
import type {Discovery} from './sources/source.js'
import {fingerprintTool, newToolRecord} from './tool-record.js'

/** How many servers are contacted at once when syncing all: enough for a fleet, few enough to be polite. */
export const SYNC_CONCURRENCY = 8
/** Per-server deadline for connect + every page of tools/list. */
export const SYNC_TIMEOUT_MS = 30_000

export {DEFINITION_CHANGED} from './policy/resolve.js'

export interface SyncedTool {
  name: string
  permission: Permission
  /** The rule that decided (source rule) or capped (source ceiling) the permission. */
  rule?: string
  source: PolicySource
  tool: string
}

export interface ChangedTool extends SyncedTool {
  /** The tool was `auto` and now needs approval until someone sets it again. */
  demoted: boolean
  diff: string
  from: Permission
  previousFingerprint: string
}

export interface ServerSync {
  added: SyncedTool[]
  changed: ChangedTool[]
  error?: {kind: ErrorKind; message: string; hint?: string}
  name: string
  ok: boolean
  /** Tools the server no longer offers; their policies were removed with them. */
  removed: SyncedTool[]
  unchanged: number
  warnings: string[]
}

export interface SyncResult {
  /** Servers whose sync failed. */
  failed: number
  servers: ServerSync[]
  syncedAt: string
}

type Discovered = Discovery

export interface SyncOptions {
  concurrency?: number
  /** Only this integration (an unknown name is a usage error). */
  name?: string
  timeoutMs?: number
}

/** List the connection's tools through its Source; bounded by `timeoutMs` whatever the server or vendor does. */
async function discover(ctx: Context, integration: Integration, timeoutMs: number): Promise<Discovered> {
  // The Source closes whatever it opened, also after the deadline passed.
  return withDeadline(integration.name, timeoutMs, async (signal) => (await sourceFor(integration)).listTools(ctx, {signal, timeoutMs}))
}

function errorOf(error: unknown): NonNullable<ServerSync['error']> {
  if (error instanceof McpctlError) return {hint: error.hint, kind: error.kind, message: error.message}
  return {kind: 'server', message: error instanceof Error ? error.message : String(error)}
}

const failed = (name: string, error: unknown): ServerSync => ({added: [], changed: [], error: errorOf(error), name, ok: false, removed: [], unchanged: 0, warnings: []})

const synced = (owner: ToolOwner, tool: Tool): SyncedTool => ({
  name: qualifiedToolName(owner, tool.name),
  permission: tool.policy.permission,
  ...(tool.policy.rule === undefined ? {} : {rule: tool.policy.rule}),
  source: tool.policy.source,
  tool: tool.name,
})

/** The diff against the stored full definition; without one (older stores), what the config itself still knows. */
function definitionDiff(previous: ToolDefinition | undefined, tool: Tool, next: ToolDefinition): string {
  if (previous) return formatDefinitionDiff(diffDefinitions(previous, next))
  const known: ToolDefinition = {annotations: tool.annotations as Record<string, unknown> | undefined, description: tool.description, name: tool.name}
  const partial = diffDefinitions(known, {annotations: next.annotations, description: next.description, name: next.name})
  return [formatDefinitionDiff(partial), '(previous schemas were not stored; only description and annotations compared)'].filter(Boolean).join('\n')
}

/** Departed tools remembered per connection: a server churning names cannot grow the store without bound. */
export const MAX_DEPARTED_TOOLS = 5000

/** The departed tools to keep (the most recent, those with a person's choice first), or undefined for none. */
function boundDeparted(departed: NonNullable<Integration['departed']>): Integration['departed'] {
  const entries = Object.entries(departed)
  if (entries.length === 0) return undefined
  if (entries.length > MAX_DEPARTED_TOOLS) {
    entries.sort(([, a], [, b]) => Number(Boolean(b.choice)) - Number(Boolean(a.choice)) || (a.departedAt < b.departedAt ? 1 : a.departedAt > b.departedAt ? -1 : 0))
    entries.length = MAX_DEPARTED_TOOLS
  }
  // fromEntries defines keys: a departed `__proto__` stays a key.
  return Object.fromEntries(entries)
}

/**
 * Merge one server's discovery into the config under the store lock. Per tool, not per integration: a policy set
 * by a concurrent `policy set` since the sync started is kept. New tools are seeded and resolved under the rules;
 * vanished tools leave the listing but are remembered (`departed`, with a person's choice) until disconnect; a tool
 * that comes back gets that choice again and is flagged as changed, like a changed definition (its diff), where an
 * `auto` tool drops to `approval_needed`.
 */
export async function mergeDiscovery(
  config: Config,
  tx: StoreTransaction,
  name: string,
  discovered: Discovered,
  now: string,
  options: {definitionsStored?: boolean; rules?: RuleSet} = {},
): Promise<ServerSync> {
  const integration = lookup(config.integrations, name)
  if (!integration) {
    return failed(name, new McpctlError('usage', `"${name}" was disconnected while it was being synced; nothing was stored for it.`))
  }

  const rules = options.rules ?? new RuleSet(config.rules)
  const rulesHere = rulesFor(rules, integration)
  const resolve = (tool: Tool) => storeResolution(tool, resolvePolicy(tool, rulesHere.decide(tool.name)), now)

  // The stored definitions are read only when a diff needs them: in a steady fleet almost nothing changes.
  let previous: Record<string, ToolDefinition> | undefined
  const previousDefinition = async (tool: string) => {
    previous ??= await tx.definitions(name)
    return Object.hasOwn(previous, tool) ? previous[tool] : undefined
  }

  // Titles are not fingerprinted (they do not change what a tool does) but are kept current all the same.
  let titlesChanged = false
  const result: ServerSync = {added: [], changed: [], name, ok: true, removed: [], unchanged: 0, warnings: discovered.warnings}
  // Null-prototype maps: tool names are server-chosen, and `__proto__` is a valid MCP tool name.
  const definitions = Object.create(null) as Record<string, ToolDefinition>
  const tools = Object.create(null) as Integration['tools']
  const departed = Object.assign(Object.create(null) as NonNullable<Integration['departed']>, integration.departed)
  for (const definition of discovered.definitions) {
    definitions[definition.name] = definition
    const existing = Object.hasOwn(integration.tools, definition.name) ? integration.tools[definition.name] : undefined
    const returning = !existing && Object.hasOwn(departed, definition.name) ? departed[definition.name] : undefined
    if (returning) {
      // Back after an absence: the person's choice again, and changed until a person sets it or accepts it.
      delete departed[definition.name]
      const record = newToolRecord(definition, now)
      const diff = `reappeared after being absent since ${returning.departedAt}`
      const from = returning.choice?.permission ?? record.policy.permission
      record.changed = {at: now, diff, previousFingerprint: returning.fingerprint}
      if (returning.choice) record.choice = returning.choice
      resolve(record)
      tools[definition.name] = record
      result.changed.push({...synced(integration, record), demoted: from === 'auto' && record.policy.permission !== 'auto', diff, from, previousFingerprint: returning.fingerprint})
      continue
    }
    if (!existing) {
      const record = newToolRecord(definition, now)
      resolve(record)
      tools[definition.name] = record
      result.added.push(synced(integration, record))
      continue
    }

    const fingerprint = fingerprintTool(definition)
    if (fingerprint === existing.fingerprint) {
      if ((definition.title || undefined) !== existing.title) {
        titlesChanged = true
        if (definition.title) existing.title = definition.title
        else delete existing.title
      }

      tools[definition.name] = existing
      result.unchanged++
      continue
    }

    const fresh = newToolRecord(definition, now)
    const diff = definitionDiff(await previousDefinition(definition.name), existing, definition)
    const from = existing.policy.permission
    const record: Tool = {
      ...existing,
      annotations: fresh.annotations,
      class: fresh.class,
      description: fresh.description,
      fingerprint,
      changed: {at: now, diff, previousFingerprint: existing.fingerprint},
      // Seeded again from the new definition; the resolution below keeps a person's choice or a rule over it.
      policy: fresh.policy,
    }
    if (fresh.title === undefined) delete record.title
    else record.title = fresh.title
    if (record.annotations === undefined) delete record.annotations
    // Flagged as changed, the tool resolves to approval_needed at most until a person sets or accepts it.
    resolve(record)
    const demoted = from === 'auto' && record.policy.permission !== 'auto'
    tools[definition.name] = record
    result.changed.push({...synced(integration, record), demoted, diff, from, previousFingerprint: existing.fingerprint})
  }

  for (const tool of Object.values(integration.tools)) {
    if (Object.hasOwn(tools, tool.name)) continue
    result.removed.push(synced(integration, tool))
    departed[tool.name] = {departedAt: now, fingerprint: tool.fingerprint, ...(tool.choice ? {choice: tool.choice} : {})}
  }

  integration.tools = tools
  const kept = boundDeparted(departed)
  if (kept) integration.departed = kept
  else delete integration.departed
  integration.syncedAt = now
  integration.updatedAt = now
  integration.warnings = discovered.warnings
  if (discovered.facts) Object.assign(integration, discovered.facts)
  // Rewritten only when something changed, or to restore a missing file; unchanged servers cost no write.
  const changes = result.added.length + result.removed.length + result.changed.length
  if (changes > 0 || titlesChanged || options.definitionsStored === false) tx.setDefinitions(name, definitions)
  for (const list of [result.added, result.changed, result.removed]) list.sort((a, b) => compareNames(a.tool, b.tool))
  return result
}

/**
 * Sync one integration or all of them: discover concurrently (bounded, each with a deadline), then write every
 * success in one store update, re-reading under the lock. Failures are per-server results, never thrown; only an
 * unknown `name` or an unreadable store throws.
 */
export async function syncIntegrations(ctx: Context, options: SyncOptions = {}): Promise<SyncResult> {
  const config = await ctx.store.read()
  const names = options.name ? [requireIntegration(config, options.name).name] : Object.keys(config.integrations).sort(compareNames)
  const timeoutMs = options.timeoutMs ?? SYNC_TIMEOUT_MS
  const outcomes = await mapBounded(names, options.concurrency ?? SYNC_CONCURRENCY, (name) => discover(ctx, lookup(config.integrations, name)!, timeoutMs))

  const syncedAt = new Date().toISOString()
  const results: ServerSync[] = names.map((name, i) => {
    const outcome = outcomes[i]
    return outcome.status === 'rejected' ? failed(name, outcome.reason) : {added: [], changed: [], name, ok: true, removed: [], unchanged: 0, warnings: []}
  })
  const successes = names.flatMap((name, i) => {
    const outcome = outcomes[i]
    return outcome.status === 'fulfilled' ? [{discovered: outcome.value, index: i, name}] : []
  })

  if (successes.length > 0) {
    const stored = await Promise.all(successes.map(({name}) => access(ctx.store.definitionsFile(name)).then(() => true, () => false)))
    await ctx.store.update(async (latest, tx) => {
      const rules = new RuleSet(latest.rules)
      for (const [i, {discovered, index, name}] of successes.entries()) {
        results[index] = await mergeDiscovery(latest, tx, name, discovered, syncedAt, {definitionsStored: stored[i], rules})
      }
    })
  }

  return {failed: results.filter((r) => !r.ok).length, servers: results, syncedAt}
}
