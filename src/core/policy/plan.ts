// Policy changes as plans: what `policy set` would change, computed once over the store, then applied in one write.
import {usageError} from '../errors.js'
import {qualifiedToolName} from '../names.js'
import {type Context, requireIntegration} from '../integrations.js'
import type {Config} from '../store/schema.js'
import {compilePatterns} from './pattern.js'
import type {Permission, PolicySource, ToolClass} from './permission.js'

export interface PolicyChange {
  from: Permission
  fromSource: PolicySource
  name: string
  server: string
  to: Permission
  tool: string
}

export interface PolicyPlan {
  changes: PolicyChange[]
  /** Tools matched that already had this level as a user's choice. */
  unchanged: number
}

export interface ToolFilter {
  server?: string
  where?: ToolClass
}

/** One pattern and the level it assigns: a line of `policy set --stdin`, an entry of a policy file. */
export interface PolicyAssignment {
  level: Permission
  pattern: string
}

export interface AssignmentPlan extends PolicyPlan {
  /** How many tools each assignment matched (index-aligned with the assignments), so callers can name the unmatched. */
  hits: number[]
}

/**
 * Several patterns with their own levels, matched in one pass over the store with the patterns compiled once.
 * When several assignments match one tool the last one wins (later lines override earlier ones). Unmatched
 * assignments are not an error here: each caller words that error in its own terms (pattern, line number).
 */
export function planAssignments(config: Config, assignments: PolicyAssignment[], filter: ToolFilter = {}): AssignmentPlan {
  const compiled = compilePatterns(assignments.map((a) => a.pattern))
  const hits = new Array<number>(assignments.length).fill(0)
  const changes: PolicyChange[] = []
  let unchanged = 0
  for (const integration of Object.values(config.integrations)) {
    if (filter.server && integration.name !== filter.server) continue
    for (const tool of Object.values(integration.tools)) {
      if (filter.where && tool.class !== filter.where) continue
      const name = qualifiedToolName(integration, tool.name)
      const matched = compiled.match(name)
      if (matched.length === 0) continue
      for (const index of matched) hits[index]++
      const level = assignments[matched.at(-1)!].level
      const {permission, source} = tool.policy
      if (permission === level && source === 'user') unchanged++
      else changes.push({from: permission, fromSource: source, name, server: integration.name, to: level, tool: tool.name})
    }
  }

  return {changes, hits, unchanged}
}

/** Words the filter for "matched no tool" errors, e.g. `--server acme --where read`. */
export function describeFilter(filter: ToolFilter): string {
  return [filter.server && `--server ${filter.server}`, filter.where && `--where ${filter.where}`].filter(Boolean).join(' ')
}

/**
 * Every tool matched by any pattern gets `level` as a user's choice. A pattern that matches nothing is an error,
 * reported for all such patterns at once, so a typo never silently changes less than intended.
 */
export function planPolicySet(config: Config, patterns: string[], level: Permission, filter: ToolFilter = {}): PolicyPlan {
  // Checked on the config being planned (not a separate read), so an unknown --server names the known ones.
  if (filter.server) requireIntegration(config, filter.server)
  const {changes, hits, unchanged} = planAssignments(
    config,
    patterns.map((pattern) => ({level, pattern})),
    filter,
  )

  const unmatched = patterns.filter((_p, i) => hits[i] === 0)
  if (unmatched.length > 0) {
    const scope = describeFilter(filter)
    throw usageError(
      `${unmatched.length === 1 ? 'Pattern' : 'Patterns'} ${unmatched.map((p) => JSON.stringify(p)).join(', ')} matched no tool${scope ? ` (with ${scope})` : ''}. Nothing was changed.`,
      'See the tool names with `mcpctl tools list`.',
    )
  }

  return {changes, unchanged}
}

/** Apply planned changes to a config (inside a store update). Returns how many tools were touched. */
export function applyPolicyChanges(config: Config, changes: PolicyChange[], now: string, reason = 'set by user'): number {
  let applied = 0
  for (const change of changes) {
    const tool = config.integrations[change.server]?.tools[change.tool]
    if (!tool) continue
    tool.policy = {permission: change.to, reason, source: 'user', updatedAt: now}
    delete tool.changed
    applied++
  }

  return applied
}

export interface PolicySetResult extends PolicyPlan {
  dryRun: boolean
  level: Permission
}

/** Plan and (unless dry-run) apply inside one lock, so the plan is computed on the config that is written. */
export async function setPolicies(
  ctx: Pick<Context, 'store'>,
  request: {dryRun?: boolean; filter?: ToolFilter; level: Permission; patterns: string[]},
): Promise<PolicySetResult> {
  return planAndApply(
    ctx.store,
    request.dryRun,
    (config) => ({...planPolicySet(config, request.patterns, request.level, request.filter), level: request.level}),
    (config, plan, now) => applyPolicyChanges(config, plan.changes, now),
  )
}

/** Thrown inside a store update to leave without writing: nothing is written when the change function throws. */
class NothingToWrite<T> extends Error {
  constructor(readonly result: T) {
    super('nothing to write')
  }
}

/**
 * Every policy edit (set, --stdin, reset, apply): with `dryRun`, the plan on a snapshot; otherwise plan and apply
 * under the store lock, on the config that is written. Nothing is written when the plan changes nothing (re-applying
 * a policy leaves the file and its modification time alone), and only the integrations the changes touch are
 * validated again before the write.
 */
export async function planAndApply<P extends {changes: {server: string}[]}>(
  store: Context['store'],
  dryRun: boolean | undefined,
  plan: (config: Config) => P,
  apply: (config: Config, plan: P, now: string) => void,
): Promise<P & {dryRun: boolean}> {
  if (dryRun) return {...plan(await store.read()), dryRun: true}
  try {
    return await store.update((config, tx) => {
      const planned = {...plan(config), dryRun: false}
      if (planned.changes.length === 0) throw new NothingToWrite(planned)
      apply(config, planned, new Date().toISOString())
      tx.onlyChanged(planned.changes.map((c) => c.server))
      return planned
    })
  } catch (error) {
    if (error instanceof NothingToWrite) return error.result as P & {dryRun: boolean}
    throw error
  }
}
