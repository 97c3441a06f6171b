// Calls waiting for a person: one 0600 file in the config dir shared by every gateway and `mcpctl approvals`,
// changed only under its lock (lock → re-read → change → atomic write), like the config and secrets files.
import {randomBytes} from 'node:crypto'
import {watch} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {McpctlError, usageError} from '../errors.js'
import type {Permission} from '../policy/permission.js'
import {corruptFileError, isPlainObject, parseJson} from '../store/corrupt-file.js'
import {lockStaleMs, removeLeftoverTempFiles, withFileLock} from '../store/file-lock.js'
import {ensurePrivateDir, tempFilePattern, writePrivateFile} from '../store/private-file.js'

export const APPROVALS_FILE_NAME = 'approvals.json'

export type ApprovalStatus = 'approved' | 'denied' | 'pending'

/** One waiting call. `args` is shown to the person who decides; it never goes to the audit log. */
export interface PendingApproval {
  args: Record<string, unknown>
  /** sha256 of the canonical arguments: the approval is for these arguments only. */
  argsDigest: string
  client?: {name?: string; version?: string}
  connection: string
  createdAt: string
  decidedAt?: string
  expiresAt: string
  gatewayName: string
  id: string
  /** The permission when the call was made: the approval holds only while it is still the tool's permission. */
  permission: Permission
  /** Process id of the waiting gateway (shown, so a person can tell gateways apart). */
  pid: number
  status: ApprovalStatus
  tool: string
}

export type ApprovalOutcome = 'approved' | 'cancelled' | 'denied' | 'timeout'

