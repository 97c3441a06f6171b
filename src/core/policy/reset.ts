// `policy reset`: people's choices go, and the tools resolve again without them — under the rules, else as seeding
// gives them (seeding re-run on the stored name, description and annotations). Rules stay: `policy rules remove`.
import {usageError} from '../errors.js'
import {requireIntegration, type Context} from '../integrations.js'
import {qualifiedToolName} from '../names.js'
import type {Config} from '../store/schema.js'
import {type PolicyEditPlan, planAndApply, planEdit} from './edit.js'
import {compilePatterns} from './pattern.js'
import {describeFilter, type ToolFilter} from './plan.js'

/**
 * With patterns: every matched tool (a pattern matching nothing is an error, as for `policy set`).
 * Without: every tool with a person's choice.
 */
export function planPolicyReset(config: Config, patterns: string[] = [], filter: Pick<ToolFilter, 'server'> = {}): PolicyEditPlan {
  if (filter.server) requireIntegration(config, filter.server)
  const compiled = patterns.length > 0 ? compilePatterns(patterns) : undefined
  const hits = new Array<number>(patterns.length).fill(0)
  const clearChoices: {server: string; tool: string}[] = []
  for (const integration of Object.values(config.integrations)) {
    if (filter.server && integration.name !== filter.server) continue
    for (const tool of Object.values(integration.tools)) {
      if (compiled) {
        const matched = compiled.match(qualifiedToolName(integration, tool.name))
        if (matched.length === 0) continue
        for (const index of matched) hits[index]++
      } else if (!tool.choice) {
        continue
      }

      clearChoices.push({server: integration.name, tool: tool.name})
    }
  }

  const unmatched = patterns.filter((_p, i) => hits[i] === 0)
  if (unmatched.length > 0) {
    const scope = describeFilter(filter)
    throw usageError(
      `${unmatched.length === 1 ? 'Pattern' : 'Patterns'} ${unmatched.map((p) => JSON.stringify(p)).join(', ')} matched no tool${scope ? ` (with ${scope})` : ''}. Nothing was changed.`,
      'See the tool names with `mcpctl tools list`.',
    )
  }

  const {refused: _none, ...plan} = planEdit(config, {clearChoices})
  return plan
}

export interface ResetResult extends PolicyEditPlan {
  dryRun: boolean
}

export async function resetPolicies(
  ctx: Pick<Context, 'store'>,
  request: {dryRun?: boolean; patterns?: string[]; server?: string},
): Promise<ResetResult> {
  return planAndApply(ctx.store, request.dryRun, (config) => planPolicyReset(config, request.patterns, {server: request.server}))
}
