// The kind-independent view of a connection that commands render, and the way to its Source. Light on purpose:
// `integrations list` reads only this; each kind's Source (SDK, HTTP engines) is imported when it is used.
import type {Integration, SecretRef, Transport} from '../store/schema.js'
import {describeApp} from './catalog/describe.js'
import {describeMcp} from './mcp/describe.js'
import type {Context} from '../integrations.js'
import type {Discovery, Revocation, Source, SourceCallOptions, ToolOutcome} from './source.js'

export type ConnectionKind = 'app' | 'mcp'

export interface ConnectionDescription {
  /** The catalog app's id (apps only). */
  app?: string
  /** How it authenticates: an MCP auth type (oauth, bearer, header, none) or an app's auth kind. */
  auth: string
  /** Kind-specific facts for `integrations show --json` (never a secret). */
  detail: Record<string, unknown>
  kind: ConnectionKind
  /** What needs attention now (an unset variable, an expired token), for the STATUS column. */
  notes(env: NodeJS.ProcessEnv, now: number): string[]
  /** Label/value rows for `integrations show` (undefined values are skipped). */
  rows: [string, string | undefined][]
  /** Every secret the connection keeps (env references included: they are not deleted, only forgotten). */
  secrets: SecretRef[]
  transport?: Transport
  /** Where it talks to: the MCP server's URL, or the app's API base. */
  url: string
}

export function describeConnection(integration: Integration): ConnectionDescription {
  return integration.app ? describeApp(integration) : describeMcp(integration)
}

/** A Source bound to one connection. */
export interface ConnectionSource {
  callTool(ctx: Context, call: {args: Record<string, unknown>; tool: string}, options?: SourceCallOptions): Promise<ToolOutcome>
  listTools(ctx: Context, options?: SourceCallOptions): Promise<Discovery>
  revoke(ctx: Context): Promise<Revocation>
  verify(ctx: Context, options?: SourceCallOptions): Promise<void>
}

function bind<I extends Integration>(source: Source<I>, integration: I): ConnectionSource {
  return {
    callTool: (ctx, call, options) => source.callTool(ctx, integration, call, options),
    listTools: (ctx, options) => source.listTools(ctx, integration, options),
    revoke: (ctx) => source.revoke(ctx, integration),
    verify: (ctx, options) => source.verify(ctx, integration, options),
  }
}

/** The Source that serves this connection (its module loaded on first use), bound to it. */
export async function sourceFor(integration: Integration): Promise<ConnectionSource> {
  if (integration.app) {
    const {catalogSource} = await import('./catalog/source.js')
    return bind(catalogSource, integration)
  }

  const {mcpSource} = await import('./mcp/source.js')
  return bind(mcpSource, integration)
}
