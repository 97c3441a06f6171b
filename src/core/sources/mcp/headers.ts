// Static headers an MCP connection sends on every request beside its one secret credential (a tenant or account id):
// given as NAME=VALUE, stored in the config in plain text — so nothing here may carry a secret or steer the protocol.
import {usageError} from '../../errors.js'

/** HTTP's token rule for header names (RFC 9110). */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/

/** Headers mcpctl itself sets, or that carry a credential: never static. */
const RESERVED = new Set([
  'accept',
  'authorization',
  'connection',
  'content-length',
  'content-type',
  'cookie',
  'host',
  'last-event-id',
  'mcp-protocol-version',
  'mcp-session-id',
  'proxy-authorization',
  'transfer-encoding',
])

/**
 * Parse repeated `--header NAME=VALUE` values. Names are kept lower-cased (HTTP names are case-insensitive) and must be
 * unique, not reserved, and not the connection's credential header; values are one line of visible text.
 */
export function parseStaticHeaders(inputs: string[], options: {credentialHeader?: string} = {}): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>
  for (const input of inputs) {
    const at = input.indexOf('=')
    const name = (at < 0 ? input : input.slice(0, at)).trim().toLowerCase()
    const value = at < 0 ? '' : input.slice(at + 1).trim()
    if (at < 0 || !HEADER_NAME.test(name)) throw usageError(`--header "${input.slice(0, 80)}" is not NAME=VALUE with a valid header name.`, 'Example: --header x-tenant-id=acme')
    if (RESERVED.has(name)) throw usageError(`--header cannot set ${name}: mcpctl sets it, or it carries a credential.`, 'Give a credential with --auth bearer or --auth header --header-name NAME (stored as a secret), not with --header.')
    if (options.credentialHeader && name === options.credentialHeader.toLowerCase()) {
      throw usageError(`--header ${name} is the credential header of this connection; its value is a secret.`, 'Give it with --token-stdin or --token-env instead.')
    }
    if (Object.hasOwn(headers, name)) throw usageError(`--header ${name} is given twice.`)
    // One line of printable text: a header value can neither smuggle a second header nor carry control characters.
    if (!value || /[\u0000-\u001F\u007F]/.test(value)) throw usageError(`--header ${name} needs a value of printable text on one line.`)
    headers[name] = value
  }

  return headers
}
