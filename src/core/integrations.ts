// Integrations: add (probe → name → authenticate → discover → seed), remove, and the summaries commands render.
import {randomUUID} from 'node:crypto'

import {McpctlError, usageError} from './errors.js'
import {parseServerUrl} from './net/endpoint.js'
import {INTEGRATION_NAME, qualifiedToolName, suggestIntegrationName} from './names.js'
import type {Permission} from './policy/permission.js'
import type {ConfigStore, ToolDefinition} from './store/config-store.js'
import type {Auth, AuthType, Config, Integration, SecretRef, Transport} from './store/schema.js'
import type {SecretStore} from './store/secret-store.js'
import {newToolRecord} from './tool-record.js'
import type {Credentials, Session} from './sources/mcp/session.js'
import type {ProbeResult} from './sources/mcp/probe.js'
import type {InteractiveAuthorization} from './oauth/authorize.js'
import type {OAuthGrant} from './oauth/grant.js'
import type {TokenRevocation} from './oauth/revoke.js'

export interface Context {
  secrets: SecretStore
  store: ConfigStore
}

/** A credential as the user supplied it: the value itself, or the name of an environment variable that holds it. */
export type SecretInput = {kind: 'env'; variable: string} | {kind: 'value'; value: string}

/** Answers the command could not take from flags. Interactive runs prompt; others fail naming the flag. */
export interface Answers {
  authChoice(probe: ProbeResult): Promise<'bearer' | 'header'>
  headerName(): Promise<string>
  name(suggestion: string, check: (name: string) => string | undefined): Promise<string>
  secret(label: string): Promise<string>
}

/** OAuth client choices (`--client-id`, `--client-secret-*`, `--client-metadata-url`, `--scope`). */
export interface OAuthClientChoice {
  clientId?: string
  clientMetadataUrl?: string
  clientSecret?: string
  scope?: string
}

export interface AddRequest {
  allowHttp?: boolean
  auth?: AuthType
  /** How to run a browser flow; absent when none can run here (CI without $BROWSER). */
  authorization?: InteractiveAuthorization
  /** Why no browser flow can run, when `authorization` is absent: the error to raise if OAuth turns out to be needed. */
  noAuthorization?: McpctlError
  oauth?: OAuthClientChoice
  headerName?: string
  insecureStorage?: boolean
  name?: string
  secret?: SecretInput
  url: string
}

export interface SeededTool {
  class: string
  name: string
  permission: Permission
  reason: string
  tool: string
}

export interface AddResult {
  auth: AuthType
  name: string
  probe?: ProbeResult
  secretStorage?: SecretRef['kind']
  server?: {name?: string; version?: string}
  tools: SeededTool[]
  transport: Transport
  url: string
  warnings: string[]
}

export interface Progress {
  step(message: string): void
}

const silent: Progress = {step() {}}

/** Why a name cannot be used, or undefined when it can. */
export function checkIntegrationName(config: Config, name: string): string | undefined {
  if (!INTEGRATION_NAME.test(name)) {
    return `"${name}" is not a valid name: use lowercase letters, digits and hyphens (at most 64, starting and ending with a letter or digit).`
  }

  if (config.integrations[name]) return `An integration named "${name}" already exists.`
  return undefined
}

