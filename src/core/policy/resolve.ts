// The one resolution of a tool's permission (DESIGN.md "Policies"): a person's choice for that tool, else the most
// specific matching rule, else the seeded default; then capped by every matching ceiling, and by a pending definition
// change. Its result is stored on the tool record, so the gateway and `tools call` read one permission and never rules.
import {lookup, toolPrefix} from '../names.js'
import type {Config, Integration, Policy, Rule, Tool} from '../store/schema.js'
import {isLooser} from './permission.js'
import {type ConnectionRules, type RuleDecision, RuleSet} from './rules.js'
import {seedPolicy} from './seed.js'

/** Why a changed tool that was `auto` now needs approval (stored as the policy's reason). */
export const DEFINITION_CHANGED = 'definition changed'

export type ResolvedPolicy = Omit<Policy, 'updatedAt'>

/** What the resolution reads of a tool record. */
export type PolicyInputs = Pick<Tool, 'annotations' | 'changed' | 'choice' | 'declared' | 'description' | 'name' | 'policy'>

const stepOf = (policy: ResolvedPolicy) =>
  policy.source === 'user' ? 'chosen' : policy.source === 'rule' ? `by rule ${policy.rule}` : 'seeded'

/**
 * The seeded default. A stored policy that seeding decided is that seed (seeded when the tool appeared or its
 * definition changed); otherwise — or with `reseed` (`policy reset`) — seeding runs again on the stored name,
 * description and annotations.
 */
function seedOf(tool: PolicyInputs, reseed: boolean): ResolvedPolicy {
  const {permission, reason, source} = tool.policy
  if (!reseed && source === 'default' && reason !== DEFINITION_CHANGED) return {permission, reason, source}
  const seed = seedPolicy({annotations: tool.annotations, declared: tool.declared, description: tool.description, name: tool.name})
  return {permission: seed.permission, reason: seed.reason, source: 'default'}
}

// Built once per rule, not once per tool it decides: a fleet-wide rule decides thousands.
const ruleSteps = new WeakMap<Rule, ResolvedPolicy>()
function ruleStep(rule: Rule): ResolvedPolicy {
  let step = ruleSteps.get(rule)
  if (!step) {
    step = {permission: rule.permission!, reason: `rule ${rule.pattern}`, rule: rule.pattern, source: 'rule'}
    ruleSteps.set(rule, step)
  }

  return step
}

/** Resolve one tool, given what the rules say about it (`RuleSet.decide`). The result may be shared: do not change it. */
export function resolvePolicy(tool: PolicyInputs, decision: RuleDecision, options: {reseed?: boolean} = {}): ResolvedPolicy {
  let resolved: ResolvedPolicy
  if (tool.choice) {
    resolved = {permission: tool.choice.permission, reason: tool.choice.reason, source: 'user'}
  } else if (decision.decider) {
    resolved = ruleStep(decision.decider)
  } else {
    resolved = seedOf(tool, Boolean(options.reseed))
  }

  const {ceiling} = decision
  if (ceiling && isLooser(resolved.permission, ceiling.atMost)) {
    resolved = {
      permission: ceiling.atMost,
      reason: `ceiling ${ceiling.pattern}: at most ${ceiling.atMost} (${resolved.permission} ${stepOf(resolved)})`,
      rule: ceiling.pattern,
      source: 'ceiling',
    }
  }

  // A changed definition may be hostile: it runs unattended only once a person has looked (set it or accepted it).
  if (tool.changed && resolved.permission === 'auto') resolved = {permission: 'approval_needed', reason: DEFINITION_CHANGED, source: 'default'}
  return resolved
}

/** Whether a stored policy already says what the resolution says (then it is left alone, with its time). */
export const sameResolution = (policy: Policy, resolved: ResolvedPolicy) =>
  policy.permission === resolved.permission && policy.source === resolved.source && policy.reason === resolved.reason && policy.rule === resolved.rule

/** Store a resolution on a tool record. Returns whether anything changed. */
export function storeResolution(tool: Tool, resolved: ResolvedPolicy, now: string): boolean {
  if (sameResolution(tool.policy, resolved)) return false
  tool.policy = {...resolved, updatedAt: now}
  if (resolved.rule === undefined) delete tool.policy.rule
  return true
}

/** What the rules say about one tool of one connection. */
export const decisionFor = (rules: RuleSet, integration: Integration, tool: string): RuleDecision => rules.decide(toolPrefix(integration), integration.name, tool)

/** The rules that can match one connection's tools: ask it about each of them (cheaper than `decisionFor` in a loop). */
export const rulesFor = (rules: RuleSet, integration: Integration): ConnectionRules => rules.forConnection(toolPrefix(integration), integration.name)

/**
 * Resolve some (default: all) tools of one connection under the config's rules and store the results: for tools
 * that appear (`integrations add`, `tools sync`) or change. Returns how many policies changed.
 */
export function resolveConnectionTools(config: Config, name: string, now: string, options: {rules?: RuleSet; tools?: Iterable<string>} = {}): number {
  const integration = lookup(config.integrations, name)
  if (!integration) return 0
  const rules = rulesFor(options.rules ?? new RuleSet(config.rules), integration)
  let changed = 0
  for (const toolName of options.tools ?? Object.keys(integration.tools)) {
    const tool = Object.hasOwn(integration.tools, toolName) ? integration.tools[toolName] : undefined
    if (tool && storeResolution(tool, resolvePolicy(tool, rules.decide(tool.name)), now)) changed++
  }

  return changed
}
