// A remote MCP server as a Source: a session per operation with the stored credential (OAuth refreshed under its
// lock), tools from tools/list, calls through tools/call, OAuth tokens revoked on disconnect.
import {McpctlError} from '../../errors.js'
import type {Context} from '../../integrations.js'
import {parseServerUrl} from '../../net/endpoint.js'
import {redactDeep} from '../../net/untrusted.js'
import type {Auth, McpIntegration} from '../../store/schema.js'
import type {Source, SourceCallOptions} from '../source.js'
import type {Credentials, ElicitationHandler, Session} from './session.js'

/** The credentials of a static-auth integration (OAuth goes through OAuthConnection in withSession). */
async function staticCredentials(ctx: Context, connection: string, auth: Exclude<Auth, {type: 'oauth'}>): Promise<Credentials> {
  if (auth.type === 'none') return {type: 'none'}
  const secret = await ctx.secrets.load(auth.secret, connection)
  return auth.type === 'bearer' ? {token: secret, type: 'bearer'} : {name: auth.headerName, type: 'header', value: secret}
}

/**
 * Open a session with a stored MCP integration and run `work` in it, for every auth type. OAuth tokens are refreshed
 * before use and on a 401 (under a cross-process lock), and a scope step-up runs in the browser only when
 * `authorization` says a browser flow may run here. With a pool, the session is the pooled one (opened on first use).
 * Every failure of `operation` (the MCP method `work` sends) leaves through sessionError, the one path for server text.
 */
export async function withSession<T>(
  ctx: Context,
  integration: McpIntegration,
  operation: string,
  work: (session: Session) => Promise<T>,
  options: SourceCallOptions = {},
): Promise<T> {
  const {openSession, sessionError} = await import('./session.js')
  // Stored URLs were checked when added; plain http is only ever stored for loopback hosts added with --allow-http,
  // and parseServerUrl still refuses it for any other host.
  const url = parseServerUrl(integration.url, {allowHttp: true})
  const elicitation = options.elicit as ElicitationHandler | undefined
  if (options.pool) {
    const {SessionPool} = await import('./session-pool.js')
    const pool = options.pool.state('mcp', () => new SessionPool())
    // Pooled sessions outlive the call: no call's signal belongs on them (each request carries its own).
    const identity = JSON.stringify([integration.url, integration.transport, integration.headers ?? {}, {...integration.auth, expiresAt: undefined, scopes: undefined}])
    const open = (credentials: Credentials) =>
      openSession(url, {
        connection: integration.name,
        credentials,
        elicitation: pool.elicitationFor(integration.name),
        headers: integration.headers,
        maxResponseBytes: pool.maxResponseBytes,
        timeoutMs: options.timeoutMs,
        transport: integration.transport,
      })
    const {auth} = integration
    // Converted outside the pool: it decides from the raw error whether the session broke.
    let credentials: Credentials | undefined
    const fail = (error: unknown) => sessionError(url, error, {connection: integration.name, credentials, operation, signal: options.signal, timeoutMs: options.timeoutMs})
    try {
      if (auth.type !== 'oauth') {
        credentials = await staticCredentials(ctx, integration.name, auth)
        return await pool.use(integration.name, identity, async () => open(credentials!), work, {elicit: elicitation})
      }
      const {OAuthConnection} = await import('../../oauth/connection.js')
      const connection = await pool.oauth(integration.name, identity, () => OAuthConnection.open({ctx, name: integration.name}))
      credentials = {provider: connection.provider, type: 'oauth'}
      return await connection.run(() => pool.use(integration.name, identity, () => open(credentials!), work, {elicit: elicitation}))
    } catch (error) {
      throw fail(error)
    }
  }

  const once = async (credentials: Credentials) => {
    const session = await openSession(url, {
      connection: integration.name,
      credentials,
      elicitation,
      headers: integration.headers,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      transport: integration.transport,
    })
    try {
      return await work(session)
    } catch (error) {
      throw session.fail(error, operation)
    } finally {
      await session.close()
    }
  }

  if (integration.auth.type !== 'oauth') return once(await staticCredentials(ctx, integration.name, integration.auth))
  const {OAuthConnection} = await import('../../oauth/connection.js')
  const connection = await OAuthConnection.open({ctx, interactive: options.authorization, name: integration.name, signal: options.signal})
  return connection.run(() => once({provider: connection.provider, type: 'oauth'}))
}

export const mcpSource: Source<McpIntegration> = {
  async verify(ctx, integration, options = {}) {
    await withSession(ctx, integration, 'initialize', async () => {}, options)
  },

  async listTools(ctx, integration, options = {}) {
    const {discoverTools} = await import('./discover.js')
    return withSession(
      ctx,
      integration,
      'tools/list',
      async (session) => {
        if (options.signal?.aborted) throw new McpctlError('server', `${integration.name}: no answer within the deadline`)
        const discovery = await discoverTools(session)
        const server = session.client.getServerVersion()
        return {
          definitions: discovery.tools,
          // serverInfo is the server's text too: stored without the credential, like the definitions.
          facts: {server: server ? redactDeep({name: server.name, version: server.version}, session.secrets()) : integration.server, transport: session.transport},
          warnings: discovery.warnings,
        }
      },
      options,
    )
  },

  async callTool(ctx, integration, call, options = {}) {
    return withSession(
      ctx,
      integration,
      'tools/call',
      async (session) => {
        // A pooled session is shared: the call's own signal and deadline go on its request.
        const requestOptions = options.pool ? {signal: options.signal, timeout: options.timeoutMs} : session.requestOptions
        const result = await session.client.callTool({arguments: call.args, name: call.tool}, undefined, requestOptions)
        return {
          content: Array.isArray(result.content) ? result.content : [],
          isError: result.isError === true,
          ...(result.structuredContent === undefined ? {} : {structuredContent: result.structuredContent}),
        }
      },
      options,
    )
  },

  async revoke(ctx, integration) {
    if (integration.auth.type !== 'oauth') return {}
    const {revokeStoredGrant} = await import('../../oauth/revoke.js')
    return {tokens: await revokeStoredGrant(ctx, integration.name)}
  },
}
