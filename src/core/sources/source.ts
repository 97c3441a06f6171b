// The one interface every kind of connection implements — a remote MCP server (mcp/) or a built-in catalog app
// (catalog/). Seeding, policies, `tools list/sync/call`, `disconnect`, `integrations list/show` and the gateway reach
// a connection only through this and through describe.ts, and never ask which kind it is.
import type {Context} from '../integrations.js'
import type {InteractiveAuthorization} from '../oauth/authorize.js'
import type {TokenRevocation} from '../oauth/revoke.js'
import type {ToolDefinition} from '../store/config-store.js'
import type {Integration, McpIntegration} from '../store/schema.js'
import type {ConnectionPool} from './connection-pool.js'

/** A question a connection asks the person during a call (an MCP server's `elicitation/create`), and the answer. */
export type ElicitationHandler = (
  request: {[key: string]: unknown; message: string},
  signal: AbortSignal,
) => Promise<{action: 'accept' | 'cancel' | 'decline'; content?: Record<string, unknown>}>

export interface SourceCallOptions {
  /** How to run a browser flow if the connection needs one (an MCP scope step-up); absent where none may run. */
  authorization?: InteractiveAuthorization
  /** Answers the connection's own questions during the call; without it, none are offered (MCP: no elicitation capability). */
  elicit?: ElicitationHandler
  /** Keep connections open for later calls (the gateway); without it, each call opens and closes its own. */
  pool?: ConnectionPool
  /** Cancels the work (Ctrl-C, a deadline). */
  signal?: AbortSignal
  /** Per-request timeout. */
  timeoutMs?: number
}

/** Facts a listing learnt about the connection, stored with it (an MCP server's name, version and transport). */
export type ConnectionFacts = Partial<Pick<McpIntegration, 'server' | 'transport'>>

/** What a connection offers now. */
export interface Discovery {
  definitions: ToolDefinition[]
  facts?: ConnectionFacts
  /** Problems met while listing (invalid or duplicate names, caps reached). */
  warnings: string[]
}

/** A tool call's result in MCP's shape, whatever the kind: errors the tool reports are `isError`, never thrown. */
export interface ToolOutcome {
  content: unknown[]
  isError: boolean
  structuredContent?: unknown
}

/** What revoking a connection's credentials at its server or vendor did (before its local secrets are deleted). */
export interface Revocation {
  /** OAuth tokens revoked (or not) at the authorization server, one entry per token held. */
  tokens?: TokenRevocation[]
  /** Where a person revokes the credential by hand, when the vendor offers no way to do it from here. */
  revokeAt?: string
}

/** One kind of connection. Every failure leaves as an McpctlError without secrets in it. */
export interface Source<I extends Integration = Integration> {
  /** Prove the stored credentials still work (connect / the verification request); throws McpctlError('auth') if not. */
  verify(ctx: Context, integration: I, options?: SourceCallOptions): Promise<void>
  /** The tools the connection offers now, as full definitions (name, description, JSON Schema, annotations). */
  listTools(ctx: Context, integration: I, options?: SourceCallOptions): Promise<Discovery>
  /** Call one tool (its plain name) with these arguments. */
  callTool(ctx: Context, integration: I, call: {args: Record<string, unknown>; tool: string}, options?: SourceCallOptions): Promise<ToolOutcome>
  /** Revoke what can be revoked remotely; never throws for the remote side's answer. Local secrets are not touched. */
  revoke(ctx: Context, integration: I): Promise<Revocation>
}
