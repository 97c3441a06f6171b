// The rows of `tools list`: every tool of every connection by its qualified name (names.ts) with its policy.
import {gatewayNamesOf} from './gateway/names.js'
import {lookup, qualifiedToolName} from './names.js'
import {compilePatterns} from './policy/pattern.js'
import type {Permission, PolicySource, ToolClass} from './policy/permission.js'
import type {Config, Integration, Tool} from './store/schema.js'

export interface ToolRow {
  changed: boolean
  class: ToolClass
  description: string
  /** The name under which `mcpctl gateway` offers it to agents. */
  gatewayName: string
  name: string
  permission: Permission
  reason: string
  /** The rule that decided (source rule) or capped (source ceiling) the permission. */
  rule?: string
  server: string
  source: PolicySource
  tool: string
}

export interface ToolListFilter {
  changed?: boolean
  /** Exact names or globs (`mcp:*:delete_*`, `halopsa:*:get_*`); a tool is listed when any of them matches. */
  patterns?: string[]
  permission?: Permission
  server?: string
}

/** One tool as `tools list` shows it (and `tools show` starts from); `gatewayName` from `gatewayNamesOf(config)`. */
export function toolRow(integration: Integration, tool: Tool, gatewayName: string): ToolRow {
  return {
    changed: Boolean(tool.changed),
    class: tool.class,
    description: tool.description,
    gatewayName,
    name: qualifiedToolName(integration, tool.name),
    permission: tool.policy.permission,
    reason: tool.policy.reason,
    ...(tool.policy.rule === undefined ? {} : {rule: tool.policy.rule}),
    server: integration.name,
    source: tool.policy.source,
    tool: tool.name,
  }
}

export function listTools(config: Config, filter: ToolListFilter = {}): ToolRow[] {
  const rows: ToolRow[] = []
  const patterns = filter.patterns?.length ? compilePatterns(filter.patterns) : undefined
  const gatewayNames = gatewayNamesOf(config)
  const servers = filter.server ? [filter.server] : Object.keys(config.integrations).sort()
  for (const server of servers) {
    const integration = lookup(config.integrations, server)
    if (!integration) continue
    for (const tool of Object.values(integration.tools)) {
      if (filter.permission && tool.policy.permission !== filter.permission) continue
      if (filter.changed && !tool.changed) continue
      const name = qualifiedToolName(integration, tool.name)
      if (patterns && !patterns.matchesAny(name)) continue
      rows.push(toolRow(integration, tool, gatewayNames.get(name)!))
    }
  }

  return rows.sort((a, b) => (a.server === b.server ? (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0) : 0))
}
