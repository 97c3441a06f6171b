// The one decision the gateway makes about a tool, for `tools/list` and for every `tools/call` alike: may it be
// offered and called, and does a person have to approve each call? The list is only a view of this answer.
import {parseQualifiedToolName, toolPrefix} from '../names.js'
import type {PatternSet} from '../policy/pattern.js'
import type {Config, Tool} from '../store/schema.js'

export type Admission =
  | {allowed: false; reason: 'disabled' | 'out_of_scope' | 'unknown_tool'}
  | {allowed: true; connection: string; permission: 'approval_needed' | 'auto'; qualified: string; tool: Tool}

/** `scope` is the gateway's `--only` patterns (undefined: every tool). The permission is the stored, resolved one. */
export function admit(config: Config, scope: PatternSet | undefined, qualified: string): Admission {
  const parsed = parseQualifiedToolName(qualified)
  const integration = parsed && Object.hasOwn(config.integrations, parsed.connection) ? config.integrations[parsed.connection] : undefined
  const tool = integration && parsed && toolPrefix(integration) === parsed.prefix && Object.hasOwn(integration.tools, parsed.tool) ? integration.tools[parsed.tool] : undefined
  if (!parsed || !tool) return {allowed: false, reason: 'unknown_tool'}
  if (scope && !scope.matchesAny(qualified)) return {allowed: false, reason: 'out_of_scope'}
  const {permission} = tool.policy
  if (permission === 'disabled') return {allowed: false, reason: 'disabled'}
  return {allowed: true, connection: parsed.connection, permission, qualified, tool}
}
