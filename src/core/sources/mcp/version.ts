// How mcpctl introduces itself to MCP servers (`clientInfo`). Kept in step with package.json by hand:
// reading package.json at run time would cost a file read on every connection for a cosmetic field.

export const MCPCTL_CLIENT_INFO = {name: 'mcpctl', version: '0.1.0'} as const
