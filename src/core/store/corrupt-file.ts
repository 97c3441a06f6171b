// A store file that cannot be used: name the problem without quoting a byte of it, back it up once, never touch it.
import {chmod, constants, copyFile, readdir, readFile, stat, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {McpctlError} from '../errors.js'
import {FILE_MODE} from './private-file.js'

/** What went wrong, in words that never quote the file (JSON.parse's own message does on some Node versions). */
export type ParsedJson = {ok: false; problem: string} | {ok: true; value: unknown}

export function parseJson(text: string): ParsedJson {
  if (text.trim() === '') return {ok: false, problem: 'is empty'}
  try {
    return {ok: true, value: JSON.parse(text)}
  } catch {
    return {ok: false, problem: 'is not valid JSON (truncated or corrupt)'}
  }
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

type Issue = {code: string; errors?: Issue[][]; expected?: unknown; message?: string; path: PropertyKey[]}

/**
 * A connection is one of several kinds (a union): the kind it was meant to be is the branch with the fewest
 * problems (the first listed on a tie), and its first problem is the one worth naming, not "invalid value".
 */
function closestIssue(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue
  const branch = [...issue.errors].sort((a, b) => a.length - b.length)[0]
  return branch.length > 0 ? closestIssue({...branch[0], path: [...issue.path, ...branch[0].path]}) : issue
}

/** `integrations.acme.tools.x.policy.permission: invalid value` — field names only (they are names, not values). */
export function describeIssue(union: Issue, input: unknown): string {
  const issue = closestIssue(union)
  const where = issue.path.length === 0 ? '(top level)' : formatPath(issue.path)
  return `${where}: ${issueProblem(issue, valueAt(input, issue.path))}`
}

function issueProblem(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) return 'missing'
      return typeof issue.expected === 'string' ? `expected ${issue.expected}` : 'wrong type'
    }

    case 'too_small': {
      return 'too short'
    }

    case 'too_big': {
      return 'too long'
    }

    case 'invalid_format': {
      return 'invalid format'
    }

    default: {
      return 'invalid value'
    }
  }
}

const MAX_SEGMENT = 64
// Names come from servers and may carry escape sequences; an error line must not become a terminal command.
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/g

function formatPath(segments: PropertyKey[]): string {
  let out = ''
  for (const segment of segments) {
    if (typeof segment === 'number') {
      out += `[${segment}]`
      continue
    }

    let name = String(segment).replaceAll(UNSAFE, '?')
    if (name.length > MAX_SEGMENT) name = `${name.slice(0, MAX_SEGMENT)}…`
    out += out === '' ? name : `.${name}`
  }

  return out
}

function valueAt(input: unknown, segments: PropertyKey[]): unknown {
  let current = input
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined
    current = Object.hasOwn(current, segment) ? (current as Record<PropertyKey, unknown>)[segment] : undefined
  }

  return current
}

/** A file too large to read into memory: backed up by the kernel's copy, recognised by its size and modification time. */
export interface LargeFile {
  mtimeMs: number
  size: number
}

/**
 * Copy the file to `<file>.corrupt-<timestamp>` (0600) unless an identical backup already exists, so that running
 * commands against a broken store does not pile up copies. Returns the backup's path, or undefined when it failed.
 */
export async function backUpOnce(file: string, content: Buffer | LargeFile): Promise<string | undefined> {
  const dir = path.dirname(file)
  const prefix = `${path.basename(file)}.corrupt-`
  const size = Buffer.isBuffer(content) ? content.length : content.size
  try {
    for (const name of (await readdir(dir)).filter((n) => n.startsWith(prefix)).sort()) {
      const candidate = path.join(dir, name)
      const info = await stat(candidate)
      if (info.size !== size) continue
      // A large file is never read whole: its backup carries its modification time (to the millisecond), and that
      // with the size identifies it.
      if (Buffer.isBuffer(content) ? (await readFile(candidate)).equals(content) : Math.abs(info.mtimeMs - content.mtimeMs) < 1) return candidate
    }

    const stamp = new Date().toISOString().replaceAll(':', '-').replace('.', '-')
    for (let attempt = 0; attempt < 100; attempt++) {
      const backup = path.join(dir, `${prefix}${stamp}${attempt === 0 ? '' : `-${attempt}`}`)
      try {
        if (Buffer.isBuffer(content)) {
          await writeFile(backup, content, {flag: 'wx', mode: FILE_MODE})
        } else {
          await copyFile(file, backup, constants.COPYFILE_EXCL)
          await chmod(backup, FILE_MODE)
          await utimes(backup, Date.now() / 1000, content.mtimeMs / 1000)
        }

        return backup
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined
      }
    }
  } catch {
    // A failed backup must not hide the real problem; the message says there is none.
  }

  return undefined
}

/** The error every command shows for an unusable store file; `what` is e.g. "config file". */
export async function corruptFileError(
  what: string,
  file: string,
  content: Buffer | LargeFile,
  problem: string,
  remedy = `Fix or move ${file} (moving it starts from an empty store).`,
): Promise<McpctlError> {
  const backup = await backUpOnce(file, content)
  const kept = backup ? `A backup is at ${backup}.` : 'It could not be backed up; copy it somewhere safe before editing it.'
  return new McpctlError('error', `The ${what} ${file} ${problem}. mcpctl will not use or change it. ${kept}`, {
    detail: {backup, file, problem},
    hint: `${remedy} ${kept}`,
  })
}
