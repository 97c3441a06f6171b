// `integrations add <url>` and `connect <name>` for MCP servers: probe → name → authenticate → discover → store (with
// the tools seeded by storeNewConnection, like every kind), and re-authorization of a stored OAuth grant.
import {randomUUID} from 'node:crypto'

import {McpctlError, usageError} from '../../errors.js'
import {checkIntegrationName, type Context, type Progress, requireIntegration, type SecretInput, type SeededTool, storeNewConnection} from '../../integrations.js'
import {lookup, suggestIntegrationName} from '../../names.js'
import {parseServerUrl} from '../../net/endpoint.js'
import {redactDeep} from '../../net/untrusted.js'
import type {InteractiveAuthorization} from '../../oauth/authorize.js'
import type {OAuthGrant} from '../../oauth/grant.js'
import type {Auth, AuthType, Config, McpIntegration, SecretRef, Transport} from '../../store/schema.js'
import {describeConnection} from '../describe.js'
import type {ProbeResult} from './probe.js'
import type {Credentials} from './session.js'

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
  /** Connect a server already connected under another name (one multi-tenant server, a token per customer). */
  allowDuplicate?: boolean
  allowHttp?: boolean
  auth?: AuthType
  /** How to run a browser flow; absent when none can run here (CI without $BROWSER). */
  authorization?: InteractiveAuthorization
  /** Why no browser flow can run, when `authorization` is absent: the error to raise if OAuth turns out to be needed. */
  noAuthorization?: McpctlError
  oauth?: OAuthClientChoice
  headerName?: string
  /** `--header NAME=VALUE`, repeatable: static, non-secret headers sent on every request (a tenant id). */
  headers?: string[]
  insecureStorage?: boolean
  name?: string
  secret?: SecretInput
  url: string
}

export interface AddResult {
  auth: AuthType
  /** Static headers sent on every request (`--header`). */
  headers?: Record<string, string>
  name: string
  probe?: ProbeResult
  secretStorage?: SecretRef['kind']
  server?: {name?: string; version?: string}
  tools: SeededTool[]
  transport: Transport
  url: string
  warnings: string[]
}

const silent: Progress = {step() {}}

/** Two URLs name the same MCP server: same origin, path (trailing slashes aside) and query (a tenant may live there). */
function sameServer(a: URL, b: URL): boolean {
  return a.origin === b.origin && a.pathname.replace(/\/+$/, '') === b.pathname.replace(/\/+$/, '') && a.search === b.search
}

/**
 * A second connection to a server already connected would let a tool disabled under one name run under the other:
 * refused unless asked for (a multi-tenant server with a token per customer is legitimate).
 */
