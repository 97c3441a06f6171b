// Names of connections and tools, and the qualified form in which tools are shown and matched:
// `mcp:<server>:<tool>` for a remote MCP server, `<app-id>:<connection>:<tool>` for a built-in catalog app.
import {isIP} from 'node:net'

/** Connection names: lowercase letters, digits and hyphens; they appear inside tool names, so no `:` or glob characters. */
export const INTEGRATION_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/

/** Tool names as the MCP spec recommends: 1–128 of `[A-Za-z0-9_.-]`. */
export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/

/** The first segment of an MCP server's tool names. */
export const MCP_PREFIX = 'mcp'

/** What names a connection's tools: its name, and the catalog app it connects, if it is one. */
export interface ToolOwner {
  app?: {id: string}
  name: string
}

/** `mcp` for an MCP server, the app id for a catalog app. */
export const toolPrefix = (owner: ToolOwner) => owner.app?.id ?? MCP_PREFIX

export const qualifiedToolName = (owner: ToolOwner, tool: string) => `${toolPrefix(owner)}:${owner.name}:${tool}`

/**
 * A record keyed by names that servers and people choose (tools, connections), to build one in: without a prototype,
 * so that assigning `__proto__` adds an entry (on a plain object it replaces the prototype and the entry is lost).
 * Records read from the store are plain objects whose keys JSON.parse defined; look names up in any record with
 * `lookup`, which never finds Object.prototype's `constructor` or `toString`.
 */
export const nameRecord = <T>(entries?: Iterable<readonly [string, T]>): Record<string, T> => {
  const record = Object.create(null) as Record<string, T>
  for (const [name, value] of entries ?? []) record[name] = value
  return record
}

/** `record[name]` only when it is the record's own entry, whatever the record's prototype. */
export const lookup = <T>(record: Record<string, T>, name: string): T | undefined => (Object.hasOwn(record, name) ? record[name] : undefined)

/** Code-point order: stable across machines and locales, which matters for files reviewed in pull requests. */
export const compareNames = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The three segments of a qualified tool name, or undefined when it does not have them. */
export function parseQualifiedToolName(name: string): {connection: string; prefix: string; tool: string} | undefined {
  const parts = name.split(':')
  if (parts.length !== 3 || parts.some((part) => part === '')) return undefined
  return {connection: parts[1], prefix: parts[0], tool: parts[2]}
}

/** How tool names look, for hints. */
export const TOOL_NAME_FORMS = 'mcp:<server>:<tool> or <app-id>:<connection>:<tool>'

/** Suggest an integration name from a server URL: `https://mcp.acme-psa.com/v1/mcp` → `acme-psa`. */
/** A valid integration name made of free text (a host label, a server's own name), or undefined when nothing is left. */
function nameFrom(text: string): string | undefined {
  const candidate = text
    .toLowerCase()
    .replaceAll(/[^a-z0-9-]+/g, '-')
    .slice(0, 64)
    .replaceAll(/^-+|-+$/g, '')
  return INTEGRATION_NAME.test(candidate) ? candidate : undefined
}

/** A host that says nothing about which server it is: an IP address or localhost (most loopback servers). */
const anonymousHost = (hostname: string) => isIP(hostname.replaceAll(/^\[|\]$/g, '')) !== 0 || hostname === 'localhost' || hostname.endsWith('.localhost')

/**
 * The name `integrations add` suggests: the host's first telling label (`acme` for mcp.acme.com); when the host says
 * nothing (an IP address, localhost), the server's own name from `initialize` (serverInfo.name); and with the port
 * added when that name is taken already (two local servers of the same kind).
 */
export function suggestIntegrationName(url: URL, options: {serverName?: string; taken?: (name: string) => boolean} = {}): string {
  const generic = new Set(['mcp', 'api', 'www', 'app', 'com', 'net', 'org', 'io', 'ai', 'dev', 'cloud', 'server', 'localhost'])
  const fromHost = () => {
    const labels = url.hostname.toLowerCase().split('.').filter((label) => label && !generic.has(label) && !/^\d+$/.test(label))
    return nameFrom(labels[0] ?? url.hostname)
  }
  const base = (anonymousHost(url.hostname) && options.serverName ? nameFrom(options.serverName) : undefined) ?? fromHost() ?? 'mcp-server'
  if (!options.taken?.(base)) return base
  const port = url.port || (url.protocol === 'http:' ? '80' : '443')
  return nameFrom(`${base.slice(0, 58)}-${port}`) ?? base
}
