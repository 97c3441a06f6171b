// `integrations list --check`: contact every connection at once, each through its Source with its own short deadline,
// so the whole check costs about the slowest connection, not the sum.
import {McpctlError} from './errors.js'
import type {Context} from './integrations.js'
import {mapBounded, withDeadline} from './sources/concurrent.js'
import {sourceFor} from './sources/describe.js'
import type {Integration} from './store/schema.js'

export const CHECK_TIMEOUT_MS = 5000
/** Enough for any fleet a person lists at once; more only queue (each still gets its full deadline once started). */
export const CHECK_CONCURRENCY = 64

export const REACHABILITY = ['reachable', 'unauthorized', 'unreachable'] as const
export type Reachability = (typeof REACHABILITY)[number]

export interface ConnectionCheck {
  /** Wall time of this connection's check. */
  ms: number
  name: string
  /** Why it is not reachable (the error's one line); absent when reachable. */
  reason?: string
  state: Reachability
}

/** A failure as a state: credentials refused or missing → unauthorized; anything else (down, timeout, not MCP) → unreachable. */
function stateOf(error: unknown): Pick<ConnectionCheck, 'reason' | 'state'> {
  if (error instanceof McpctlError) return {reason: error.message, state: error.kind === 'auth' ? 'unauthorized' : 'unreachable'}
  return {reason: error instanceof Error ? error.message : String(error), state: 'unreachable'}
}

export async function checkConnections(
  ctx: Context,
  integrations: Integration[],
  options: {concurrency?: number; timeoutMs?: number} = {},
): Promise<ConnectionCheck[]> {
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS
  const results = await mapBounded(integrations, options.concurrency ?? CHECK_CONCURRENCY, async (integration): Promise<ConnectionCheck> => {
    const started = Date.now()
    try {
      await withDeadline(integration.name, timeoutMs, async (signal) => (await sourceFor(integration)).verify(ctx, {signal, timeoutMs}))
      return {ms: Date.now() - started, name: integration.name, state: 'reachable'}
    } catch (error) {
      return {ms: Date.now() - started, name: integration.name, ...stateOf(error)}
    }
  })
  // The task never throws: every result is fulfilled.
  return results.map((result) => (result as PromiseFulfilledResult<ConnectionCheck>).value)
}