export function duplicateConnection(config: Config, url: URL): McpctlError | undefined {
  for (const existing of Object.values(config.integrations)) {
    const described = describeConnection(existing)
    if (described.kind !== 'mcp') continue
    let stored: URL
    try {
      stored = new URL(described.url)
    } catch {
      continue
    }

    if (sameServer(stored, url)) {
      return usageError(
        `${url.origin}${url.pathname} is already connected as "${existing.name}": its tools and policies are there.`,
        `A second connection would have policies of its own. If that is what you want (e.g. one token per customer), pass --allow-duplicate.`,
      )
    }
  }

  return undefined
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/

/** Does this auth keep a secret mcpctl must store (in the keyring, or the file with --insecure-storage)? */
const storesSecret = (auth: AuthType | undefined, secret: SecretInput | undefined) =>
  secret?.kind === 'value' || (auth !== undefined && auth !== 'none' && secret?.kind !== 'env')

export async function addIntegration(ctx: Context, request: AddRequest, answers: Answers, progress: Progress = silent): Promise<AddResult> {
  const url = parseServerUrl(request.url, {allowHttp: request.allowHttp})
  const config = await ctx.store.read()
  // Cheap checks first: what the flags alone decide fails before the probe, the browser or any other network work —
  // a name given, a server already connected, the static headers, the credential's source and where it would be kept.
  if (request.name !== undefined) {
    const problem = checkIntegrationName(config, request.name)
    if (problem) throw usageError(problem, 'Choose another name with --name.')
  }
  const duplicate = request.allowDuplicate ? undefined : duplicateConnection(config, url)
  if (duplicate) throw duplicate
  const {parseStaticHeaders} = await import('./headers.js')
  const headers = parseStaticHeaders(request.headers ?? [], {credentialHeader: request.headerName})
  if (request.headerName !== undefined && !HEADER_NAME.test(request.headerName)) throw usageError(`"${request.headerName}" is not a valid HTTP header name.`)
  // An unset --token-env variable is an auth error naming it.
  if (request.secret?.kind === 'env') await ctx.secrets.load({kind: 'env', variable: request.secret.variable})
  if (storesSecret(request.auth, request.secret)) ctx.secrets.assertCanStore({allowFile: Boolean(request.insecureStorage)})

  let probe: ProbeResult | undefined
  let auth = request.auth
  if (!auth) {
    progress.step(`Probing ${url.href}`)
    const {probeServer} = await import('./probe.js')
    probe = await probeServer(url, {headers})
    auth = probe.auth
    if (auth === 'header') auth = request.headerName ? 'header' : await answers.authChoice(probe)
    // Now known: before asking for a credential or opening a browser.
    if (storesSecret(auth, request.secret)) ctx.secrets.assertCanStore({allowFile: Boolean(request.insecureStorage)})
  }

  // A client ID metadata document names mcpctl itself, "used when the server supports them": a job may pass it for
  // every server. A client ID, its secret and scopes belong to one server's OAuth and are a mistake anywhere else.
  const {clientMetadataUrl: _ownIdentity, ...serverSpecific} = request.oauth ?? {}
  if (auth !== 'oauth' && Object.values(serverSpecific).some((v) => v !== undefined)) {
    throw usageError(`OAuth client flags were given, but ${url.origin} uses ${auth} auth.`, 'Drop them, or pass --auth oauth if the server does use OAuth.')
  }

  const suggested = suggestIntegrationName(url, {serverName: probe?.server?.name, taken: (n) => lookup(config.integrations, n) !== undefined})
  const name = request.name ?? (await answers.name(suggested, (n) => checkIntegrationName(config, n)))
  const problem = checkIntegrationName(config, name)
  if (problem) throw usageError(problem, 'Choose another name with --name.')

  const headerName = auth === 'header' ? request.headerName ?? (await answers.headerName()) : undefined
  if (headerName !== undefined && !HEADER_NAME.test(headerName)) {
    throw usageError(`"${headerName}" is not a valid HTTP header name.`)
  }
  if (headerName !== undefined && Object.hasOwn(headers, headerName.toLowerCase())) {
    throw usageError(`--header ${headerName.toLowerCase()} is the credential header of this connection; its value is a secret.`, 'Give it with --token-stdin or --token-env instead.')
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
    const {authorizeServer} = await import('../../oauth/authorize.js')
    const {OAuthConnection} = await import('../../oauth/connection.js')
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
  const {openSession} = await import('./session.js')
  const {discoverTools} = await import('./discover.js')
  let discovery
  let serverVersion
  let transport: Transport
  try {
    const session = await openSession(url, {credentials, headers, transport: probe?.transport})
    transport = session.transport
    try {
      progress.step('Discovering tools')
      discovery = await discoverTools(session)
      const info = session.client.getServerVersion()
      // serverInfo is the server's text: stored without the credential, like the definitions.
      serverVersion = info ? redactDeep({name: info.name, version: info.version}, session.secrets()) : undefined
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
    const {storeGrant} = await import('../../oauth/grant-store.js')
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
  const staticHeaders = Object.fromEntries(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : 1)))
  const integration: McpIntegration = {
    auth: storedAuth,
    createdAt: now,
    ...(Object.keys(staticHeaders).length > 0 ? {headers: staticHeaders} : {}),
    name,
    server: serverVersion ? {name: serverVersion.name, version: serverVersion.version} : undefined,
    syncedAt: now,
    tools: {},
    transport,
    updatedAt: now,
    url: url.href,
    warnings: discovery.warnings,
  }
  const tools = await storeNewConnection(ctx, integration, discovery.tools, {
    conflict: (latest) => (request.allowDuplicate ? undefined : duplicateConnection(latest, url)),
    savedSecrets: secretRef && secretRef.kind !== 'env' ? [secretRef] : [],
  })
  return {
    auth,
    ...(integration.headers ? {headers: integration.headers} : {}),
    name,
    probe,
    secretStorage: secretRef?.kind,
    server: integration.server,
    tools,
    transport: integration.transport,
    url: integration.url,
    warnings: discovery.warnings,
  }
}

/** `connect <name>` on an OAuth integration: authorize again (expired grant, new scopes) and keep its tools and policies. */
export async function reauthorizeIntegration(
  ctx: Context,
  name: string,
  request: {allowHttp?: boolean; authorization: InteractiveAuthorization; insecureStorage?: boolean; oauth?: OAuthClientChoice},
): Promise<{expiresAt?: string; name: string; scopes: string[]; url: string}> {
  const integration = requireIntegration(await ctx.store.read(), name)
  if (integration.app) throw usageError(`"${name}" is a ${integration.app.id} app connection, not an MCP server.`)
  if (integration.auth.type !== 'oauth') {
    throw usageError(`"${name}" uses ${integration.auth.type} auth: there is no OAuth grant to renew.`, `Replace its credential with \`mcpctl connect ${name}\` (asked on a terminal, or --token-stdin / --token-env).`)
  }

  const allowFile = Boolean(request.insecureStorage) || integration.auth.secret.kind === 'file'
  // Before the browser flow: a grant that cannot be stored is not worth a sign-in.
  ctx.secrets.assertCanStore({allowFile})
  const {authorizeServer} = await import('../../oauth/authorize.js')
  const {saveIntegrationGrant} = await import('../../oauth/grant-store.js')
  const url = new URL(integration.url)
  const grant = await authorizeServer({
    ...request.authorization,
    ...request.oauth,
    allowHttp: request.allowHttp || url.protocol === 'http:',
    serverUrl: url,
  })
  await saveIntegrationGrant(ctx, name, grant, {allowFile})
  return {expiresAt: grant.expiresAt, name, scopes: grant.scopes, url: integration.url}
}


export interface CredentialReplacement {
  auth: 'bearer' | 'header'
  name: string
  secretStorage: SecretRef['kind']
  url: string
  /** The old secret could not be deleted (the new one is in use all the same). */
  warnings: string[]
}

/**
 * `connect <name>` on a bearer or header connection: replace its credential (a rotated key) — proven against the server
 * first (initialize and tools/list, where some servers first ask), then stored, then the old one deleted. Tools and
 * policies stay. A refused credential changes nothing.
 */
export async function replaceCredential(
  ctx: Context,
  name: string,
  request: {insecureStorage?: boolean; secret: SecretInput},
): Promise<CredentialReplacement> {
  const integration = requireIntegration(await ctx.store.read(), name)
  if (integration.app) throw usageError(`"${name}" is a ${integration.app.id} app connection, not an MCP server.`, `Replace its credentials with \`mcpctl connect ${name} --secret-stdin KEY\`.`)
  const {auth} = integration
  if (auth.type !== 'bearer' && auth.type !== 'header') {
    throw usageError(`"${name}" uses ${auth.type} auth: it has no token or header value to replace.`, auth.type === 'oauth' ? `Re-authorize it with \`mcpctl connect ${name}\`.` : undefined)
  }

  const value = request.secret.kind === 'env' ? await ctx.secrets.load({kind: 'env', variable: request.secret.variable}) : request.secret.value
  if (!value) throw usageError('The credential is empty.')
  const credentials: Credentials = auth.type === 'bearer' ? {token: value, type: 'bearer'} : {name: auth.headerName, type: 'header', value}
  const url = parseServerUrl(integration.url, {allowHttp: true})
  const {openSession} = await import('./session.js')
  try {
    const session = await openSession(url, {credentials, headers: integration.headers, transport: integration.transport})
    try {
      await session.client.listTools(undefined, session.requestOptions).catch((error: unknown) => {
        throw session.fail(error, 'tools/list')
      })
    } finally {
      await session.close()
    }
  } catch (error) {
    if (error instanceof McpctlError && error.kind === 'auth') {
      throw new McpctlError('auth', `${error.message} The current credential of "${name}" was kept.`, {cause: error, detail: error.detail, hint: error.hint})
    }

    throw error
  }

  const secretRef: SecretRef =
    request.secret.kind === 'env'
      ? {kind: 'env', variable: request.secret.variable}
      : await ctx.secrets.save(`${name}/${randomUUID()}`, value, {allowFile: Boolean(request.insecureStorage) || auth.secret.kind === 'file'})
  const now = new Date().toISOString()
  let previous: SecretRef
  try {
    previous = await ctx.store.update((config) => {
      const latest = requireIntegration(config, name)
      if (latest.app || latest.auth.type !== auth.type) throw usageError(`"${name}" changed while its credential was being checked; nothing was replaced.`, 'Run the command again.')
      const old = latest.auth.secret
      latest.auth = {...latest.auth, secret: secretRef}
      latest.updatedAt = now
      return old
    })
  } catch (error) {
    if (secretRef.kind !== 'env') await ctx.secrets.remove(secretRef).catch(() => {})
    throw error
  }

  const warnings: string[] = []
  if (previous.kind !== 'env') {
    try {
      await ctx.secrets.remove(previous)
    } catch (error) {
      warnings.push(`The previous secret could not be deleted: ${(error as Error).message}`)
    }
  }

  return {auth: auth.type, name, secretStorage: secretRef.kind, url: integration.url, warnings}
}