export async function addIntegration(ctx: Context, request: AddRequest, answers: Answers, progress: Progress = silent): Promise<AddResult> {
  const url = parseServerUrl(request.url, {allowHttp: request.allowHttp})
  const config = await ctx.store.read()

  let probe: ProbeResult | undefined
  let auth = request.auth
  if (!auth) {
    progress.step(`Probing ${url.href}`)
    const {probeServer} = await import('./sources/mcp/probe.js')
    probe = await probeServer(url)
    auth = probe.auth
    if (auth === 'header') auth = request.headerName ? 'header' : await answers.authChoice(probe)
  }

  if (auth !== 'oauth' && request.oauth && Object.values(request.oauth).some((v) => v !== undefined)) {
    throw usageError(`OAuth client flags were given, but ${url.origin} uses ${auth} auth.`, 'Drop them, or pass --auth oauth if the server does use OAuth.')
  }

  const name = request.name ?? (await answers.name(suggestIntegrationName(url), (n) => checkIntegrationName(config, n)))
  const problem = checkIntegrationName(config, name)
  if (problem) throw usageError(problem, 'Choose another name with --name.')

  const headerName = auth === 'header' ? request.headerName ?? (await answers.headerName()) : undefined
  if (headerName !== undefined && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(headerName)) {
    throw usageError(`"${headerName}" is not a valid HTTP header name.`)
  }

  let secret = request.secret
  if ((auth === 'bearer' || auth === 'header') && !secret) {
    secret = {kind: 'value', value: await answers.secret(auth === 'bearer' ? 'Bearer token' : `Value of the ${headerName} header`)}
  }

  const secretValue = secret?.kind === 'env' ? await ctx.secrets.load({kind: 'env', variable: secret.variable}) : secret?.value
  if ((auth === 'bearer' || auth === 'header') && !secretValue) throw usageError('The credential is empty.')
  let grant: OAuthGrant | undefined
  let credentials: Credentials
  if (auth === 'oauth') {
    if (!request.authorization) throw request.noAuthorization ?? usageError('OAuth needs a browser, and none can be opened here.')
    const {authorizeServer} = await import('./oauth/authorize.js')
    const {OAuthConnection} = await import('./oauth/connection.js')
    grant = await authorizeServer({
      ...request.authorization,
      ...request.oauth,
      allowHttp: request.allowHttp,
      // The MCP spec's scope selection: --scope, else the challenge's `scope`, else (in authorizeServer) the PRM's.
      scope: request.oauth?.scope ?? probe?.oauth?.challengeScope,
      resourceMetadataUrl: probe?.oauth?.resourceMetadataUrl,
      serverUrl: url,
    })
    credentials = {provider: OAuthConnection.forGrant(name, grant).provider, type: 'oauth'}
  } else {
    credentials =
      auth === 'bearer'
        ? {token: secretValue!, type: 'bearer'}
        : auth === 'header'
          ? {name: headerName!, type: 'header', value: secretValue!}
          : {type: 'none'}
  }

  progress.step(`Connecting to ${url.href}`)
  const {openSession} = await import('./sources/mcp/session.js')
  const {discoverTools} = await import('./sources/mcp/discover.js')
  let discovery
  let serverVersion
  let transport: Transport
  try {
    const session = await openSession(url, {credentials, transport: probe?.transport})
    transport = session.transport
    try {
      progress.step('Discovering tools')
      discovery = await discoverTools(session)
      serverVersion = session.client.getServerVersion()
    } finally {
      await session.close()
    }
  } catch (error) {
    // Some servers let `initialize` through unauthenticated and ask for credentials only on tools/list.
    if (auth === 'none' && error instanceof McpctlError && error.kind === 'auth') {
      throw new McpctlError('auth', error.message, {
        cause: error,
        hint: 'The server accepted the probe without credentials but refused to list tools: add it again with --auth oauth, --auth bearer or --auth header.',
      })
    }

    throw error
  }

  // Only now, with the credential proven, is anything stored; a failure from here on removes what was saved.
  let secretRef: SecretRef | undefined
  let storedAuth: Auth
  if (grant) {
    const {storeGrant} = await import('./oauth/grant-store.js')
    storedAuth = await storeGrant(ctx.secrets, name, grant, {allowFile: Boolean(request.insecureStorage)})
    secretRef = storedAuth.secret
  } else {
    if (secret?.kind === 'env') secretRef = {kind: 'env', variable: secret.variable}
    else if (secret?.kind === 'value') {
      secretRef = await ctx.secrets.save(`${name}/${randomUUID()}`, secret.value, {allowFile: Boolean(request.insecureStorage)})
    }

    storedAuth =
      auth === 'bearer' ? {secret: secretRef!, type: 'bearer'} : auth === 'header' ? {headerName: headerName!, secret: secretRef!, type: 'header'} : {type: 'none'}
  }

  const now = new Date().toISOString()
  const definitions: Record<string, ToolDefinition> = {}
  const tools: Integration['tools'] = {}
  for (const definition of discovery.tools) {
    definitions[definition.name] = definition
    tools[definition.name] = newToolRecord(definition, now)
  }

  const integration: Integration = {
    auth: storedAuth,
    createdAt: now,
    name,
    server: serverVersion ? {name: serverVersion.name, version: serverVersion.version} : undefined,
    syncedAt: now,
    tools,
    transport,
    updatedAt: now,
    url: url.href,
    warnings: discovery.warnings,
  }

  try {
    await ctx.store.update((latest, tx) => {
      const clash = checkIntegrationName(latest, name)
      if (clash) throw usageError(clash, 'Choose another name with --name.')
      latest.integrations[name] = integration
      tx.setDefinitions(name, definitions)
    })
  } catch (error) {
    if (secretRef && secretRef.kind !== 'env') await ctx.secrets.remove(secretRef).catch(() => {})
    throw error
  }

  return {
    auth,
    name,
    probe,
    secretStorage: secretRef?.kind,
    server: integration.server,
    tools: Object.values(tools).map((t) => ({
      class: t.class,
      name: qualifiedToolName(name, t.name),
      permission: t.policy.permission,
      reason: t.policy.reason,
      tool: t.name,
    })),
    transport: integration.transport,
    url: integration.url,
    warnings: discovery.warnings,
  }
}

