// How every policy edit prints its plan (policy set, --stdin, rules add/remove, apply, reset): rule changes, dropped
// choices and lines that decide nothing on stderr, then one row per tool whose permission changes.
import type {PolicyEditPlan, RuleChange} from '../core/policy/edit.js'
import {describeLevels, describeRule} from '../core/policy/rules.js'
import {type Column, decidedBy} from './output.js'

export interface PlanOutput {
  note(message: string): void
  table<Row>(rows: Row[], columns: Column<Row>[]): void
  warn(message: string): void
}

const tools = (count: number) => `${count} tool${count === 1 ? '' : 's'}`

function ruleLine(change: RuleChange, dryRun: boolean): string {
  const verb = {added: 'add', moved: 'move', removed: 'remove', replaced: 'replace'}[change.action]
  const done = {added: 'Added', moved: 'Moved', removed: 'Removed', replaced: 'Replaced'}[change.action]
  const head = `${dryRun ? `Would ${verb}` : done} rule ${describeRule(change)}`
  const was = change.previous ? ` (was ${describeLevels(change.previous)})` : ''
  if (change.action === 'removed') return `${head}${was}: it matched ${tools(change.matches)}.`
  if (change.matches === 0) return `${head}${was}: it matches no tool today and applies to tools that appear later.`
  const decides = change.permission === undefined ? '' : `, decides ${change.decides}`
  return `${head}${was}: matches ${tools(change.matches)} today${decides}.`
}

/** Notes, warnings and the table of changed tools. `summary` is the sentence before the table. */
export function renderPolicyPlan(out: PlanOutput, plan: PolicyEditPlan & {dryRun: boolean}, summary?: string): void {
  for (const change of plan.rules) out.note(ruleLine(change, plan.dryRun))
  for (const dropped of plan.dropped) {
    out.note(`${plan.dryRun ? 'Would drop' : 'Dropped'} the choice ${dropped.name} ${dropped.permission}: ceiling ${dropped.ceiling} forbids it.`)
  }

  for (const warning of plan.warnings) out.warn(`${warning.line === undefined ? '' : `line ${warning.line}: `}${warning.message}`)
  const count = plan.changes.length
  out.note(summary ?? `${plan.dryRun ? 'Would change' : 'Changed'} ${tools(count)}${plan.unchanged ? ` (${plan.unchanged} already as planned)` : ''}.`)
  out.table(plan.changes, [
    {get: (c) => c.name, header: 'TOOL'},
    {get: (c) => `${c.from} (${c.fromSource})`, header: 'FROM'},
    {get: (c) => `${c.to} (${decidedBy({rule: c.rule, source: c.toSource})})`, header: 'TO'},
  ])
}
