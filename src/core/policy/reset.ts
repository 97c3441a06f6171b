// `policy reset` and `policy apply --prune`: tools back to the policy seeding gives them (source `default`).
// Seeding is re-run on the stored name, description and annotations, so a reset tool is exactly a freshly seeded one.
import {usageError} from '../errors.js'
import {requireIntegration, type Context} from '../integrations.js'
import {qualifiedToolName, type ToolOwner} from '../names.js'
import type {Config, Tool} from '../store/schema.js'
import {compilePatterns} from './pattern.js'
import type {ToolClass} from './permission.js'
import {describeFilter, type PolicyChange, type ToolFilter, planAndApply} from './plan.js'
import {seedPolicy} from './seed.js'

/** A change back to the seeded default: `to` is the seeded level, `reason` the seed's reason. */
export interface ResetChange extends PolicyChange {
  class: ToolClass
  reason: string
}

/** The reset of one tool, or undefined when it already has its seeded default (and nothing flags it as changed). */
export function resetChangeFor(owner: ToolOwner, tool: Tool): ResetChange | undefined {
  const seed = seedPolicy({annotations: tool.annotations, description: tool.description, name: tool.name})
  const {permission, reason, source} = tool.policy
  if (source === 'default' && permission === seed.permission && reason === seed.reason && tool.class === seed.class && !tool.changed) {
    return undefined
  }
  return {
    class: seed.class,
    from: permission,
    fromSource: source,
    name: qualifiedToolName(owner, tool.name),
    reason: seed.reason,
    server: owner.name,
    to: seed.permission,
    tool: tool.name,
  }
}

export interface ResetPlan {
  changes: ResetChange[]
  /** Tools matched that already had their seeded default. */
  unchanged: number
}

/**
 * With patterns: every matched tool (a pattern matching nothing is an error, as for `policy set`).
 * Without: every tool whose policy a person set (source `user`).
 */
export function planPolicyReset(config: Config, patterns: string[] = [], filter: Pick<ToolFilter, 'server'> = {}): ResetPlan {
  if (filter.server) requireIntegration(config, filter.server)
  const compiled = patterns.length > 0 ? compilePatterns(patterns) : undefined
  const hits = new Array<number>(patterns.length).fill(0)
  const changes: ResetChange[] = []
  let unchanged = 0
  for (const integration of Object.values(config.integrations)) {
    if (filter.server && integration.name !== filter.server) continue
    for (const tool of Object.values(integration.tools)) {
      if (compiled) {
        const matched = compiled.match(qualifiedToolName(integration, tool.name))
        if (matched.length === 0) continue
        for (const index of matched) hits[index]++
      } else if (tool.policy.source !== 'user') {
        continue
      }

      const change = resetChangeFor(integration, tool)
      if (change) changes.push(change)
      else unchanged++
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

  changes.sort((a, b) => compareNames(a.name, b.name))
  return {changes, unchanged}
}

/** Apply planned resets inside a store update. A person acted, so a "definition changed" flag is cleared too. */
export function applyResets(config: Config, changes: ResetChange[], now: string): number {
  let applied = 0
  for (const change of changes) {
    const tool = config.integrations[change.server]?.tools[change.tool]
    if (!tool) continue
    tool.class = change.class
    tool.policy = {permission: change.to, reason: change.reason, source: 'default', updatedAt: now}
    delete tool.changed
    applied++
  }

  return applied
}

export interface ResetResult extends ResetPlan {
  dryRun: boolean
}

export async function resetPolicies(
  ctx: Pick<Context, 'store'>,
  request: {dryRun?: boolean; patterns?: string[]; server?: string},
): Promise<ResetResult> {
  return planAndApply(
    ctx.store,
    request.dryRun,
    (config) => planPolicyReset(config, request.patterns, {server: request.server}),
    (config, plan, now) => applyResets(config, plan.changes, now),
  )
}

/** Code-point order: stable across machines and locales, which matters for files reviewed in pull requests. */
export const compareNames = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
