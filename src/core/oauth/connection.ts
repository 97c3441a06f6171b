// Using a stored grant: refresh before use when the access token has (nearly) expired, refresh again when a server
// refuses the token, step up scopes when a server asks for more — each refresh under the integration's cross-process
// lock, with the stored grant re-read inside it, and saved before the lock is released.
import type {OAuthClientProvider} from '@modelcontextprotocol/sdk/client/auth.js'

import {McpctlError} from '../errors.js'
import {authorizeServer, type InteractiveAuthorization} from './authorize.js'
import {type GrantContext, loadIntegrationGrant, replaceStoredGrant, withGrantLock} from './grant-store.js'
import {expiresWithin, type OAuthGrant, reauthorizeHint} from './grant.js'
import {oauthHttp} from './http.js'
import {GrantProvider, type ReauthorizationNeed} from './provider.js'
import {authorizationExpired, refreshGrant} from './refresh.js'

/** Refresh when the access token expires within this (default 60 s): a token must not expire mid-command. */
export const REFRESH_MARGIN_MS = 60_000
/** Browser step-ups allowed per command: a server that keeps asking for more scopes must not loop. */
export const MAX_STEP_UPS = 1

export interface OAuthConnectionOptions {
  ctx: GrantContext
  /** Integration name. */
  name: string
  /** Allows a browser flow for scope step-up (interactive runs only); without it, a step-up need is an error. */
  interactive?: InteractiveAuthorization
  maxStepUps?: number
  /** Test clock (ms since the epoch). */
  now?: () => number
  refreshMarginMs?: number
  signal?: AbortSignal
}

type Backing = {ctx: GrantContext; kind: 'stored'} | {kind: 'memory'}

/** A grant in use by one command. Hand `provider` to the MCP session; wrap the session's work in `run()`. */
export class OAuthConnection {
  readonly name: string
  /** For `openSession(url, {credentials: {type: 'oauth', provider}})`. */
  readonly provider: OAuthClientProvider
  private readonly backing: Backing
  private current: OAuthGrant
  private need?: {error: McpctlError; need: ReauthorizationNeed}
  private readonly options: Omit<OAuthConnectionOptions, 'ctx' | 'name'>

  private constructor(name: string, grant: OAuthGrant, backing: Backing, options: Omit<OAuthConnectionOptions, 'ctx' | 'name'>) {
    this.name = name
    this.current = grant
    this.backing = backing
    this.options = options
    this.provider = new GrantProvider({
      grant: () => this.current,
      reauthorizationNeeded: (need) => this.recordNeed(need),
    })
  }

  /** A grant that is not stored yet (`integrations add`, between authorization and saving): no refresh, no step-up. */
  static forGrant(name: string, grant: OAuthGrant): OAuthConnection {
    return new OAuthConnection(name, grant, {kind: 'memory'}, {})
  }

  /** Open the stored grant of integration `name`, refreshing it first when it has (nearly) expired. */
  static async open(options: OAuthConnectionOptions): Promise<OAuthConnection> {
    const {ctx, name, ...rest} = options
    const {grant} = await loadIntegrationGrant(ctx, name)
    const connection = new OAuthConnection(name, grant, {ctx, kind: 'stored'}, rest)
    await connection.ensureFresh()
    return connection
  }

  /** The grant in use (secret: never print it). */
  get grant(): OAuthGrant {
    return this.current
  }

  /** What the config shows: when the access token expires, and the scopes granted. */
  get status(): {expiresAt?: string; scopes: string[]} {
    return {expiresAt: this.current.expiresAt, scopes: this.current.scopes}
  }

  private get now(): number {
    return (this.options.now ?? Date.now)()
  }

  /** Refresh now if the access token expires within the margin. */
  async ensureFresh(): Promise<void> {
    if (!expiresWithin(this.current, this.options.refreshMarginMs ?? REFRESH_MARGIN_MS, this.now)) return
    await this.refresh('expiring')
  }

