// Every policy edit — rules add/remove, `policy set` (arguments or --stdin), `policy apply`, `policy reset` — is one
// PolicyEdit: planned on the config (which tools change, which choices a ceiling refuses or drops, which lines decide
// nothing), then applied in one store write, re-resolving exactly the tools the edit can affect.
import {McpctlError} from '../errors.js'
import type {Context} from '../integrations.js'
import {compareNames, lookup, qualifiedToolName} from '../names.js'
import type {Choice, Config, Rule, Tool} from '../store/schema.js'
import type {Permission, PolicySource} from './permission.js'
import {type ResolvedPolicy, resolvePolicy, rulesFor, sameResolution, storeResolution} from './resolve.js'
import {ceilingForbids, RuleSet} from './rules.js'
import {seedPolicy} from './seed.js'

/** A rule to add, or to replace the rule with the same pattern. `line`: where it came from (stdin, a policy file). */
export interface RuleInput {
  atMost?: Permission
  line?: number
  pattern: string
  permission?: Permission
}

/** A person's choice for one existing tool. */
export interface ChoiceInput {
  line?: number
  permission: Permission
  reason: string
  server: string
  tool: string
}

export interface PolicyEdit {
  /**
   * Tools whose changed definition a person read and accepted (`tools accept`): the "definition changed" flag goes, the
   * class is seeded again from the new definition, and the tool resolves again (its choice, if any, stays).
   */
  accept?: {server: string; tool: string}[]
  /**
   * Tools whose choice goes. A pending "definition changed" stays: going back to the defaults is not reading a possibly
   * hostile new definition, so the tool stays approval_needed until someone sets it or accepts it.
   */
  clearChoices?: {server: string; tool: string}[]
  choices?: ChoiceInput[]
  /** Patterns of rules to remove (the caller checks that they exist). */
  removeRules?: string[]
  /** The rules become exactly `rules`, in their order (`policy apply --prune`). */
  replaceRules?: boolean
  /** Added in order (appended), or replacing the rule with the same pattern in its place. */
  rules?: RuleInput[]
}

export interface RuleChange {
  action: 'added' | 'moved' | 'removed' | 'replaced'
  atMost?: Permission
  /** Tools it decides (sets the level of) after the edit: matched, with no choice and no more specific rule. */
  decides: number
  line?: number
  /** Tools it matches today. */
  matches: number
  pattern: string
  permission?: Permission
  /** The rule before a replacement. */
  previous?: Pick<Rule, 'atMost' | 'permission'>
}

/** One tool whose resolved permission (or the step that decided it) changes. */
export interface ToolChange {
  from: Permission
  fromSource: PolicySource
  name: string
  reason: string
  /** The rule that decides (source rule) or caps (source ceiling) it after the edit. */
  rule?: string
  server: string
  to: Permission
  tool: string
  toSource: PolicySource
}

/** A choice a new ceiling forbids: it is removed, and the tool resolves under the ceiling. */
export interface DroppedChoice {
  ceiling: string
  name: string
  permission: Permission
}

/** A line (of stdin or a policy file) or argument that decides nothing for the tools it names. */
export interface EditWarning {
  line?: number
  message: string
  pattern: string
}

const EDIT = Symbol('policy edit')

interface Mutation {
  /** The tool's choice after the edit (undefined: none). */
  choice: Choice | undefined
  clearChanged: boolean
  policy: ResolvedPolicy
  reclass?: Tool['class']
  server: string
  tool: string
}

export interface PolicyEditPlan {
  changes: ToolChange[]
  dropped: DroppedChoice[]
  rules: RuleChange[]
  /** Tools the edit concerns whose policy stays as it is. */
  unchanged: number
  warnings: EditWarning[]
  /** What applying writes; symbol-keyed, so never part of `--json` output. */
  [EDIT]: {mutations: Mutation[]; rules?: Rule[]}
}

/** A choice a ceiling refuses. */
export interface Refusal {
  atMost: Permission
  ceiling: string
  line?: number
  name: string
  permission: Permission
}

