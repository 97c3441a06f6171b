// Connections of every kind, as the commands see them: names, storing a new one with its tools seeded, removal, and
// the summaries commands render. Kind-specific work goes through src/core/sources/ (describe.ts, Source).
import {type McpctlError, usageError} from './errors.js'
import {INTEGRATION_NAME, lookup, nameRecord, qualifiedToolName} from './names.js'
import type {Permission} from './policy/permission.js'
import {resolveConnectionTools} from './policy/resolve.js'
import {describeConnection, type ConnectionKind} from './sources/describe.js'
import type {ConfigStore, ToolDefinition} from './store/config-store.js'
import type {Config, Integration, SecretRef, Transport} from './store/schema.js'
import type {SecretStore} from './store/secret-store.js'
import {newToolRecord} from './tool-record.js'
import type {TokenRevocation} from './oauth/revoke.js'

export interface Context {
  secrets: SecretStore
  store: ConfigStore
}

/** A credential as the user supplied it: the value itself, or the name of an environment variable that holds it. */
export type SecretInput = {kind: 'env'; variable: string} | {kind: 'value'; value: string}

export interface SeededTool {
  class: string
  name: string
  permission: Permission
  reason: string
  tool: string
}

export interface Progress {
  step(message: string): void
}

/** Why a name cannot be used, or undefined when it can. Names are unique across kinds. */
export function checkIntegrationName(config: Config, name: string): string | undefined {
  if (!INTEGRATION_NAME.test(name)) {
    return `"${name}" is not a valid name: use lowercase letters, digits and hyphens (at most 64, starting and ending with a letter or digit).`
  }

  if (lookup(config.integrations, name)) return `An integration named "${name}" already exists.`
  return undefined
}

/** Look up an integration or fail with a usage error that lists what exists. */
export function requireIntegration(config: Config, name: string): Integration {
  const integration = lookup(config.integrations, name)
  if (!integration) {
    const known = Object.keys(config.integrations).sort()
    throw usageError(
      `No integration named "${name}".`,
      known.length > 0 ? `Known integrations: ${known.join(', ')}.` : 'Add one with `mcpctl integrations add <url>` or `mcpctl connect <app-id>`.',
    )
  }

  return integration
}

/**
 * Store a new connection (any kind) with a tool record for each definition, seeded and resolved under the rules
 * already in the store: the one place where a connection's tools first get their policies. Call only once its
 * credentials were proven. If the name was taken meanwhile, the secrets saved for it (`savedSecrets`) are removed
 * again and nothing is stored.
 */
export async function storeNewConnection(
  ctx: Context,
  connection: Integration,
  definitions: ToolDefinition[],
  options: {
    /** Why the connection may not be stored after all, checked under the store lock (e.g. a duplicate URL). */
    conflict?: (config: Config) => McpctlError | undefined
    savedSecrets?: SecretRef[]
  } = {},
): Promise<SeededTool[]> {
  const records = nameRecord<ToolDefinition>()
  const tools = nameRecord<Integration['tools'][string]>()
  for (const definition of definitions) {
    records[definition.name] = definition
    tools[definition.name] = newToolRecord(definition, connection.createdAt)
  }

  const integration: Integration = {...connection, tools}
  try {
    await ctx.store.update((latest, tx) => {
      const clash = checkIntegrationName(latest, integration.name)
      if (clash) throw usageError(clash, 'Choose another name with --name.')
      const conflict = options.conflict?.(latest)
      if (conflict) throw conflict
      latest.integrations[integration.name] = integration
      // Born under the baseline: rules already in the store decide its tools from the start.
      resolveConnectionTools(latest, integration.name, connection.createdAt)
      tx.setDefinitions(integration.name, records)
    })
  } catch (error) {
    for (const ref of options.savedSecrets ?? []) await ctx.secrets.remove(ref).catch(() => {})
    throw error
  }

  return Object.values(tools).map((t) => ({
    class: t.class,
    name: qualifiedToolName(integration, t.name),
    permission: t.policy.permission,
    reason: t.policy.reason,
    tool: t.name,
  }))
}

