// Files only the user may read: 0700 directories and 0600 files written atomically, whatever the umask.
import {chmod, lstat, mkdir} from 'node:fs/promises'

import {McpctlError} from '../errors.js'

export const DIR_MODE = 0o700
export const FILE_MODE = 0o600

/** Create the directory (and parents) and tighten it to 0700, even when it already existed with a looser mode. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, {mode: DIR_MODE, recursive: true})
    await chmod(dir, DIR_MODE)
  } catch (error) {
    throw new McpctlError('error', `Cannot create or secure the directory ${dir} (${errorCode(error)}).`, {
      cause: error,
      hint: `Check that ${dir} can be created and is owned by you.`,
    })
  }
}

/**
 * Temp file + fsync + rename, so a reader sees the old or the new content, never half of it.
 * The mode is set explicitly because write-file-atomic otherwise copies the old file's (possibly loosened) mode.
 */
export async function writePrivateFile(file: string, data: Buffer | string): Promise<void> {
  // Loaded here, not at the top: read-only commands never write and should not pay for the import.
  const {default: writeFileAtomic} = await import('write-file-atomic')
  // write-file-atomic writes through a link to its target; a store file must be where the store is.
  if ((await lstat(file).catch(() => undefined))?.isSymbolicLink()) throw symbolicLinkError(file)
  try {
    await writeFileAtomic(file, data, {fsync: true, mode: FILE_MODE})
  } catch (error) {
    // The cause names the path only; `data` may be secrets and stays out of the error.
    throw new McpctlError('error', `Cannot write ${file} (${errorCode(error)}); the previous version is unchanged.`, {cause: error})
  }
}

/** Store files are never links: reading or atomically replacing one would reach whatever file it points to. */
export function symbolicLinkError(file: string, what = 'store file'): McpctlError {
  return new McpctlError('error', `The ${what} ${file} is a symbolic link; mcpctl does not follow links for its store files.`, {
    detail: {file},
    hint: `Replace the link with the file it points to (e.g. \`cp --remove-destination "$(readlink -f ${file})" ${file}\`), or move it away.`,
  })
}

export const errorCode = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? 'unknown error'

/**
 * write-file-atomic names its temp file `<file>.<unsigned 32-bit hash>`; a writer killed with SIGKILL leaves one behind.
 * Only writers holding the file's lock create them, so under that lock every match is a leftover.
 */
export const tempFilePattern = (base: string): RegExp => new RegExp(`^${escapeRegExp(base)}\\.\\d+$`)

const escapeRegExp = (text: string) => text.replaceAll(/[$()*+.?[\\\]^{|}]/g, String.raw`\$&`)
