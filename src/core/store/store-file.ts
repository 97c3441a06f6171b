// Reading a store file (config, definitions, secrets) without trusting what sits at its path: a symbolic link is
// refused (reads and atomic writes would follow it elsewhere), so is anything but a regular file, one too large to
// read into memory, and a secrets file other users can read.
import {constants, type FileHandle, lstat, open} from 'node:fs/promises'

import {McpctlError} from '../errors.js'
import {corruptFileError} from './corrupt-file.js'
import {errorCode, FILE_MODE, symbolicLinkError} from './private-file.js'

/**
 * No store file comes near this (20,000 tools make a 6 MB config); a bigger one is refused unread, well below what a
 * JavaScript string can hold (512 MiB) and what parsing it would cost in memory.
 */
export const MAX_STORE_FILE_BYTES = 64 * 1024 * 1024

export interface StoreFileOptions {
  /** Override of MAX_STORE_FILE_BYTES. */
  maxBytes?: number
  /** What to tell the user when the file's contents are unusable, e.g. "Fix or move <file>". */
  remedy?: string
  /**
   * The file holds secrets: refuse it when another user owns it; tighten a mode that lets others read it to 0600 and
   * report that with `onRepaired`, since whoever could read it may have copied the credentials.
   */
  secret?: {onRepaired(message: string): void}
}

// O_NOFOLLOW makes the open itself fail on a link (no window between a check and the read); O_NONBLOCK keeps a FIFO
// planted at the path from blocking the open. Neither exists on Windows, where lstat stands in for the first.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

/** The file's bytes, or undefined when there is no file. `what` names it in errors, e.g. "config file". */
export async function readStoreFile(file: string, what: string, options: StoreFileOptions = {}): Promise<Buffer | undefined> {
  let handle: FileHandle
  try {
    if (constants.O_NOFOLLOW === undefined && (await lstat(file)).isSymbolicLink()) throw Object.assign(new Error('link'), {code: 'ELOOP'})
    handle = await open(file, OPEN_FLAGS)
  } catch (error) {
    const code = errorCode(error)
    if (code === 'ENOENT') return undefined
    if (code === 'ELOOP') throw symbolicLinkError(file, what)
    throw unreadable(file, what, code)
  }

  try {
    const info = await handle.stat()
    if (!info.isFile()) {
      throw new McpctlError('error', `The ${what} ${file} is not a regular file; mcpctl will not use it.`, {
        detail: {file},
        hint: `Move ${file} away (mcpctl then starts it afresh).`,
      })
    }

    if (options.secret) await checkPrivate(handle, info, file, what, options.secret.onRepaired)
    const maxBytes = options.maxBytes ?? MAX_STORE_FILE_BYTES
    if (info.size > maxBytes) {
      throw await corruptFileError(what, file, {mtimeMs: info.mtimeMs, size: info.size}, `is larger than mcpctl reads (${formatMiB(info.size)}; at most ${formatMiB(maxBytes)})`, options.remedy)
    }

    return await handle.readFile()
  } catch (error) {
    if (error instanceof McpctlError) throw error
    throw unreadable(file, what, errorCode(error))
  } finally {
    await handle.close()
  }
}

async function checkPrivate(handle: FileHandle, info: {mode: number; uid: number}, file: string, what: string, onRepaired: (message: string) => void): Promise<void> {
  const uid = process.getuid?.()
  if (uid !== undefined && info.uid !== uid) {
    throw new McpctlError('error', `The ${what} ${file} belongs to another user (uid ${info.uid}); mcpctl will not read secrets from it.`, {
      detail: {file},
      hint: `Move ${file} away and reconnect the connections whose secrets it held with \`mcpctl connect <name>\`.`,
    })
  }

  const loose = info.mode & 0o077
  if (uid === undefined || loose === 0) return
  try {
    await handle.chmod(FILE_MODE)
  } catch (error) {
    throw new McpctlError('error', `The ${what} ${file} can be read by other users (mode ${octal(info.mode)}) and its mode cannot be changed (${errorCode(error)}); mcpctl will not read secrets from it.`, {
      detail: {file, mode: octal(info.mode)},
      hint: `Run \`chmod 600 ${file}\`, then rotate the credentials it holds.`,
    })
  }

  onRepaired(
    `The ${what} ${file} could be read by other users (mode ${octal(info.mode)}); mcpctl set it to 600. Whoever could read it may have copied the credentials in it: rotate them (\`mcpctl connect <name>\`).`,
  )
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0')

const formatMiB = (bytes: number) => `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`

function unreadable(file: string, what: string, code: string): McpctlError {
  return new McpctlError('error', `Cannot read the ${what} ${file} (${code}).`, {
    detail: {file},
    hint: `Check that ${file} is a file you own and can read.`,
  })
}