/** Look up an integration or fail with a usage error that lists what exists. */
export function requireIntegration(config: Config, name: string): Integration {
  const integration = config.integrations[name]
  if (!integration) {
    const known = Object.keys(config.integrations).sort()
    throw usageError(
      `No integration named "${name}".`,
      known.length > 0 ? `Known integrations: ${known.join(', ')}.` : 'Add one with `mcpctl integrations add <url>`.',
    )
  }

  return integration
}

/** The credentials of a static-auth integration (OAuth goes through OAuthConnection in withSession). */
async function staticCredentials(ctx: Context, auth: Exclude<Auth, {type: 'oauth'}>): Promise<Credentials> {
  if (auth.type === 'none') return {type: 'none'}
  const secret = await ctx.secrets.load(auth.secret)
  return auth.type === 'bearer' ? {token: secret, type: 'bearer'} : {name: auth.headerName, type: 'header', value: secret}
}

/**
 * Open a session with a stored integration and run `work` in it, for every auth type. OAuth tokens are refreshed
 * before use and on a 401 (under a cross-process lock), and a scope step-up runs in the browser only when
 * `authorization` says a browser flow may run here.
 */
export async function withSession<T>(
  ctx: Context,
  integration: Integration,
  work: (session: Session) => Promise<T>,
  options: {authorization?: InteractiveAuthorization; signal?: AbortSignal; timeoutMs?: number} = {},
): Promise<T> {
  const {openSession} = await import('./sources/mcp/session.js')
  // Stored URLs were checked when added; plain http is only ever stored for loopback hosts added with --allow-http,
  // and parseServerUrl still refuses it for any other host.
  const url = parseServerUrl(integration.url, {allowHttp: true})
  const once = async (credentials: Credentials) => {
    const session = await openSession(url, {credentials, signal: options.signal, timeoutMs: options.timeoutMs, transport: integration.transport})
    try {
      return await work(session)
    } finally {
      await session.close()
    }
  }

  if (integration.auth.type !== 'oauth') return once(await staticCredentials(ctx, integration.auth))
  const {OAuthConnection} = await import('./oauth/connection.js')
  const connection = await OAuthConnection.open({ctx, interactive: options.authorization, name: integration.name, signal: options.signal})
  return connection.run(() => once({provider: connection.provider, type: 'oauth'}))
}

/** `connect <name>` on an OAuth integration: authorize again (expired grant, new scopes) and keep its tools and policies. */
export async function reauthorizeIntegration(
  ctx: Context,
  name: string,
  request: {allowHttp?: boolean; authorization: InteractiveAuthorization; insecureStorage?: boolean; oauth?: OAuthClientChoice},
): Promise<{expiresAt?: string; name: string; scopes: string[]; url: string}> {
  const integration = requireIntegration(await ctx.store.read(), name)
  if (integration.auth.type !== 'oauth') {
    throw usageError(`"${name}" uses ${integration.auth.type} auth; connect re-authorizes OAuth integrations.`, `To change its credential: \`mcpctl disconnect ${name}\`, then \`mcpctl integrations add ${integration.url}\`.`)
  }

  const {authorizeServer} = await import('./oauth/authorize.js')
  const {saveIntegrationGrant} = await import('./oauth/grant-store.js')
  const url = new URL(integration.url)
  const grant = await authorizeServer({
    ...request.authorization,
    ...request.oauth,
    allowHttp: request.allowHttp || url.protocol === 'http:',
    serverUrl: url,
  })
  const allowFile = Boolean(request.insecureStorage) || integration.auth.secret.kind === 'file'
  await saveIntegrationGrant(ctx, name, grant, {allowFile})
  return {expiresAt: grant.expiresAt, name, scopes: grant.scopes, url: integration.url}
}

