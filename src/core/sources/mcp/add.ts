// `integrations add <url>` and `connect <name>` for MCP servers: probe → name → authenticate → discover → store (with
// the tools seeded by storeNewConnection, like every kind), and re-authorization of a stored OAuth grant.
import {randomUUID} from 'node:crypto'

import {McpctlError, usageError} from '../../errors.js'
import {checkIntegrationName, type Context, type Progress, requireIntegration, type SecretInput, type SeededTool, storeNewConnection} from '../../integrations.js'
import {suggestIntegrationName} from '../../names.js'
import {parseServerUrl} from '../../net/endpoint.js'
import type {InteractiveAuthorization} from '../../oauth/authorize.js'
import type {OAuthGrant} from '../../oauth/grant.js'
import type {Auth, AuthType, McpIntegration, SecretRef, Transport} from '../../store/schema.js'
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

const silent: Progress = {step() {}}

export async function addIntegration(ctx: Context, request: AddRequest, answers: Answers, progress: Progress = silent): Promise<AddResult> {
  const url = parseServerUrl(request.url, {allowHttp: request.allowHttp})
  const config = await ctx.store.read()

  let probe: ProbeResult | undefined
  let auth = request.auth
  if (!auth) {
    progress.step(`Probing ${url.href}`)
    const {probeServer} = await import('./probe.js')
    probe = await probeServer(url)
    auth = probe.auth
    if (auth === 'header') auth = request.headerName ? 'header' : await answers.authChoice(probe)
  }

  // A client ID metadata document names mcpctl itself, "used when the server supports them": a job may pass it for
  // every server. A client ID, its secret and scopes belong to one server's OAuth and are a mistake anywhere else.
  const {clientMetadataUrl: _ownIdentity, ...serverSpecific} = request.oauth ?? {}
  if (auth !== 'oauth' && Object.values(serverSpecific).some((v) => v !== undefined)) {
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
  const integration: McpIntegration = {
    auth: storedAuth,
    createdAt: now,
    name,
    server: serverVersion ? {name: serverVersion.name, version: serverVersion.version} : undefined,
    syncedAt: now,
    tools: {},
    transport,
    updatedAt: now,
    url: url.href,
    warnings: discovery.warnings,
  }
  const tools = await storeNewConnection(ctx, integration, discovery.tools, {savedSecrets: secretRef && secretRef.kind !== 'env' ? [secretRef] : []})
  return {
    auth,
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
    throw usageError(`"${name}" uses ${integration.auth.type} auth; connect re-authorizes OAuth integrations.`, `To change its credential: \`mcpctl disconnect ${name}\`, then \`mcpctl integrations add ${integration.url}\`.`)
  }

  const {authorizeServer} = await import('../../oauth/authorize.js')
  const {saveIntegrationGrant} = await import('../../oauth/grant-store.js')
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