export interface RemovalPlan {
  /** Policies a person chose for its tools: lost with it (`policy export --server <name>` keeps them in a file). */
  choices: number
  name: string
  secrets: number
  tools: number
  url: string
}

export function planRemoval(integration: Integration): RemovalPlan {
  const {secrets, url} = describeConnection(integration)
  const tools = Object.values(integration.tools)
  return {
    choices: tools.filter((tool) => tool.choice).length,
    name: integration.name,
    secrets: secrets.filter((ref) => ref.kind !== 'env').length,
    tools: tools.length,
    url,
  }
}

/** The command that keeps a connection's chosen policies in a file before it goes. */
export const exportChoicesCommand = (name: string) => `mcpctl policy export --server ${name} -o ${name}-policy.yaml`

export interface RemovalReceipt extends RemovalPlan {
  removed: {integration: boolean; policies: number; secrets: number; tools: number}
  /** OAuth only: what the authorization server did with each token (RFC 7009). */
  revocation?: TokenRevocation[]
  /** OAuth only: everything that could be revoked was (an access token the server cannot revoke merely runs out). */
  revoked?: boolean
  /** When the vendor offers no revocation from here: where in its console a person revokes the credential. */
  revokeAt?: string
  /** What did not happen that should have: any of them makes the disconnect partial (exit 5). */
  warnings: string[]
}

/**
 * Remove an integration with its tools, policies and stored secrets. Its credentials are revoked first where its
 * server or vendor offers it; local removal happens whatever revocation did.
 */
export async function removeIntegration(ctx: Context, name: string): Promise<RemovalReceipt> {
  const {sourceFor} = await import('./sources/describe.js')
  const remote = await (await sourceFor(requireIntegration(await ctx.store.read(), name))).revoke(ctx)

  const removed = await ctx.store.update((config, tx) => {
    const integration = requireIntegration(config, name)
    delete config.integrations[name]
    tx.deleteDefinitions(name)
    return integration
  })

  const plan = planRemoval(removed)
  const warnings: string[] = []
  let secrets = 0
  for (const ref of describeConnection(removed).secrets) {
    if (ref.kind === 'env') continue
    try {
      await ctx.secrets.remove(ref)
      secrets++
    } catch (error) {
      warnings.push(`The stored secret could not be deleted: ${(error as Error).message}`)
    }
  }

  const revocation = remote.tokens
  const {revocationComplete} = await import('./oauth/revoke.js')
  const revoked = revocation ? revocationComplete(revocation) : undefined
  for (const r of revocation ?? []) {
    if (r.outcome === 'failed') warnings.push(`The ${r.token.replace('_', ' ')} was not revoked: ${r.reason ?? 'unknown reason'}.`)
    // Only when the grant itself lives on: a refresh token the server will not revoke keeps minting access tokens.
    if (r.outcome === 'not-revocable' && !revoked) warnings.push(`The ${r.token.replace('_', ' ')} cannot be revoked (${r.reason ?? 'the server does not revoke this token type'}); it stays valid until it expires.`)
  }

  return {...plan, removed: {integration: true, policies: plan.tools, secrets, tools: plan.tools}, revocation, revoked, revokeAt: remote.revokeAt, warnings}
}

export interface IntegrationSummary {
  /** The catalog app's id (app connections only). */
  app?: string
  /** An MCP auth type (oauth, bearer, header, none) or an app's auth kind. */
  auth: string
  /** Tools whose definition changed at the last sync (see `tools list --changed`). */
  changed: number
  /** `mcp` (a remote MCP server) or `app` (a built-in catalog app). */
  kind: ConnectionKind
  name: string
  permissions: Record<Permission, number>
  /** `ok`, or what needs attention: an unset credential variable, an expired token, changed tools, warnings. */
  status: string
  syncedAt?: string
  tools: number
  /** MCP connections only. */
  transport?: Transport
  /** The MCP server's URL, or the app's API base. */
  url: string
  warnings: number
}