export interface RemovalPlan {
  name: string
  secrets: number
  tools: number
  url: string
}

export function planRemoval(integration: Integration): RemovalPlan {
  return {
    name: integration.name,
    secrets: 'secret' in integration.auth && integration.auth.secret.kind !== 'env' ? 1 : 0,
    tools: Object.keys(integration.tools).length,
    url: integration.url,
  }
}

export interface RemovalReceipt extends RemovalPlan {
  removed: {integration: boolean; policies: number; secrets: number; tools: number}
  /** OAuth only: what the authorization server did with each token (RFC 7009). */
  revocation?: TokenRevocation[]
  /** OAuth only: everything that could be revoked was (an access token the server cannot revoke merely runs out). */
  revoked?: boolean
  /** What did not happen that should have: any of them makes the disconnect partial (exit 5). */
  warnings: string[]
}

/**
 * Remove an integration with its tools, policies and stored secrets. OAuth tokens are revoked first when the
 * authorization server offers it; local removal happens whatever revocation did.
 */
export async function removeIntegration(ctx: Context, name: string): Promise<RemovalReceipt> {
  let revocation: TokenRevocation[] | undefined
  if (requireIntegration(await ctx.store.read(), name).auth.type === 'oauth') {
    const {revokeStoredGrant} = await import('./oauth/revoke.js')
    revocation = await revokeStoredGrant(ctx, name)
  }

  const removed = await ctx.store.update((config, tx) => {
    const integration = requireIntegration(config, name)
    delete config.integrations[name]
    tx.deleteDefinitions(name)
    return integration
  })

  const plan = planRemoval(removed)
  const warnings: string[] = []
  let secrets = 0
  if ('secret' in removed.auth && removed.auth.secret.kind !== 'env') {
    try {
      await ctx.secrets.remove(removed.auth.secret)
      secrets = 1
    } catch (error) {
      warnings.push(`The stored secret could not be deleted: ${(error as Error).message}`)
    }
  }

  const {revocationComplete} = await import('./oauth/revoke.js')
  const revoked = revocation ? revocationComplete(revocation) : undefined
  for (const r of revocation ?? []) {
    if (r.outcome === 'failed') warnings.push(`The ${r.token.replace('_', ' ')} was not revoked: ${r.reason ?? 'unknown reason'}.`)
    // Only when the grant itself lives on: a refresh token the server will not revoke keeps minting access tokens.
    if (r.outcome === 'not-revocable' && !revoked) warnings.push(`The ${r.token.replace('_', ' ')} cannot be revoked (${r.reason ?? 'the server does not revoke this token type'}); it stays valid until it expires.`)
  }

  return {...plan, removed: {integration: true, policies: plan.tools, secrets, tools: plan.tools}, revocation, revoked, warnings}
}

export interface IntegrationSummary {
  auth: AuthType
  /** Tools whose definition changed at the last sync (see `tools list --changed`). */
  changed: number
  name: string
  permissions: Record<Permission, number>
  /** `ok`, or what needs attention: an unset credential variable, an expired token, changed tools, warnings. */
  status: string
  syncedAt?: string
  tools: number
  transport: Transport
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

  const {auth} = integration
  const notes: string[] = []
  if ('secret' in auth && auth.secret.kind === 'env' && !env[auth.secret.variable]) notes.push(`$${auth.secret.variable} unset`)
  if (auth.type === 'oauth' && auth.expiresAt && Date.parse(auth.expiresAt) < now) notes.push('token expired (refreshed on use)')
  if (changed > 0) notes.push(`${changed} changed`)
  if (integration.warnings.length > 0) notes.push(`${integration.warnings.length} warning${integration.warnings.length === 1 ? '' : 's'}`)
  return {
    auth: integration.auth.type,
    changed,
    name: integration.name,
    permissions,
    status: notes.length > 0 ? notes.join(', ') : 'ok',
    syncedAt: integration.syncedAt,
    tools: tools.length,
    transport: integration.transport,
    url: integration.url,
    warnings: integration.warnings.length,
  }
}