/** The error for choices a ceiling refuses (exit 7, kind `policy`), every one named with its line when it has one. */
export function refusalError(refused: Refusal[], what?: string): McpctlError {
  const first = refused[0]
  const lines = refused.map((r) => `${r.line === undefined ? '' : `line ${r.line}: `}${r.name} cannot be ${r.permission}: ceiling ${r.ceiling} allows at most ${r.atMost}`)
  const message =
    refused.length === 1 && first.line === undefined
      ? `${lines[0]}. Nothing was changed.`
      : `${refused.length} ${refused.length === 1 ? 'choice' : 'choices'}${what ? ` in ${what}` : ''} ${refused.length === 1 ? 'is' : 'are'} looser than a ceiling allows; nothing was changed:\n${lines.map((l) => `  ${l}`).join('\n')}`
  return new McpctlError('policy', message, {
    detail: {refused},
    hint: `Choose ${first.atMost} or stricter, or ask whoever owns the ceiling to remove it (\`mcpctl policy rules remove '${first.ceiling}'\`).`,
  })
}

const ruleKey = (rule: Pick<Rule, 'atMost' | 'permission'>) => `${rule.permission ?? ''}/${rule.atMost ?? ''}`
const toRule = ({atMost, pattern, permission}: RuleInput): Rule => ({pattern, ...(permission ? {permission} : {}), ...(atMost ? {atMost} : {})})
const toolKey = (server: string, tool: string) => `${server}\u0000${tool}`

/** The rules after the edit, and what changed about each. */
function nextRules(
  current: readonly Rule[],
  edit: PolicyEdit,
  warnings: EditWarning[],
): {changes: Omit<RuleChange, 'decides' | 'matches'>[]; inputs: Map<string, RuleInput>; rules: Rule[]} {
  // A pattern given twice: the later input replaces the earlier, which then decides nothing.
  const inputs = new Map<string, RuleInput>()
  for (const input of edit.rules ?? []) {
    const earlier = inputs.get(input.pattern)
    if (earlier) {
      warnings.push({line: earlier.line, message: `${input.pattern} is given again${input.line === undefined ? '' : ` on line ${input.line}`}, which replaces it`, pattern: input.pattern})
      inputs.delete(input.pattern)
    }

    inputs.set(input.pattern, input)
  }

  const removed = new Set(edit.removeRules ?? [])
  let rules: Rule[]
  if (edit.replaceRules) {
    rules = [...inputs.values()].map(toRule)
  } else {
    rules = current.filter((rule) => !removed.has(rule.pattern)).map((rule) => (inputs.has(rule.pattern) ? toRule(inputs.get(rule.pattern)!) : rule))
    const kept = new Set(rules.map((rule) => rule.pattern))
    for (const input of inputs.values()) if (!kept.has(input.pattern)) rules.push(toRule(input))
  }

  const before = new Map(current.map((rule, index) => [rule.pattern, {index, rule}]))
  const after = new Set(rules.map((rule) => rule.pattern))
  const changes: Omit<RuleChange, 'decides' | 'matches'>[] = []
  // Order matters only among equally specific rules, but a reordered file is still a change to apply.
  const keptBefore = current.filter((rule) => after.has(rule.pattern)).map((rule) => rule.pattern)
  const keptAfter = rules.filter((rule) => before.has(rule.pattern)).map((rule) => rule.pattern)
  for (const rule of rules) {
    const old = before.get(rule.pattern)
    const line = inputs.get(rule.pattern)?.line
    if (!old) changes.push({action: 'added', ...rule, line})
    else if (ruleKey(old.rule) !== ruleKey(rule)) changes.push({action: 'replaced', ...rule, line, previous: {atMost: old.rule.atMost, permission: old.rule.permission}})
    else if (keptBefore.indexOf(rule.pattern) !== keptAfter.indexOf(rule.pattern)) changes.push({action: 'moved', ...rule, line})
  }

  for (const rule of current) if (!after.has(rule.pattern)) changes.push({action: 'removed', ...rule})
  return {changes, inputs, rules}
}

