// `connect <app-id>` and `connect <name>` for app connections: gather the fields (flags, else prompts, else an error
// naming the flag), discover what is discoverable, verify against the vendor — and only then save secrets and the
// connection (tools seeded by storeNewConnection), or swap the credentials of an existing one keeping its policies.
import {randomUUID} from 'node:crypto'

import {McpctlError, usageError} from '../../errors.js'
import {checkIntegrationName, type Context, type Progress, requireIntegration, type SecretInput, type SeededTool, storeNewConnection} from '../../integrations.js'
import type {InteractiveAuthorization} from '../../oauth/authorize.js'
import {withGrantLock} from '../../oauth/grant-store.js'
import type {AppIntegration, Config, SecretRef} from '../../store/schema.js'
import {lookup} from '../../names.js'
import {APPS, findApp} from './apps/index.js'
import {type CachedToken, memoryTokenCache} from './auth.js'
import type {AppDefinition, AppField} from './definition.js'
import {AppClient, appToolDefinitions, discoverFields, resolveValues} from './engine.js'
import {saveToken} from './source.js'

/** Answers the flags did not give: prompts on a terminal, else errors naming the flag (ui/app-answers.ts). */
export interface FieldAnswers {
  /** A field's value: a preset choice or text, masked when secret. */
  field(app: AppDefinition, field: AppField): Promise<string>
  name(suggestion: string, check: (name: string) => string | undefined): Promise<string>
}

export interface AppConnectRequest {
  /** `--field KEY=VALUE`: non-secret fields. */
  fields: Record<string, string>
  insecureStorage?: boolean
  /** A browser sign-in, for apps of the authorization code kind (absent: none can be opened here). */
  interactive?: InteractiveAuthorization
  name?: string
  /** `--secret-env KEY=VAR` and `--secret-stdin KEY`: secret fields. */
  secrets: Record<string, SecretInput>
}

export interface AppConnectResult {
  app: string
  /** Non-secret fields as stored (given, defaulted and discovered). */
  fields: Record<string, string>
  name: string
  /** true for `connect <name>`: the credentials were replaced, tools and policies kept. */
  replaced: boolean
  /** Where each secret field went: keyring, file, or env:VAR (never a value). */
  secretStorage: Record<string, string>
  /** Tools added and their seeded permissions (empty when replacing). */
  tools: SeededTool[]
  url: string
}

/** The app, or a usage error listing the catalog. */
export function requireApp(id: string): AppDefinition {
  const app = findApp(id)
  if (!app) throw usageError(`"${id}" is neither a connection nor a catalog app.`, `Catalog apps: ${APPS.map((a) => a.id).join(', ')} (see \`mcpctl integrations catalog\`); connections: \`mcpctl integrations list\`.`)
  return app
}

const shownStorage = (ref: SecretRef) => (ref.kind === 'env' ? `env:${ref.variable}` : ref.kind)

/** Field values from flags, defaults from an existing connection, then answers; secrets kept apart. */
async function gather(
  app: AppDefinition,
  request: AppConnectRequest,
  answers: FieldAnswers,
  existing: Record<string, string> = {},
): Promise<{fields: Record<string, string>; secrets: Record<string, SecretInput>}> {
  const keys = new Set(app.fields.map((f) => f.key))
  for (const key of [...Object.keys(request.fields), ...Object.keys(request.secrets)]) {
    if (!keys.has(key)) throw usageError(`${app.name} has no field "${key}".`, `Its fields: ${app.fields.map((f) => f.key).join(', ')}.`)
  }

  for (const field of app.fields) {
    if (field.secret && request.fields[field.key] !== undefined) {
      throw usageError(`${field.key} is a secret and is not taken on the command line.`, `Pass it with --secret-stdin ${field.key} or --secret-env ${field.key}=VAR.`)
    }

    if (!field.secret && request.secrets[field.key] !== undefined) throw usageError(`${field.key} is not a secret: pass it with --field ${field.key}=VALUE.`)
  }

  const fields: Record<string, string> = {}
  const secrets: Record<string, SecretInput> = {}
  for (const field of app.fields) {
    if (field.secret) {
      const given = request.secrets[field.key]
      if (given) secrets[field.key] = given
      else if (field.required) secrets[field.key] = {kind: 'value', value: await answers.field(app, field)}
      continue
    }

    const value = request.fields[field.key] ?? existing[field.key]
    if (value !== undefined && value !== '') fields[field.key] = value
    else if (field.required && field.default === undefined) fields[field.key] = await answers.field(app, field)
  }

  return {fields, secrets}
}

/** Read each secret now (an env reference must be set: it is verified like any other value). */
async function secretValues(ctx: Context, secrets: Record<string, SecretInput>): Promise<Record<string, string>> {
  const values: Record<string, string> = {}
  for (const [key, input] of Object.entries(secrets)) {
    const value = input.kind === 'env' ? await ctx.secrets.load({kind: 'env', variable: input.variable}) : input.value
    if (value === '') throw usageError(`The value of ${key} is empty.`)
    values[key] = value
  }

  return values
}

