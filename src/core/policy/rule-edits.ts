// `policy rules list|add|remove`: the ordered rules and ceilings that decide tools today and tools that appear later.
import {usageError} from '../errors.js'
import type {Context} from '../integrations.js'
import type {Config, Rule} from '../store/schema.js'
import {type PolicyEditPlan, planAndApply, planEdit} from './edit.js'
import {validatePattern} from './pattern.js'
import type {Permission} from './permission.js'
import {rulesFor} from './resolve.js'
import {describeRule, ruleProblem, RuleSet} from './rules.js'

export interface RuleRow extends Rule {
  /** Tools whose level it decides today (matched, with no choice and no more specific rule). */
  decides: number
  /** 1-based position: among equally specific rules, the later decides. */
  position: number
  /** Tools it matches today. */
  matches: number
}

/** Every rule in order, with how many tools it matches and decides today. */
export function listRules(config: Config): RuleRow[] {
  const rules = new RuleSet(config.rules)
  const matches = new Map<string, number>()
  const decides = new Map<string, number>()
  if (rules.size > 0) {
    for (const integration of Object.values(config.integrations)) {
      const here = rulesFor(rules, integration)
      for (const tool of Object.values(integration.tools)) {
        for (const pattern of here.matching(tool.name)) matches.set(pattern, (matches.get(pattern) ?? 0) + 1)
        const {decider} = here.decide(tool.name)
        if (decider && !tool.choice) decides.set(decider.pattern, (decides.get(decider.pattern) ?? 0) + 1)
      }
    }
  }

  return config.rules.map((rule, index) => ({...rule, decides: decides.get(rule.pattern) ?? 0, matches: matches.get(rule.pattern) ?? 0, position: index + 1}))
}

export interface RulesEditResult extends PolicyEditPlan {
  dryRun: boolean
}

/**
 * Add a rule, or replace the rule with the same pattern (in its place). It applies at once, in one write, to every
 * tool it matches; a rule matching no tool today is kept for the tools that appear later. A new ceiling drops the
 * choices looser than it (listed in `dropped`).
 */
export async function addRule(
  ctx: Pick<Context, 'store'>,
  request: {atMost?: Permission; dryRun?: boolean; pattern: string; permission?: Permission},
): Promise<RulesEditResult> {
  validatePattern(request.pattern)
  const rule: Rule = {pattern: request.pattern, ...(request.permission ? {permission: request.permission} : {}), ...(request.atMost ? {atMost: request.atMost} : {})}
  const problem = ruleProblem(rule)
  if (problem) throw usageError(`The rule ${request.pattern} ${problem}.`, 'Give a level (auto, approval_needed, disabled), --at-most approval_needed or disabled, or both.')
  return planAndApply(ctx.store, request.dryRun, (config) => {
    const {refused: _none, ...plan} = planEdit(config, {rules: [rule]})
    return plan
  })
}

/** Remove rules by pattern; their tools resolve again without them, in one write. An unknown pattern is an error. */
export async function removeRules(ctx: Pick<Context, 'store'>, request: {dryRun?: boolean; patterns: string[]}): Promise<RulesEditResult> {
  return planAndApply(ctx.store, request.dryRun, (config) => {
    const known = new Set(config.rules.map((rule) => rule.pattern))
    const unknown = request.patterns.filter((pattern) => !known.has(pattern))
    if (unknown.length > 0) {
      const listed = config.rules.slice(0, 10).map(describeRule)
      throw usageError(
        `No rule ${unknown.map((p) => JSON.stringify(p)).join(', ')}; nothing was changed.`,
        config.rules.length === 0 ? 'There are no rules; add one with `mcpctl policy rules add`.' : `Rules: ${listed.join('; ')}${config.rules.length > 10 ? '; …' : ''} (see \`mcpctl policy rules list\`).`,
      )
    }

    const {refused: _none, ...plan} = planEdit(config, {removeRules: request.patterns})
    return plan
  })
}
