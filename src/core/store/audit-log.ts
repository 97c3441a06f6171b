// The call log: one JSON line per gateway call in the config dir (0600), rotated by size, readable by `mcpctl audit`.
// Never arguments or secrets: the arguments are represented by their sha256 only.
import {closeSync, constants, createReadStream, fstatSync, openSync, statSync, watch, writeSync} from 'node:fs'
import {chmod, readdir, rename, stat} from 'node:fs/promises'
import path from 'node:path'
import {createInterface} from 'node:readline'

import {lockStaleMs, withFileLock} from './file-lock.js'
import {ensurePrivateDir, errorCode, FILE_MODE, symbolicLinkError} from './private-file.js'

export const AUDIT_FILE_NAME = 'audit.log'
export const AUDIT_ROTATE_BYTES = 10 * 1024 * 1024
/** Rotated files kept beside the live one: audit.log.1 (newest) … audit.log.5 (oldest). */
export const AUDIT_KEEP = 5
/**
 * Lines stay below PIPE_BUF (4096 on Linux): Linux appends a single write(2) to an O_APPEND file atomically, and
 * keeping lines this short also keeps them whole on file systems that only promise it up to PIPE_BUF.
 */
const MAX_LINE_BYTES = 4000

export const AUDIT_DECISIONS = ['auto', 'approved', 'denied', 'disabled', 'timeout', 'error'] as const
export type AuditDecision = (typeof AUDIT_DECISIONS)[number]
export type AuditOutcome = 'not_called' | 'ok' | 'tool_error' | 'upstream_error'

export interface AuditEntry {
  /** `elicitation` (asked in the agent's client) or `cli` (`mcpctl approvals`); absent when no one was asked. */
  approval?: 'cli' | 'elicitation'
  /** `sha256:<hex>` of the canonical JSON of the arguments. */
  argsDigest: string
  client?: {name?: string; version?: string}
  connection?: string
  decision: AuditDecision
  durationMs: number
  gatewayName: string
  outcome: AuditOutcome
  permission?: string
  /** Why a call was refused or failed, in mcpctl's words (never the upstream's response). */
  reason?: string
  time: string
  tool?: string
}

const shorten = (value: string | undefined, max: number) => (value !== undefined && value.length > max ? `${value.slice(0, max)}…` : value)

/** One line, under the size limit whatever a client calls itself. */
export function auditLine(entry: AuditEntry): string {
  const bounded: AuditEntry = {
    ...entry,
    client: entry.client ? {name: shorten(entry.client.name, 200), version: shorten(entry.client.version, 100)} : undefined,
    gatewayName: shorten(entry.gatewayName, 200)!,
    reason: shorten(entry.reason, 500),
  }
  let line = JSON.stringify(bounded)
  if (Buffer.byteLength(line) > MAX_LINE_BYTES) line = JSON.stringify({...bounded, client: undefined, reason: 'fields too long to record'})
  return `${line}\n`
}

export class AuditLog {
  readonly dir: string
  private readonly rotateBytes: number
  private readonly staleMs: number
  private ready?: Promise<void>
  private appended = 0
  /** The live file, kept open across appends, and which file it is (a rotation renames it away). */
  private open?: {dev: number; fd: number; ino: number}

  constructor(dir: string, options: {lockStaleMs?: number; rotateBytes?: number} = {}) {
    this.dir = dir
    this.rotateBytes = options.rotateBytes ?? AUDIT_ROTATE_BYTES
    this.staleMs = lockStaleMs(options.lockStaleMs)
  }

  get file(): string {
    return path.join(this.dir, AUDIT_FILE_NAME)
  }

  /**
   * Append one line. Appends take no lock: each is one O_APPEND write, so concurrent gateways never interleave or
   * overwrite. Only rotation locks, and a line appended to a file being rotated lands in the rotated file: kept.
   */
  async append(entry: AuditEntry): Promise<void> {
    this.ready ??= ensurePrivateDir(this.dir)
    await this.ready
    this.write(auditLine(entry))
    // Checking the size costs a stat; once every 64 lines bounds the overshoot to 64 lines.
    if (++this.appended % 64 === 0) await this.rotateIfLarge()
  }

  /** Close the kept-open file (the gateway stopping). Appending again reopens it. */
  close(): void {
    if (this.open) closeSync(this.open.fd)
    this.open = undefined
  }