/** Fields kept with the connection: all but the transient ones (a two-factor code serves this sign-in only). */
const lasting = (app: AppDefinition, fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).filter(([key]) => !app.fields.find((f) => f.key === key)?.transient))

/**
 * Discover, authenticate and run the verification request: nothing is saved before this resolves. When the vendor asks
 * for a second factor that was not given, a terminal is asked for it once; without one the vendor's request is the error.
 */
async function verifyCredentials(app: AppDefinition, name: string, given: Record<string, string>, progress: Progress, answers: FieldAnswers, interactive?: InteractiveAuthorization) {
  const secrets = app.fields.filter((f) => f.secret && given[f.key]).map((f) => given[f.key])
  const found = await discoverFields(app, given, {secrets})
  const values = resolveValues(app, {...given, ...found})
  const cache = memoryTokenCache()
  const client = new AppClient({app, cache, interactive, name, values})
  progress.step(`Verifying the credentials with ${app.name} at ${client.base.origin}`)
  try {
    await client.verify()
  } catch (error) {
    const wanted = error instanceof McpctlError ? (error.detail as {secondFactor?: unknown} | undefined)?.secondFactor : undefined
    const field = app.fields.find((f) => f.key === wanted)
    if (field && !given[field.key]) {
      const code = await answers.field(app, field).catch(() => {
        throw new McpctlError('auth', (error as McpctlError).message, {detail: (error as McpctlError).detail, hint: `Nothing was saved. Pass the current code with --field ${field.key}=CODE, or connect a user without two-factor sign-in.`})
      })
      return verifyCredentials(app, name, {...given, [field.key]: code}, progress, answers, interactive)
    }

    // Refusals met on the way (the token request's) advise replacing the credentials of a stored connection.
    if (error instanceof McpctlError && (error.kind === 'auth' || error.kind === 'server') && !error.hint?.startsWith('Nothing was saved')) {
      const hint = error.kind === 'auth' ? 'Fix the credential and run the same command again.' : error.hint
      throw new McpctlError(error.kind, error.message, {detail: error.detail, hint: `Nothing was saved.${hint ? ` ${hint}` : ''}`})
    }

    throw error
  }

  return {base: client.base, found, token: cache.current}
}

/** Save each secret value (keyring, else the 0600 file with consent); env references are kept as references. */
async function saveSecrets(ctx: Context, name: string, secrets: Record<string, SecretInput>, allowFile: boolean): Promise<Record<string, SecretRef>> {
  const refs: Record<string, SecretRef> = {}
  try {
    for (const [key, input] of Object.entries(secrets)) {
      refs[key] = input.kind === 'env' ? {kind: 'env', variable: input.variable} : await ctx.secrets.save(`${name}/${key}-${randomUUID()}`, input.value, {allowFile})
    }
  } catch (error) {
    await removeSecrets(ctx, Object.values(refs))
    if (error instanceof McpctlError && error.kind === 'usage') {
      throw new McpctlError('usage', error.message, {detail: error.detail, hint: 'Nothing was saved. Re-run with --insecure-storage to keep the secrets in a 0600 file, or pass them with --secret-env KEY=VAR.'})
    }

    throw error
  }

  return refs
}

/**
 * Keep the token obtained at connect. A token with a refresh token stands for a browser sign-in, which cannot be
 * redone without a person: when it cannot be stored, nothing is saved and the error says how to allow a file.
 */
async function saveSignInToken(ctx: Context, integration: AppIntegration, token: CachedToken, allowFile: boolean, saved: SecretRef[]) {
  const stored = await saveToken(ctx, integration, token, undefined, allowFile)
  // Other kinds' tokens (N-central's refresh token included) are obtained again from the stored credentials.
  if (stored || !token.refreshToken || findApp(integration.app.id)?.auth.kind !== 'oauth-authorization-code') return stored
  await removeSecrets(ctx, saved)
  throw usageError('No OS keyring answered, so the sign-in cannot be kept; nothing was saved.', 'Re-run with --insecure-storage to keep it in a 0600 file in the config directory.')
}

const removeSecrets = async (ctx: Context, refs: SecretRef[]) => {
  for (const ref of refs) if (ref.kind !== 'env') await ctx.secrets.remove(ref).catch(() => {})
}

