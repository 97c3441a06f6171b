// `policy set` (arguments and --stdin): what a `<pattern> <level>` means. An exact name is a person's choice for that
// tool; a glob is a rule, which also governs tools that appear later. With --server or --where, which only today's
// tools can satisfy, every pattern picks today's matching tools instead, and each gets a choice.
import {usageError} from '../errors.js'
import {type Context, requireIntegration} from '../integrations.js'
import {parseQualifiedToolName, qualifiedToolName, toolPrefix} from '../names.js'
import type {Config} from '../store/schema.js'
import {type ChoiceInput, type PolicyEdit, type PolicyEditPlan, planAndApply, planEdit, refusalError, type RuleInput} from './edit.js'
import {compareSpecificity, compilePatterns, isGlobPattern, patternSpecificity} from './pattern.js'
import type {Permission, ToolClass} from './permission.js'

export interface ToolFilter {
  server?: string
  where?: ToolClass
}

/** One pattern and the level it assigns: an argument of `policy set`, or a line of `--stdin` (with its number). */
export interface PolicyAssignment {
  level: Permission
  line?: number
  pattern: string
}

/** Words the filter for messages, e.g. `--server acme --where read`. */
export function describeFilter(filter: ToolFilter): string {
  return [filter.server && `--server ${filter.server}`, filter.where && `--where ${filter.where}`].filter(Boolean).join(' ')
}

/** The edit assignments make, and those that name no tool: an exact name that is not a tool, or (filtered) a pattern matching none. */
export function editForAssignments(
  config: Config,
  assignments: PolicyAssignment[],
  filter: ToolFilter,
  reason: string,
): {edit: PolicyEdit; unmatched: PolicyAssignment[]} {
  const choices: ChoiceInput[] = []
  const rules: RuleInput[] = []
  const unmatched: PolicyAssignment[] = []
  const filtered = Boolean(filter.server || filter.where)

  if (filtered) {
    // Today's tools only: each gets the level of the most specific assignment matching it (the rule's definition).
    const compiled = compilePatterns(assignments.map((a) => a.pattern))
    const ranked = assignments.map((a, order) => ({...patternSpecificity(a.pattern), order}))
    const hits = new Array<number>(assignments.length).fill(0)
    for (const integration of Object.values(config.integrations)) {
      if (filter.server && integration.name !== filter.server) continue
      for (const tool of Object.values(integration.tools)) {
        if (filter.where && tool.class !== filter.where) continue
        const matched = compiled.match(qualifiedToolName(integration, tool.name))
        if (matched.length === 0) continue
        for (const index of matched) hits[index]++
        const best = matched.reduce((a, b) => (compareSpecificity(ranked[b], ranked[a]) > 0 ? b : a))
        choices.push({line: assignments[best].line, permission: assignments[best].level, reason, server: integration.name, tool: tool.name})
      }
    }

    unmatched.push(...assignments.filter((_a, i) => hits[i] === 0))
    return {edit: {choices}, unmatched}
  }

  compilePatterns(assignments.map((a) => a.pattern)) // validates every pattern, naming a bad one
  for (const assignment of assignments) {
    if (isGlobPattern(assignment.pattern)) {
      rules.push({line: assignment.line, pattern: assignment.pattern, permission: assignment.level})
      continue
    }

    const parsed = parseQualifiedToolName(assignment.pattern)
    const integration = parsed && Object.hasOwn(config.integrations, parsed.connection) ? config.integrations[parsed.connection] : undefined
    if (!parsed || !integration || toolPrefix(integration) !== parsed.prefix || !Object.hasOwn(integration.tools, parsed.tool)) {
      unmatched.push(assignment)
      continue
    }

    choices.push({line: assignment.line, permission: assignment.level, reason, server: integration.name, tool: parsed.tool})
  }

  return {edit: {choices, rules}, unmatched}
}

export interface PolicySetResult extends PolicyEditPlan {
  dryRun: boolean
  level: Permission
}

/**
 * `policy set <pattern...> <level>`. An exact name that is not a tool is an error (a typo must not pass silently); a
 * glob matching no tool today is a rule all the same (the result says it matches nothing). A choice looser than a
 * ceiling is refused (exit 7). Nothing is changed on any error.
 */
export function planPolicySet(config: Config, patterns: string[], level: Permission, filter: ToolFilter = {}, reason = 'set by user'): PolicyEditPlan {
  // Checked on the config being planned (not a separate read), so an unknown --server names the known ones.
  if (filter.server) requireIntegration(config, filter.server)
  const {edit, unmatched} = editForAssignments(
    config,
    patterns.map((pattern) => ({level, pattern})),
    filter,
    reason,
  )
  if (unmatched.length > 0) {
    const scope = describeFilter(filter)
    throw usageError(
      `${unmatched.length === 1 ? 'Pattern' : 'Patterns'} ${unmatched.map((a) => JSON.stringify(a.pattern)).join(', ')} matched no tool${scope ? ` (with ${scope})` : ''}. Nothing was changed.`,
      'See the tool names with `mcpctl tools list`; a glob (mcp:acme:delete_*) makes a rule that also governs tools added later.',
    )
  }

  const {refused, ...plan} = planEdit(config, edit)
  if (refused.length > 0) throw refusalError(refused)
  return plan
}

/** Plan and (unless dry-run) apply inside one lock, so the plan is computed on the config that is written. */
export async function setPolicies(
  ctx: Pick<Context, 'store'>,
  request: {dryRun?: boolean; filter?: ToolFilter; level: Permission; patterns: string[]},
): Promise<PolicySetResult> {
  return planAndApply(ctx.store, request.dryRun, (config) => ({...planPolicySet(config, request.patterns, request.level, request.filter), level: request.level}))
}