  /**
   * One write(2) on a descriptor kept open between calls, done synchronously: the line is in the file before the
   * gateway answers, and a gateway appends on every call, where opening, writing and closing through the thread pool
   * cost about 0.7 ms a call. The path is checked against the open file each time (one stat): when any gateway has
   * rotated the file, or someone removed it, the next line goes to a new live file.
   */
  private write(line: string): void {
    const live = statSync(this.file, {throwIfNoEntry: false})
    if (!this.open || !live || live.ino !== this.open.ino || live.dev !== this.open.dev) {
      this.close()
      const fd = openLive(this.file)
      const {dev, ino} = fstatSync(fd)
      this.open = {dev, fd, ino}
    }

    const bytes = Buffer.from(line)
    const written = writeSync(this.open.fd, bytes)
    if (written !== bytes.length) throw new Error(`short write to ${this.file} (${written} of ${bytes.length} bytes)`)
  }

  async rotateIfLarge(): Promise<void> {
    const size = await stat(this.file).then((s) => s.size, () => 0)
    if (size < this.rotateBytes) return
    await withFileLock(this.file, this.staleMs, async () => {
      // Another gateway may have rotated while this one waited for the lock.
      if ((await stat(this.file).then((s) => s.size, () => 0)) < this.rotateBytes) return
      for (let index = AUDIT_KEEP - 1; index >= 1; index--) {
        await rename(`${this.file}.${index}`, `${this.file}.${index + 1}`).catch(() => {})
      }

      await rename(this.file, `${this.file}.1`)
    })
  }

  /** Every line, oldest first (rotated files, then the live one). Lines that are not JSON objects are skipped. */
  async *entries(): AsyncGenerator<AuditEntry> {
    const names = new Set(await readdir(this.dir).catch(() => [] as string[]))
    const files = [...Array.from({length: AUDIT_KEEP}, (_, i) => `${AUDIT_FILE_NAME}.${AUDIT_KEEP - i}`), AUDIT_FILE_NAME].filter((name) => names.has(name))
    for (const name of files) yield* (await readLines(path.join(this.dir, name), 0)).entries
  }

  /** Lines appended after `entries()` finished, as they come, until `signal` aborts. */
  async *follow(signal: AbortSignal): AsyncGenerator<AuditEntry> {
    let offset = await stat(this.file).then((s) => s.size, () => 0)
    let wake: (() => void) | undefined
    const poke = () => wake?.()
    const watcher = (() => {
      try {
        return watch(this.dir, poke)
      } catch {
        return undefined
      }
    })()
    watcher?.on('error', () => {})
    const poll = setInterval(poke, 1000)
    signal.addEventListener('abort', poke, {once: true})
    try {
      while (!signal.aborted) {
        const size = await stat(this.file).then((s) => s.size, () => 0)
        // Rotated: the new file starts from nothing.
        if (size < offset) offset = 0
        if (size > offset) {
          const read = await readLines(this.file, offset)
          offset = read.end
          yield* read.entries
          continue
        }

        await new Promise<void>((resolve) => {
          wake = resolve
        })
      }
    } finally {
      watcher?.close()
      clearInterval(poll)
    }
  }

  /** The live file's mode, tightened to 0600 (a file created by an older mcpctl or a hand edit). */
  async secure(): Promise<void> {
    await chmod(this.file, FILE_MODE).catch(() => {})
  }
}

async function readLines(file: string, start: number): Promise<{end: number; entries: AuditEntry[]}> {
  const entries: AuditEntry[] = []
  let end = start
  try {
    const stream = createReadStream(file, {encoding: 'utf8', start})
    const lines = createInterface({crlfDelay: Infinity, input: stream})
    for await (const line of lines) {
      end += Buffer.byteLength(line) + 1
      try {
        const value = JSON.parse(line) as unknown
        if (value && typeof value === 'object' && !Array.isArray(value)) entries.push(value as AuditEntry)
      } catch {
        // Not a line mcpctl wrote.
      }
    }
  } catch {
    // Missing or unreadable: nothing to show.
  }

  return {end, entries}
}

// O_NOFOLLOW: like every store file, the log is never a link to somewhere else (Windows has no such flag).
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0)

function openLive(file: string): number {
  try {
    return openSync(file, APPEND_FLAGS, FILE_MODE)
  } catch (error) {
    if (errorCode(error) === 'ELOOP') throw symbolicLinkError(file, 'audit log')
    throw error
  }
}