/** `connect <app-id>`: a new connection of a catalog app. */
export async function connectApp(ctx: Context, appId: string, request: AppConnectRequest, answers: FieldAnswers, progress: Progress): Promise<AppConnectResult> {
  const app = requireApp(appId)
  const config = await ctx.store.read()
  const name = request.name ?? (await answers.name(app.id, (n) => checkIntegrationName(config, n)))
  const problem = checkIntegrationName(config, name)
  if (problem) {
    throw usageError(problem, lookup(config.integrations, name) ? `Choose another name with --name, or replace its credentials with \`mcpctl connect ${name}\`.` : 'Choose another name with --name.')
  }

  const gathered = await gather(app, request, answers)
  const verified = await verifyCredentials(app, name, {...gathered.fields, ...(await secretValues(ctx, gathered.secrets))}, progress, answers, request.interactive)
  const refs = await saveSecrets(ctx, name, gathered.secrets, Boolean(request.insecureStorage))
  const now = new Date().toISOString()
  const fields = lasting(app, {...gathered.fields, ...verified.found})
  const integration: AppIntegration = {app: {fields, id: app.id, secrets: refs}, createdAt: now, name, syncedAt: now, tools: {}, updatedAt: now, warnings: []}
  if (verified.token) {
    const token = await saveSignInToken(ctx, integration, verified.token, Boolean(request.insecureStorage), Object.values(refs))
    if (token) integration.app.token = token
  }

  const saved = [...Object.values(refs), ...(integration.app.token ? [integration.app.token.secret] : [])]
  const tools = await storeNewConnection(ctx, integration, appToolDefinitions(app), {savedSecrets: saved})
  return {app: app.id, fields, name, replaced: false, secretStorage: Object.fromEntries(Object.entries(refs).map(([k, r]) => [k, shownStorage(r)])), tools, url: verified.base.href}
}

/** `connect <name>` on an app connection: new credentials (and fields), verified first; tools and policies stay. */
export async function replaceAppCredentials(ctx: Context, name: string, request: AppConnectRequest, answers: FieldAnswers, progress: Progress): Promise<AppConnectResult> {
  const current = requireIntegration(await ctx.store.read(), name)
  if (!current.app) throw usageError(`"${name}" is an MCP server, not an app connection.`)
  const app = requireApp(current.app.id)
  if (request.name && request.name !== name) throw usageError('--name names a new connection; it does not rename one.', `To add another ${app.name} connection: \`mcpctl connect ${app.id} --name ${request.name}\`.`)
  // Discovered values are looked up again, in case the change of instance moved them (a step that always runs asks
  // where the stored value says, which is still a good place to ask).
  const discovered = new Set((app.discover ?? []).filter((d) => !d.always).flatMap((d) => Object.keys(d.extract)))
  const kept = Object.fromEntries(Object.entries(current.app.fields).filter(([key]) => !discovered.has(key) || request.fields[key] !== undefined))
  const gathered = await gather(app, request, answers, kept)
  const verified = await verifyCredentials(app, name, {...gathered.fields, ...(await secretValues(ctx, gathered.secrets))}, progress, answers, request.interactive)
  const allowFile = Boolean(request.insecureStorage) || [...Object.values(current.app.secrets), ...(current.app.token ? [current.app.token.secret] : [])].some((ref) => ref.kind === 'file')
  const refs = await saveSecrets(ctx, name, gathered.secrets, allowFile)
  const fields = lasting(app, {...gathered.fields, ...verified.found})
  const next: AppIntegration['app'] = {fields, id: app.id, secrets: refs}
  if (verified.token) {
    const token = await saveSignInToken(ctx, {...current, app: next}, verified.token, allowFile, Object.values(refs))
    if (token) next.token = token
  }

  let old: SecretRef[] = []
  try {
    // Under the token lock: a refresh running in another process must not write the old token back.
    await withGrantLock(ctx, name, async (assertHeld) => {
      assertHeld()
      await ctx.store.update((config: Config) => {
        const target = lookup(config.integrations, name)
        if (!target?.app) throw usageError(`"${name}" was disconnected meanwhile; nothing was changed.`)
        old = [...Object.values(target.app.secrets), ...(target.app.token ? [target.app.token.secret] : [])]
        target.app = next
        target.updatedAt = new Date().toISOString()
      })
    })
  } catch (error) {
    await removeSecrets(ctx, [...Object.values(refs), ...(next.token ? [next.token.secret] : [])])
    throw error
  }

  await removeSecrets(ctx, old)
  return {app: app.id, fields, name, replaced: true, secretStorage: Object.fromEntries(Object.entries(refs).map(([k, r]) => [k, shownStorage(r)])), tools: [], url: verified.base.href}
}

export interface CatalogEntry {
  auth: string
  category: string
  /** Names of this app's connections. */
  connected: string[]
  description: string
  fields: {key: string; label: string; presets: {label: string; url: string; value: string}[]; required: boolean; secret: boolean}[]
  id: string
  name: string
}

/** `integrations catalog`: the apps, filtered by text (id, name, description) and category, with their connections. */
export function listCatalog(config: Config, filter: {category?: string; search?: string} = {}): CatalogEntry[] {
  const text = filter.search?.toLowerCase()
  return APPS.filter((app) => !filter.category || app.category === filter.category)
    .filter((app) => !text || [app.id, app.name, app.description].some((s) => s.toLowerCase().includes(text)))
    .map((app) => ({
      auth: app.auth.kind,
      category: app.category,
      connected: Object.values(config.integrations)
        .filter((i) => i.app?.id === app.id)
        .map((i) => i.name)
        .sort(),
      description: app.description,
      fields: app.fields.map((f) => ({
        key: f.key,
        label: f.label,
        presets: (f.presets ?? []).map((p) => ({label: p.label, url: p.url, value: p.value})),
        required: f.required,
        secret: Boolean(f.secret),
      })),
      id: app.id,
      name: app.name,
    }))
}
