// Secrets and bulk input read from standard input (`--token-stdin`, `policy set --stdin`), and flag values that may
// come from stdin or a file (`--args -`, `--args @args.json`).
import {readFile, stat} from 'node:fs/promises'

import {usageError} from '../core/errors.js'

/** More than any credential or policy input needs; past it, reading stops (a runaway pipe must not fill memory). */
export const MAX_STDIN_BYTES = 4 * 1024 * 1024

/** A flag value from a file or stdin is a document a person wrote, not a data dump: this is plenty. */
const MAX_VALUE_BYTES = 8 * 1024 * 1024

/** All of stdin as text, without the trailing newline. Refuses a terminal (the user meant a pipe) and input over `maxBytes`. */
export async function readStdin(flag: string, options: {maxBytes?: number; stream?: NodeJS.ReadStream} = {}): Promise<string> {
  const stream = options.stream ?? process.stdin
  const maxBytes = options.maxBytes ?? MAX_STDIN_BYTES
  if (stream.isTTY) throw usageError(`${flag} reads from a pipe, but standard input is a terminal.`, `Pipe the value in, e.g. \`printf %s "$TOKEN" | mcpctl … ${flag}\`.`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
    size += buffer.length
    if (size > maxBytes) {
      stream.destroy()
      throw usageError(`Standard input for ${flag} is larger than ${maxBytes / 1024 / 1024} MiB; nothing was changed.`, 'Send less: split the input, or let globs cover many tools with one line.')
    }

    chunks.push(buffer)
  }

  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

/** A flag's value as given, or read from stdin (`-`) or from a file (`@path`), as curl and gh take them. */
export async function flagValue(flag: string, value: string, stream: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (value === '-') return readStdin(`${flag} -`, {maxBytes: MAX_VALUE_BYTES, stream})
  if (!value.startsWith('@')) return value
  const file = value.slice(1)
  try {
    if ((await stat(file)).size > MAX_VALUE_BYTES) throw usageError(`${flag} ${value}: the file is larger than ${MAX_VALUE_BYTES / 1024 / 1024} MiB.`)
    return await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      throw usageError(`${flag} ${value}: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : 'permission denied'}).`)
    }
    throw error
  }
}
