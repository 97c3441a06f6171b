// What list, show and disconnect say about an MCP connection, from the config alone (no SDK, no network).
import type {McpIntegration} from '../../store/schema.js'
import type {ConnectionDescription} from '../describe.js'

export function describeMcp(integration: McpIntegration): ConnectionDescription {
  const {auth} = integration
  const secret = 'secret' in auth ? auth.secret : undefined
  const secretStorage = secret && (secret.kind === 'env' ? `env:${secret.variable}` : secret.kind)
  const oauth = auth.type === 'oauth' ? {clientId: auth.clientId, expiresAt: auth.expiresAt, issuer: auth.issuer, scopes: auth.scopes} : undefined
  const headerName = auth.type === 'header' ? auth.headerName : undefined
  return {
    auth: auth.type,
    detail: {headerName, headers: integration.headers, oauth, secretStorage, server: integration.server},
    kind: 'mcp',
    notes(env, now) {
      const notes: string[] = []
      if (secret?.kind === 'env' && !env[secret.variable]) notes.push(`$${secret.variable} unset`)
      if (auth.type === 'oauth' && auth.expiresAt && Date.parse(auth.expiresAt) < now) notes.push('token expired (refreshed on use)')
      return notes
    },
    rows: [
      ['transport', integration.transport],
      ['auth', auth.type + (headerName ? ` (header ${headerName})` : '')],
      ['secret', secretStorage],
      ['headers', integration.headers && Object.entries(integration.headers).map(([name, value]) => `${name}: ${value}`).join(', ')],
      ['issuer', oauth?.issuer],
      ['scopes', oauth?.scopes?.join(' ')],
      ['token expires', oauth?.expiresAt],
      ['server', integration.server?.name && `${integration.server.name} ${integration.server.version ?? ''}`.trim()],
    ],
    secrets: secret ? [secret] : [],
    transport: integration.transport,
    url: integration.url,
  }
}
