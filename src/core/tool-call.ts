// `tools call`: one tool on its server with the stored credentials, obeying the tool's policy.
import {policyRefusal, usageError} from './errors.js'
import {type Context, requireIntegration, withSession} from './integrations.js'
import type {InteractiveAuthorization} from './oauth/authorize.js'
import {parseQualifiedToolName, qualifiedToolName} from './names.js'
import type {Permission} from './policy/permission.js'

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

/** The tool and its permission, or a usage error; the caller asks for approval before `callTool` when it is needed. */
export async function resolveToolCall(ctx: Pick<Context, 'store'>, name: string): Promise<{permission: Permission; server: string; tool: string}> {
  const parsed = parseQualifiedToolName(name)
  if (!parsed) throw usageError(`"${name}" is not a tool name.`, 'Tool names look like mcp:<server>:<tool>; see `mcpctl tools list`.')
  const integration = requireIntegration(await ctx.store.read(), parsed.server)
  const tool = integration.tools[parsed.tool]
  if (!tool) throw usageError(`${name} is not a known tool of "${parsed.server}".`, `See \`mcpctl tools list --server ${parsed.server}\`, or re-discover with \`mcpctl tools sync ${parsed.server}\`.`)
  const {permission} = tool.policy
  if (permission === 'disabled') {
    throw policyRefusal(`${name} is disabled by policy.`, `Allow it with \`mcpctl policy set ${name} approval_needed\` (or auto).`)
  }

  return {permission, server: parsed.server, tool: parsed.tool}
}

/** Call after `resolveToolCall` (and approval, when the permission is approval_needed). */
export async function callTool(
  ctx: Context,
  request: ToolCallRequest & {approved: boolean},
  options: {authorization?: InteractiveAuthorization} = {},
): Promise<ToolCallResult> {
  const {permission, server, tool} = await resolveToolCall(ctx, request.name)
  if (permission === 'approval_needed' && !request.approved) {
    throw policyRefusal(`${request.name} needs approval before each call.`, 'Pass --yes to approve this call.')
  }

  const integration = requireIntegration(await ctx.store.read(), server)
  return withSession(
    ctx,
    integration,
    async (session) => {
      const result = await session.client.callTool({arguments: request.args, name: tool}, undefined, session.requestOptions)
      return {
        content: Array.isArray(result.content) ? result.content : [],
        isError: result.isError === true,
        name: qualifiedToolName(server, tool),
        permission,
        ...(result.structuredContent === undefined ? {} : {structuredContent: result.structuredContent}),
      }
    },
    options,
  )
}