export function summarizeIntegration(integration: Integration, env: NodeJS.ProcessEnv = process.env, now = Date.now()): IntegrationSummary {
  const permissions: Record<Permission, number> = {approval_needed: 0, auto: 0, disabled: 0}
  const tools = Object.values(integration.tools)
  let changed = 0
  for (const tool of tools) {
    permissions[tool.policy.permission]++
    if (tool.changed) changed++
  }

  const connection = describeConnection(integration)
  const notes = connection.notes(env, now)
  if (changed > 0) notes.push(`${changed} changed`)
  if (integration.warnings.length > 0) notes.push(`${integration.warnings.length} warning${integration.warnings.length === 1 ? '' : 's'}`)
  return {
    ...(connection.app ? {app: connection.app} : {}),
    auth: connection.auth,
    changed,
    kind: connection.kind,
    name: integration.name,
    permissions,
    status: notes.length > 0 ? notes.join(', ') : 'ok',
    syncedAt: integration.syncedAt,
    tools: tools.length,
    ...(connection.transport ? {transport: connection.transport} : {}),
    url: connection.url,
    warnings: integration.warnings.length,
  }
}

/** What `integrations rename` did. */
export interface RenameReceipt {
  from: string
  to: string
  /** Tools kept, each now named under the new connection name, with its policy and any person's choice. */
  tools: number
  choices: number
  /** Rules and ceilings that named the connection, rewritten to the new name (`*:acme:run_*` → `*:acme-corp:run_*`). */
  rules: {from: string; to: string}[]
  /** Tools whose permission changed: only where a rule with a connection glob (`mcp:acme-*:*`) matches one name and not the other. */
  changes: {from: Permission; name: string; reason: string; to: Permission}[]
}

/**
 * Rename a connection in one store write: its tools, policies, choices, remembered departed tools and stored
 * credentials stay (secret references point at opaque accounts, so nothing moves in the keyring or the file); its
 * definitions move with it; rules naming it literally are rewritten to the new name; then its tools are resolved
 * again, since a rule with a connection glob may match one name and not the other. Held under the connection's OAuth
 * lock, so a token renewed meanwhile is not written to a name that no longer exists.
 */
export async function renameConnection(ctx: Context, from: string, to: string): Promise<RenameReceipt> {
  const {withGrantLock} = await import('./oauth/grant-store.js')
  const {RuleSet} = await import('./policy/rules.js')
  return withGrantLock(ctx, from, () =>
    ctx.store.update(async (config, tx) => {
      const integration = requireIntegration(config, from)
      if (from === to) throw usageError(`"${from}" is already called that.`, 'Give a different new name.')
      const problem = checkIntegrationName(config, to)
      if (problem) throw usageError(problem, 'Choose another new name.')

      const rules: RenameReceipt['rules'] = []
      const patterns = new Set(config.rules.map((rule) => rule.pattern))
      const renamedRules = config.rules.map((rule) => {
        const [kind, connection, tool] = rule.pattern.split(':')
        if (connection !== from) return rule
        const pattern = `${kind}:${to}:${tool}`
        if (patterns.has(pattern)) {
          throw usageError(
            `The rule ${rule.pattern} names "${from}", and a rule ${pattern} already exists for the new name; nothing was renamed.`,
            `Remove one of them first (\`mcpctl policy rules remove '${pattern}'\`), or choose another new name.`,
          )
        }

        rules.push({from: rule.pattern, to: pattern})
        return {...rule, pattern}
      })

      const before = new Map(Object.values(integration.tools).map((tool) => [tool.name, tool.policy.permission]))
      const definitions = await tx.definitions(from)
      delete config.integrations[from]
      integration.name = to
      config.integrations[to] = integration
      config.rules = renamedRules
      tx.setDefinitions(to, definitions)
      tx.deleteDefinitions(from)
      resolveConnectionTools(config, to, new Date().toISOString(), {rules: new RuleSet(renamedRules)})

      const changes: RenameReceipt['changes'] = []
      for (const tool of Object.values(integration.tools)) {
        const was = before.get(tool.name)!
        if (was !== tool.policy.permission) changes.push({from: was, name: qualifiedToolName(integration, tool.name), reason: tool.policy.reason, to: tool.policy.permission})
      }

      const tools = Object.values(integration.tools)
      return {changes, choices: tools.filter((tool) => tool.choice).length, from, rules, to, tools: tools.length}
    }),
  )
}