/** Ids a person types: 8 characters without look-alikes (no 0/o, 1/l/i). */
const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
export function newApprovalId(): string {
  return [...randomBytes(8)].map((byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('')
}

/** How often a waiting call re-reads the file when no change notice came (fs.watch can miss events on some file systems). */
const POLL_MS = 500

export class ApprovalQueue {
  readonly dir: string
  private readonly staleMs: number

  constructor(dir: string, options: {lockStaleMs?: number} = {}) {
    this.dir = dir
    this.staleMs = lockStaleMs(options.lockStaleMs)
  }

  get file(): string {
    return path.join(this.dir, APPROVALS_FILE_NAME)
  }

  /** Waiting calls, oldest first; expired ones are left out. */
  async list(now = Date.now()): Promise<PendingApproval[]> {
    const all = await this.read()
    return [...all.values()].filter((entry) => entry.status === 'pending' && Date.parse(entry.expiresAt) > now).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  }

  /** A person's decision. Errors (usage) for an unknown, expired or already decided id. */
  async decide(id: string, decision: 'approved' | 'denied', now = Date.now()): Promise<PendingApproval> {
    return this.change((entries) => {
      const entry = entries.get(id)
      if (!entry) throw usageError(`No call is waiting for approval under the id "${id}".`, 'See the waiting calls with `mcpctl approvals list`.')
      if (entry.status !== 'pending') throw usageError(`The call ${id} was already ${entry.status}.`)
      if (Date.parse(entry.expiresAt) <= now) throw usageError(`The call ${id} waited too long and was refused; the agent may try it again.`)
      entry.status = decision
      entry.decidedAt = new Date(now).toISOString()
      return entry
    })
  }

  /**
   * Put a call in the queue and wait for a person's decision, the deadline, or `signal`. The entry is removed
   * whatever happens, so an approval serves exactly this one call.
   */
  async wait(
    request: Omit<PendingApproval, 'createdAt' | 'decidedAt' | 'expiresAt' | 'id' | 'pid' | 'status'>,
    options: {onQueued?: (entry: PendingApproval) => void; signal?: AbortSignal; tick?: (waitedMs: number) => void; tickMs?: number; timeoutMs: number},
  ): Promise<{entry: PendingApproval; outcome: ApprovalOutcome}> {
    const started = Date.now()
    const entry: PendingApproval = {
      ...request,
      createdAt: new Date(started).toISOString(),
      expiresAt: new Date(started + options.timeoutMs).toISOString(),
      id: newApprovalId(),
      pid: process.pid,
      status: 'pending',
    }
    await this.change((entries) => {
      entries.set(entry.id, entry)
    })
    options.onQueued?.(entry)

    let outcome: ApprovalOutcome
    try {
      outcome = await this.decision(entry, options, started)
    } finally {
      await this.change((entries) => {
        entries.delete(entry.id)
      }).catch(() => {})
    }

    return {entry, outcome}
  }

  private decision(
    entry: PendingApproval,
    options: {signal?: AbortSignal; tick?: (waitedMs: number) => void; tickMs?: number; timeoutMs: number},
    started: number,
  ): Promise<ApprovalOutcome> {
    return new Promise((resolve) => {
      let settled = false
      let checking = false
      const watcher = (() => {
        try {
          return watch(this.dir, (_event, name) => {
            if (name === null || name === APPROVALS_FILE_NAME) void check()
          })
        } catch {
          return undefined
        }
      })()
      watcher?.on('error', () => {})
      const finish = (outcome: ApprovalOutcome) => {
        if (settled) return
        settled = true
        watcher?.close()
        clearInterval(poll)
        clearInterval(ticker)
        clearTimeout(deadline)
        options.signal?.removeEventListener('abort', onAbort)
        resolve(outcome)
      }

      const check = async () => {
        if (settled || checking) return
        checking = true
        try {
          const current = (await this.read()).get(entry.id)
          if (current?.status === 'approved' && sameCall(current, entry)) finish('approved')
          else if (current?.status === 'denied' || (current === undefined && !settled)) finish('denied')
        } catch {
          // A corrupt or unreadable queue decides nothing; the deadline still ends the wait.
        } finally {
          checking = false
        }
      }

      const onAbort = () => finish('cancelled')
      const poll = setInterval(() => void check(), POLL_MS)
      const ticker = setInterval(() => options.tick?.(Date.now() - started), options.tickMs ?? 5000)
      const deadline = setTimeout(() => finish('timeout'), options.timeoutMs)
      if (options.signal?.aborted) finish('cancelled')
      else options.signal?.addEventListener('abort', onAbort, {once: true})
    })
  }

  private async read(): Promise<Map<string, PendingApproval>> {
    let content: Buffer
    try {
      content = await readFile(this.file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
      throw new McpctlError('error', `Cannot read the approvals file ${this.file} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}).`)
    }

    const parsed = parseJson(content.toString('utf8'))
    if (!parsed.ok || !isPlainObject(parsed.value) || !isPlainObject(parsed.value.approvals)) {
      throw await corruptFileError('approvals file', this.file, content, parsed.ok ? 'does not hold approvals' : parsed.problem, `Move ${this.file} away; waiting calls are then refused.`)
    }

    return new Map(Object.entries(parsed.value.approvals as Record<string, PendingApproval>))
  }

  private async change<T>(change: (entries: Map<string, PendingApproval>) => T): Promise<T> {
    await ensurePrivateDir(this.dir)
    return withFileLock(this.file, this.staleMs, async (lock) => {
      await removeLeftoverTempFiles(this.dir, tempFilePattern(APPROVALS_FILE_NAME))
      const entries = await this.read()
      const now = Date.now()
      // Entries of gateways that died while waiting stay no longer than their deadline.
      for (const [id, entry] of entries) if (Date.parse(entry.expiresAt) < now - 60_000) entries.delete(id)
      const result = change(entries)
      lock.assertHeld()
      await writePrivateFile(this.file, `${JSON.stringify({approvals: Object.fromEntries(entries), version: 1})}\n`)
      return result
    })
  }
}

/** The decided entry is still the call that was queued: same tool, same arguments, same permission. */
const sameCall = (a: PendingApproval, b: PendingApproval) =>
  a.tool === b.tool && a.argsDigest === b.argsDigest && a.permission === b.permission && a.gatewayName === b.gatewayName
