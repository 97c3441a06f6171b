// Work on many connections at once: `tools sync` and `integrations list --check` give each connection its own hard
// deadline, so one slow or dead server neither blocks nor fails the others.
import {McpctlError} from '../errors.js'

/**
 * Run `work` with a signal that is aborted after `timeoutMs`; the result is the work's, or a `server` error naming
 * `name` once the deadline passes, whatever the work does then (it gets the aborted signal and cleans up after itself).
 */
export async function withDeadline<T>(name: string, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      // Rejected before aborting, so the race reports the deadline and not the "cancelled" the abort causes.
      reject(new McpctlError('server', `${name}: no answer within ${Math.round(timeoutMs / 1000)} s`, {detail: {reason: 'timeout'}, hint: 'Try again later, or raise --timeout.'}))
      abort.abort()
    }, timeoutMs)
  })
  const running = work(abort.signal)
  running.catch(() => {}) // its failure after the deadline has already been reported as the timeout
  try {
    return await Promise.race([running, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** Run `task` over `items` with at most `limit` at once; results in input order. Never rejects: failures are results. */
export async function mapBounded<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      try {
        results[index] = {status: 'fulfilled', value: await task(items[index])}
      } catch (error) {
        results[index] = {reason: error, status: 'rejected'}
      }
    }
  }

  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return results
}