/**
 * Plan an edit on a config. Only tools the edit can affect are resolved again: those matched by a rule it adds,
 * replaces, moves, removes or restates, and those whose choice it sets or clears. A choice looser than a ceiling is
 * refused (`refused`, non-empty: nothing may be written); an existing choice that a new ceiling forbids is dropped.
 */
export function planEdit(config: Config, edit: PolicyEdit): PolicyEditPlan & {refused: Refusal[]} {
  const warnings: EditWarning[] = []
  const {changes: ruleChanges, inputs, rules} = nextRules(config.rules, edit, warnings)
  const rulesChanged = ruleChanges.length > 0
  const finalRules = new RuleSet(rules)

  // Patterns whose tools must be looked at: every rule the edit mentions or changes.
  const touchedList = [...new Set([...inputs.keys(), ...ruleChanges.map((change) => change.pattern)])]
  const touchedSet = new RuleSet(touchedList.map((pattern) => ({pattern, permission: 'auto' as const})))
  const matches = new Map<string, number>(touchedList.map((pattern) => [pattern, 0]))
  const decides = new Map<string, number>(touchedList.map((pattern) => [pattern, 0]))

  const setChoices = new Map<string, ChoiceInput>()
  for (const choice of edit.choices ?? []) {
    const key = toolKey(choice.server, choice.tool)
    const earlier = setChoices.get(key)
    if (earlier) {
      const name = qualifiedToolName(lookup(config.integrations, choice.server) ?? {name: choice.server}, choice.tool)
      warnings.push({line: earlier.line, message: `${name} is set again${choice.line === undefined ? '' : ` on line ${choice.line}`}, which decides it`, pattern: name})
      setChoices.delete(key)
    }

    setChoices.set(key, choice)
  }

  const cleared = new Set((edit.clearChoices ?? []).map((c) => toolKey(c.server, c.tool)))
  const accepted = new Set((edit.accept ?? []).map((c) => toolKey(c.server, c.tool)))

  const changes: ToolChange[] = []
  const dropped: DroppedChoice[] = []
  const refused: Refusal[] = []
  const mutations: Mutation[] = []
  let unchanged = 0
  for (const integration of Object.values(config.integrations)) {
    const touchedHere = rulesFor(touchedSet, integration)
    const rulesHere = rulesFor(finalRules, integration)
    for (const tool of Object.values(integration.tools)) {
      const key = toolKey(integration.name, tool.name)
      const choiceInput = setChoices.get(key)
      const clearing = cleared.has(key)
      const accepting = accepted.has(key) && tool.changed !== undefined
      const matched = touchedList.length > 0 ? touchedHere.matching(tool.name) : []
      if (matched.length === 0 && !choiceInput && !clearing && !accepting) continue

      const name = qualifiedToolName(integration, tool.name)
      const decision = rulesHere.decide(tool.name)
      let choice: Choice | undefined = clearing ? undefined : tool.choice
      let clearChanged = accepting
      if (choiceInput) {
        if (ceilingForbids(decision.ceiling, choiceInput.permission)) {
          refused.push({atMost: decision.ceiling.atMost, ceiling: decision.ceiling.pattern, line: choiceInput.line, name, permission: choiceInput.permission})
          continue
        }

        // Restating a choice keeps it (and its time); either way a person has now looked at a changed definition.
        if (choice?.permission !== choiceInput.permission) choice = {permission: choiceInput.permission, reason: choiceInput.reason, updatedAt: ''}
        clearChanged = tool.changed !== undefined
      } else if (choice && ceilingForbids(decision.ceiling, choice.permission)) {
        dropped.push({ceiling: decision.ceiling.pattern, name, permission: choice.permission})
        choice = undefined
      }

      for (const pattern of matched) matches.set(pattern, matches.get(pattern)! + 1)
      if (!choice && decision.decider && decides.has(decision.decider.pattern)) decides.set(decision.decider.pattern, decides.get(decision.decider.pattern)! + 1)

      // The tool as it will be: a copy only when the edit changes its choice or clears its changed flag.
      const subject = choice === tool.choice && !clearChanged ? tool : {...tool, changed: clearChanged ? undefined : tool.changed, choice}
      const resolved = resolvePolicy(subject, decision, {reseed: clearing})
      const choiceChanged = choice !== tool.choice
      if (sameResolution(tool.policy, resolved)) {
        unchanged++
        if (!choiceChanged && !clearChanged) continue
      } else {
        changes.push({
          from: tool.policy.permission,
          fromSource: tool.policy.source,
          name,
          reason: resolved.reason,
          ...(resolved.rule === undefined ? {} : {rule: resolved.rule}),
          server: integration.name,
          to: resolved.permission,
          tool: tool.name,
          toSource: resolved.source,
        })
      }

      const reclass = clearing || accepting ? seedPolicy({annotations: tool.annotations, declared: tool.declared, description: tool.description, name: tool.name}).class : undefined
      mutations.push({choice, clearChanged, policy: resolved, ...(reclass && reclass !== tool.class ? {reclass} : {}), server: integration.name, tool: tool.name})
    }
  }

  const ruleReport: RuleChange[] = ruleChanges.map((change) => ({...change, decides: decides.get(change.pattern) ?? 0, matches: matches.get(change.pattern) ?? 0}))
  for (const input of inputs.values()) {
    if (input.permission === undefined) continue
    const matched = matches.get(input.pattern) ?? 0
    if (matched > 0 && decides.get(input.pattern) === 0) {
      warnings.push({
        line: input.line,
        message: `${input.pattern} decides none of the ${matched} tool${matched === 1 ? '' : 's'} it matches: each has a person's choice or a more specific rule`,
        pattern: input.pattern,
      })
    }
  }

  changes.sort((a, b) => compareNames(a.name, b.name))
  dropped.sort((a, b) => compareNames(a.name, b.name))
  warnings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
  return {
    changes,
    dropped,
    refused,
    rules: ruleReport,
    unchanged,
    warnings,
    [EDIT]: {mutations, ...(rulesChanged ? {rules} : {})},
  }
}

