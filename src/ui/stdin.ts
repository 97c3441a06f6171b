// Secrets and bulk input read from standard input (`--token-stdin`, `policy set --stdin`).
import {usageError} from '../core/errors.js'

/** All of stdin as text, without the trailing newline. Refuses a terminal: the user meant a pipe. */
export async function readStdin(flag: string, stream: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stream.isTTY) throw usageError(`${flag} reads from a pipe, but standard input is a terminal.`, `Pipe the value in, e.g. \`printf %s "$TOKEN" | mcpctl … ${flag}\`.`)
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}