  /**
   * Refresh under the lock. `expiring`: only if the stored grant still expires soon. `rejected` (a server refused
   * the token): unless another process already stored a different token, which is then used instead.
   */
  async refresh(reason: 'expiring' | 'rejected' = 'rejected'): Promise<void> {
    if (this.backing.kind === 'memory') throw authorizationExpired(this.name)
    const {ctx} = this.backing
    const held = this.current.tokens.access_token
    this.current = await withGrantLock(ctx, this.name, async (assertHeld) => {
      // Re-read inside the lock: another mcpctl may have refreshed while we waited, and our refresh token is then spent.
      const stored = await loadIntegrationGrant(ctx, this.name)
      const fresh = !expiresWithin(stored.grant, this.options.refreshMarginMs ?? REFRESH_MARGIN_MS, this.now)
      // Another process refreshed while we waited: its token is the one to use, and no second request is made.
      if (fresh && stored.grant.tokens.access_token !== held) return stored.grant
      // The stored token is fine after all (e.g. renewed by `mcpctl connect` meanwhile).
      if (fresh && reason === 'expiring') return stored.grant
      const next = await refreshGrant(stored.grant, {http: oauthHttp({signal: this.options.signal}), name: this.name, now: this.now})
      try {
        assertHeld()
        await replaceStoredGrant(ctx, stored, next, this.name)
      } catch (error) {
        // The old refresh token is spent (rotation) and the new one is only in memory: say so, not just "cannot write".
        const why = error instanceof McpctlError ? error.message : String(error)
        throw new McpctlError(error instanceof McpctlError ? error.kind : 'error', `The tokens for "${this.name}" were refreshed but could not be stored: ${why}`, {
          cause: error,
          hint: `Fix the problem above, then ${reauthorizeHint(this.name)}.`,
        })
      }
      return next
    })
  }

  /**
   * Run `work` (typically: open a session with `provider`, then list or call tools). When a server refuses the access
   * token, refresh once and run it again; when it asks for more scopes, re-authorize in the browser (bounded, and only
   * when `interactive` was given) and run it again. Work is re-run from the start: keep it to one session.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.ensureFresh()
    let refreshed = false
    let stepUps = 0
    for (;;) {
      this.takeNeed()
      try {
        return await work()
      } catch (error) {
        // The provider recorded why the SDK gave up; `error` itself may have been wrapped by the session on the way.
        const pending = this.takeNeed()
        if (!pending) throw error
        if (pending.need.kind === 'refresh') {
          if (refreshed) {
            throw new McpctlError('auth', `The server refused the access token for "${this.name}" even after a refresh.`, {
              detail: {integration: this.name},
              hint: reauthorizeHint(this.name),
            })
          }
          refreshed = true
          await this.refresh('rejected')
          continue
        }
        if (!this.options.interactive || this.backing.kind === 'memory' || stepUps >= (this.options.maxStepUps ?? MAX_STEP_UPS)) throw pending.error
        stepUps++
        await this.stepUp(pending.need.requested)
      }
    }
  }

  /** Re-authorize in the browser with the granted scopes plus `requested`, and store the new grant in place of the old. */
  private async stepUp(requested: string[]): Promise<void> {
    if (this.backing.kind !== 'stored' || !this.options.interactive) return
    const {ctx} = this.backing
    const old = this.current
    const scopes = [...new Set([...old.scopes, ...requested])]
    const interactive = this.options.interactive
    interactive.notify(`${new URL(old.serverUrl).origin} asks for more access (${scopes.join(' ')}); authorizing again.`)
    const preRegistered = old.client === 'pre-registered' ? (old.clientInformation as {client_id: string; client_secret?: string}) : undefined
    const next = await authorizeServer({
      ...interactive,
      allowHttp: old.allowHttp,
      clientId: preRegistered?.client_id,
      clientMetadataUrl: old.client === 'metadata-document' ? old.clientInformation.client_id : undefined,
      clientSecret: preRegistered?.client_secret,
      resourceMetadataUrl: old.resourceMetadataUrl,
      scope: scopes.join(' '),
      serverUrl: old.serverUrl,
    })
    this.current = await withGrantLock(ctx, this.name, async (assertHeld) => {
      const stored = await loadIntegrationGrant(ctx, this.name)
      assertHeld()
      await replaceStoredGrant(ctx, stored, next, this.name)
      return next
    })
  }

  private takeNeed(): undefined | {error: McpctlError; need: ReauthorizationNeed} {
    const pending = this.need
    this.need = undefined
    return pending
  }

  private recordNeed(need: ReauthorizationNeed): McpctlError {
    const error =
      need.kind === 'refresh'
        ? authorizationExpired(this.name)
        : new McpctlError('auth', `The server needs the scope ${need.missing.join(' ')} for this, which "${this.name}" was not granted.`, {
            detail: {integration: this.name, missingScopes: need.missing},
            hint: `Authorize it with \`mcpctl connect ${this.name} --scope "${[...new Set([...this.current.scopes, ...need.requested])].join(' ')}"\`.`,
          })
    this.need = {error, need}
    return error
  }
}

/** Open the stored grant of `name` (refreshed if needed) and return its provider, for one-shot use. */
export async function freshProvider(options: OAuthConnectionOptions): Promise<OAuthClientProvider> {
  return (await OAuthConnection.open(options)).provider
}
