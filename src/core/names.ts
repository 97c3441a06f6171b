// Names of integrations and tools, and the `mcp:<server>:<tool>` form in which tools are shown and matched.

/** Integration names: lowercase letters, digits and hyphens; they appear inside tool names, so no `:` or glob characters. */
export const INTEGRATION_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/

/** Tool names as the MCP spec recommends: 1–128 of `[A-Za-z0-9_.-]`. */
export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/

export const TOOL_PREFIX = 'mcp'

export const qualifiedToolName = (server: string, tool: string) => `${TOOL_PREFIX}:${server}:${tool}`

export function parseQualifiedToolName(name: string): {server: string; tool: string} | undefined {
  const parts = name.split(':')
  if (parts.length !== 3 || parts[0] !== TOOL_PREFIX) return undefined
  return {server: parts[1], tool: parts[2]}
}

/** Suggest an integration name from a server URL: `https://mcp.acme-psa.com/v1/mcp` → `acme-psa`. */
export function suggestIntegrationName(url: URL): string {
  const generic = new Set(['mcp', 'api', 'www', 'app', 'com', 'net', 'org', 'io', 'ai', 'dev', 'cloud', 'server', 'localhost'])
  const labels = url.hostname.toLowerCase().split('.').filter((label) => label && !generic.has(label) && !/^\d+$/.test(label))
  const candidate = (labels[0] ?? url.hostname)
    .replaceAll(/[^a-z0-9-]+/g, '-')
    .replaceAll(/^-+|-+$/g, '')
    .slice(0, 64)
  return INTEGRATION_NAME.test(candidate) ? candidate : 'mcp-server'
}
