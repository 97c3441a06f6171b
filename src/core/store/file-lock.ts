// The cross-process lock around every store change (proper-lockfile), plus the clean-up that only a lock holder may do.
import {AsyncLocalStorage} from 'node:async_hooks'
import {readdir, unlink} from 'node:fs/promises'
import path from 'node:path'

import {McpctlError} from '../errors.js'
import {errorCode} from './private-file.js'

export const DEFAULT_LOCK_STALE_MS = 10_000
/** proper-lockfile refuses anything shorter. */
const MIN_LOCK_STALE_MS = 2000
/** How long a waiter keeps trying beyond the stale time, so it outlasts a killed holder and a long queue of live ones. */
const EXTRA_WAIT_MS = 20_000
const MAX_BACKOFF_MS = 100

export type LockHandle = {
  /** Throws when the lock was lost (e.g. this process stalled past the stale time and another took over). Call before writing. */
  assertHeld(): void
}

/** `MCPCTL_LOCK_STALE_MS` lets tests (and users on slow disks) choose how soon a dead holder's lock is taken over. */
export function lockStaleMs(option?: number): number {
  const fromEnv = Number(process.env.MCPCTL_LOCK_STALE_MS)
  const chosen = option ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_LOCK_STALE_MS)
  return Math.max(chosen, MIN_LOCK_STALE_MS)
}

// Changes from one process queue here first: polling the lock directory against ourselves would only add latency.
const queues = new Map<string, Promise<unknown>>()
// The queue turns a nested change of the same file into a silent hang; this turns it into an error.
const held = new AsyncLocalStorage<ReadonlySet<string>>()

/** Run `work` while holding `<file>.lock` (a directory, created atomically with mkdir), released in every case. */
export async function withFileLock<T>(file: string, staleMs: number, work: (lock: LockHandle) => Promise<T>): Promise<T> {
  const key = path.resolve(file)
  const outer = held.getStore() ?? new Set<string>()
  if (outer.has(key)) throw new Error(`Nested change of ${key} inside a change of the same file would deadlock`)
  const inner = new Set([...outer, key])
  const locked = () => held.run(inner, () => lockAndRun(key, staleMs, work))
  const previous = queues.get(key) ?? Promise.resolve()
  const run = previous.then(locked, locked)
  const settled = run.catch(() => {})
  queues.set(key, settled)
  try {
    return await run
  } finally {
    if (queues.get(key) === settled) queues.delete(key)
  }
}

async function lockAndRun<T>(file: string, staleMs: number, work: (lock: LockHandle) => Promise<T>): Promise<T> {
  const {default: lockfile} = await import('proper-lockfile')
  let compromised: Error | undefined
  let release: () => Promise<void>
  try {
    release = await lockfile.lock(file, {
      // Without this, a lost lock throws from a timer and kills the process; we refuse the write instead.
      onCompromised(error) {
        compromised = error
      },
      realpath: false,
      retries: {
        factor: 1.5,
        maxTimeout: MAX_BACKOFF_MS,
        minTimeout: 5,
        randomize: true,
        retries: Math.ceil((staleMs + EXTRA_WAIT_MS) / MAX_BACKOFF_MS),
      },
      stale: staleMs,
      update: Math.floor(staleMs / 2),
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new McpctlError('error', `Timed out waiting for the lock on ${file}.`, {
        hint: `Another mcpctl process is still changing the store. If none is running, remove ${file}.lock.`,
      })
    }

    throw new McpctlError('error', `Cannot lock ${file} (${errorCode(error)}).`, {
      cause: error,
    })
  }

  const handle: LockHandle = {
    assertHeld() {
      if (compromised) {
        throw new McpctlError('error', `Lost the lock on ${file} before writing; nothing was written.`, {
          hint: 'mcpctl stalled for longer than the lock stale time. Run the command again.',
        })
      }
    },
  }
  try {
    return await work(handle)
  } finally {
    if (!compromised) await release().catch(() => {})
  }
}

/** Delete leftovers matching `pattern` in `dir`. Only safe under the lock that every writer of those files holds. */
export async function removeLeftoverTempFiles(dir: string, pattern: RegExp): Promise<void> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return
  }

  await Promise.all(names.filter((name) => pattern.test(name)).map((name) => unlink(path.join(dir, name)).catch(() => {})))
}
