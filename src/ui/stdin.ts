// Secrets and bulk input read from standard input (`--token-stdin`, `policy set --stdin`), and flag values that may
// come from stdin or a file (`--args -`, `--args @args.json`).
import {readFile, stat} from 'node:fs/promises'

import {usageError} from '../core/errors.js'

/** A flag value from a file or stdin is a document a person wrote, not a data dump: this is plenty. */
const MAX_VALUE_BYTES = 8 * 1024 * 1024

/** All of stdin as text, without the trailing newline. Refuses a terminal: the user meant a pipe. */
export async function readStdin(flag: string, stream: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stream.isTTY) throw usageError(`${flag} reads from a pipe, but standard input is a terminal.`, `Pipe the value in, e.g. \`printf %s "$TOKEN" | mcpctl … ${flag}\`.`)
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

/** A flag's value as given, or read from stdin (`-`) or from a file (`@path`), as curl and gh take them. */
export async function flagValue(flag: string, value: string, stream: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (value === '-') {
    const text = await readStdin(`${flag} -`, stream)
    if (Buffer.byteLength(text) > MAX_VALUE_BYTES) throw usageError(`${flag} -: standard input is larger than ${MAX_VALUE_BYTES / 1024 / 1024} MiB.`)
    return text
  }

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
