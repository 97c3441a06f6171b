// Sessions kept open across calls (the gateway): one per integration, opened on first use, replaced when the stored
// connection changes, dropped when it breaks. A new session per call would cost an MCP handshake every time.
import {AsyncLocalStorage} from 'node:async_hooks'

import {StreamableHTTPError} from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {ErrorCode, McpError} from '@modelcontextprotocol/sdk/types.js'

import {McpctlError} from '../../errors.js'
import type {OAuthConnection} from '../../oauth/connection.js'
import type {ElicitationHandler, Session} from './session.js'

/** What one call brings to a pooled session: where the server's elicitation requests during it go. */
export interface PooledCall {
  elicit?: ElicitationHandler
}

interface Entry {
  calls: Set<PooledCall>
  /** Integration URL, transport and auth record: a change (reconnect, new credential) means a new session. */
  identity: string
  oauth?: Promise<OAuthConnection>
  /** The open session, once `session` has resolved. */
  opened?: Session
  session?: Promise<Session>
}

export class SessionPool {
  readonly maxResponseBytes?: number
  private readonly entries = new Map<string, Entry>()
  // The call whose request a server message arrived on: streamable HTTP reads each POST's response stream in the
  // async context of the call that sent it, so an elicitation reaches the call it belongs to even when several calls
  // share the session. Sessions are opened outside any call's context, so a message on a shared stream (legacy SSE)
  // finds no call here and goes to the one call in flight, if there is exactly one.
  private readonly current = new AsyncLocalStorage<PooledCall>()
  private closed = false

  constructor(options: {maxResponseBytes?: number} = {}) {
    this.maxResponseBytes = options.maxResponseBytes
  }

  /** The handler a pooled session answers `elicitation/create` with: the call's own, or decline. */
  elicitationFor(name: string): ElicitationHandler {
    return async (params, signal) => {
      const entry = this.entries.get(name)
      const only = entry && entry.calls.size === 1 ? [...entry.calls][0] : undefined
      const call = this.current.getStore() ?? only
      if (!call?.elicit) return {action: 'decline'}
      return call.elicit(params, signal)
    }
  }

  /** The OAuth connection kept for `name` (opened once; it refreshes its grant under the lock when needed). */
  oauth(name: string, identity: string, open: () => Promise<OAuthConnection>): Promise<OAuthConnection> {
    const entry = this.entry(name, identity)
    entry.oauth ??= open().catch((error: unknown) => {
      entry.oauth = undefined
      throw error
    })
    return entry.oauth
  }

  /**
   * Run `work` on the pooled session of `name`, opening it with `open` when there is none. A session that breaks is
   * dropped (the next call opens a new one); one the server no longer knows (404 after a restart) is replaced once
   * at once, since the server never saw the request.
   */
  async use<T>(name: string, identity: string, open: () => Promise<Session>, work: (session: Session) => Promise<T>, call: PooledCall = {}): Promise<T> {
    if (this.closed) throw new McpctlError('interrupted', 'The gateway is shutting down.')
    const entry = this.entry(name, identity)
    entry.calls.add(call)
    const attempts = async () => {
      for (let attempt = 1; ; attempt++) {
        const session = await this.session(entry, open)
        try {
          return await work(session)
        } catch (error) {
          if (!breaksSession(error)) throw error
          this.drop(entry, session)
          if (attempt === 1 && error instanceof StreamableHTTPError && error.code === 404) continue
          throw error
        }
      }
    }

    try {
      // Only a call that can answer a question needs the context that routes one to it: on Node 20 the first `run`
      // turns on promise hooks for the life of the process (about a fifth of the gateway's CPU at 64 calls in flight).
      // A question on the stream of a call without a handler finds no context here and is declined.
      return await (call.elicit ? this.current.run(call, attempts) : attempts())
    } finally {
      entry.calls.delete(call)
    }
  }

  async close(): Promise<void> {
    this.closed = true
    const sessions = [...this.entries.values()].map((entry) => entry.session)
    this.entries.clear()
    await Promise.all(sessions.map((session) => session?.then((s) => s.close()).catch(() => {})))
  }

  private entry(name: string, identity: string): Entry {
    const known = this.entries.get(name)
    if (known?.identity === identity) return known
    if (known) void known.session?.then((session) => session.close(), () => {})
    const entry: Entry = {calls: new Set(), identity}
    this.entries.set(name, entry)
    return entry
  }

  private session(entry: Entry, open: () => Promise<Session>): Promise<Session> {
    if (entry.session) return entry.session
    const opening = this.current.exit(open).then(
      (session) => {
        if (entry.session === opening) entry.opened = session
        return session
      },
      (error: unknown) => {
        if (entry.session === opening) entry.session = undefined
        throw error
      },
    )
    entry.session = opening
    return opening
  }

  private drop(entry: Entry, session: Session): void {
    if (entry.opened === session) {
      entry.session = undefined
      entry.opened = undefined
    }

    void session.close()
  }
}

/** Transport failures end a session; a JSON-RPC error the server answered with (bad arguments, a timeout) does not. */
function breaksSession(error: unknown): boolean {
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed
  if (error instanceof McpctlError) return error.kind === 'server' || error.kind === 'auth'
  return true
}