/** Apply a plan to the config it was planned on (inside the same store update). */
export function applyEdit(config: Config, plan: PolicyEditPlan, now: string): void {
  const {mutations, rules} = plan[EDIT]
  if (rules) config.rules = rules
  for (const mutation of mutations) {
    const integration = lookup(config.integrations, mutation.server)
    const tool = integration && lookup(integration.tools, mutation.tool)
    if (!tool) continue
    if (mutation.choice === undefined) delete tool.choice
    else tool.choice = mutation.choice.updatedAt === '' ? {...mutation.choice, updatedAt: now} : mutation.choice
    if (mutation.clearChanged) delete tool.changed
    if (mutation.reclass) tool.class = mutation.reclass
    storeResolution(tool, mutation.policy, now)
  }
}

/** Whether applying the plan would write anything. */
export const editWrites = (plan: PolicyEditPlan) => plan[EDIT].mutations.length > 0 || plan[EDIT].rules !== undefined

/** Thrown inside a store update to leave without writing: nothing is written when the change function throws. */
class NothingToWrite<T> extends Error {
  constructor(readonly result: T) {
    super('nothing to write')
  }
}

/**
 * Every policy edit: with `dryRun`, the plan on a snapshot; otherwise plan and apply under the store lock, on the
 * config that is written, in one write. Nothing is written when the plan changes nothing (re-applying a policy leaves
 * the file and its modification time alone); when rules stay as they were, only the touched integrations are
 * validated again before the write.
 */
export async function planAndApply<P extends PolicyEditPlan>(store: Context['store'], dryRun: boolean | undefined, plan: (config: Config) => P): Promise<P & {dryRun: boolean}> {
  if (dryRun) return {...plan(await store.read()), dryRun: true}
  try {
    return await store.update((config, tx) => {
      const planned = {...plan(config), dryRun: false}
      if (!editWrites(planned)) throw new NothingToWrite(planned)
      applyEdit(config, planned, new Date().toISOString())
      tx.onlyChanged(planned[EDIT].mutations.map((m) => m.server))
      return planned
    })
  } catch (error) {
    if (error instanceof NothingToWrite) return error.result as P & {dryRun: boolean}
    throw error
  }
}
