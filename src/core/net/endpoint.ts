// Which server URLs mcpctl will talk to: HTTPS, or plain HTTP to a loopback host with --allow-http.
// Imported on every `add` before the SDK loads, so this module must stay free of heavy imports.
import {McpctlError} from '../errors.js'

const HTTPS_HINT = 'Use the server’s https:// address.'

/** Parse and check a server URL. Throws McpctlError('usage') saying why a URL is refused. */
export function parseServerUrl(raw: string, options: {allowHttp?: boolean} = {}): URL {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    // JSON quoting keeps control characters in a pasted value from acting on the terminal.
    const shown = JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}…` : raw)
    throw new McpctlError('usage', `Not a valid URL: ${shown}`, {hint: 'Give the full address, e.g. https://mcp.example.com/mcp'})
  }

  // Checked before anything that echoes the URL: the password must not reach an error message either.
  if (url.username || url.password) {
    throw new McpctlError('usage', 'URLs with a user name or password are refused: credentials in URLs leak into logs and shell history.', {
      hint: 'Remove them from the URL and supply the credential when mcpctl asks (or with --token-stdin).',
    })
  }

  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      throw new McpctlError('usage', 'Plain http:// to a non-loopback host is never allowed: use https://', {hint: HTTPS_HINT})
    }
    if (!options.allowHttp) {
      throw new McpctlError('usage', 'Plain http:// is refused: use https:// (http is allowed only for loopback hosts with --allow-http)', {
        hint: 'For a local development server, pass --allow-http.',
      })
    }
  } else if (url.protocol !== 'https:') {
    throw new McpctlError('usage', `Unsupported URL scheme ${JSON.stringify(url.protocol)}: MCP servers are reached over https://`, {hint: HTTPS_HINT})
  }

  // A fragment is never sent to the server; keeping it would make two spellings of one server look different.
  url.hash = ''
  return url
}

/** `localhost`, 127.0.0.0/8 or `[::1]` — hosts whose traffic never leaves this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  if (host === 'localhost') return true
  if (host === '[::1]' || host === '::1') return true
  // WHATWG URL parsing has already normalised `127.1`, `0x7f.0.0.1` and friends to dotted-quad form.
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  return octets !== null && octets[1] === '127' && octets.slice(2).every((octet) => Number(octet) <= 255)
}
