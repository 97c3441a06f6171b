// `tools call` (and the gateway): one qualified tool on its connection with the stored credentials, obeying its
// policy. The connection's Source does the call; nothing here knows whether it is an MCP server or a catalog app.
import {policyRefusal, usageError} from './errors.js'
import {type Context, requireIntegration} from './integrations.js'
import {parseQualifiedToolName, qualifiedToolName, TOOL_NAME_FORMS, toolPrefix} from './names.js'
import type {Permission} from './policy/permission.js'
import type {SourceCallOptions} from './sources/source.js'
import type {Config, Integration, Tool} from './store/schema.js'

/** Default deadline of `tools call`: to connect, and for the call's answer. */
export const CALL_TIMEOUT_MS = 30_000

export interface ToolCallRequest {
  args: Record<string, unknown>
  name: string
}

export interface ToolCallResult {
  content: unknown[]
  isError: boolean
  name: string
  permission: Permission
  structuredContent?: unknown
}

/** The connection and the tool a qualified name designates, or a usage error that says what exists. */
export function requireTool(config: Config, name: string): {integration: Integration; tool: Tool} {
  const parsed = parseQualifiedToolName(name)
  if (!parsed) throw usageError(`"${name}" is not a tool name.`, `Tool names look like ${TOOL_NAME_FORMS}; see \`mcpctl tools list\`.`)
  const integration = requireIntegration(config, parsed.connection)
  const expected = qualifiedToolName(integration, parsed.tool)
  if (parsed.prefix !== toolPrefix(integration)) {
    throw usageError(`"${name}" is not a tool name of "${parsed.connection}".`, `Its tools are named ${toolPrefix(integration)}:${parsed.connection}:<tool>, e.g. ${expected}.`)
  }

  const tool = Object.hasOwn(integration.tools, parsed.tool) ? integration.tools[parsed.tool] : undefined
  if (!tool) throw usageError(`${name} is not a known tool of "${parsed.connection}".`, `See \`mcpctl tools list --server ${parsed.connection}\`, or re-discover with \`mcpctl tools sync ${parsed.connection}\`.`)
  return {integration, tool}
}

/** The tool and its permission, or a usage error; the caller asks for approval before `callTool` when it is needed. */
export async function resolveToolCall(ctx: Pick<Context, 'store'>, name: string): Promise<{permission: Permission; server: string; tool: string}> {
  const {integration, permission, tool} = admitCall(await ctx.store.read(), name)
  return {permission, server: integration.name, tool: tool.name}
}

/** The stored tool with its permission, refusing a disabled one. */
function admitCall(config: Config, name: string) {
  const {integration, tool} = requireTool(config, name)
  const {permission} = tool.policy
  if (permission === 'disabled') {
    throw policyRefusal(`${name} is disabled by policy.`, `Allow it with \`mcpctl policy set ${name} approval_needed\` (or auto).`)
  }

  return {integration, permission, tool}
}

/**
 * Call after `resolveToolCall` (and approval, when the permission is approval_needed). `signal` cancels the call at
 * the connection too, `timeoutMs` is its deadline, `pool` keeps the connection open for later calls, and `elicit`
 * answers the connection's own questions during the call.
 */
export async function callTool(ctx: Context, request: ToolCallRequest & {approved: boolean}, options: SourceCallOptions = {}): Promise<ToolCallResult> {
  // One read of the store: the permission and the connection the call goes to come from the same version of it.
  const {integration, permission, tool: record} = admitCall(await ctx.store.read(), request.name)
  if (permission === 'approval_needed' && !request.approved) {
    throw policyRefusal(`${request.name} needs approval before each call.`, 'Pass --yes to approve this call.')
  }

  const tool = record.name
  const {sourceFor} = await import('./sources/describe.js')
  const source = await sourceFor(integration)
  const outcome = await source.callTool(ctx, {args: request.args, tool}, options)
  return {
    content: outcome.content,
    isError: outcome.isError,
    name: qualifiedToolName(integration, tool),
    permission,
    ...(outcome.structuredContent === undefined ? {} : {structuredContent: outcome.structuredContent}),
  }
}
