// `tools accept`: a person has read a changed tool's diff and accepts its new definition. It is one policy edit: the
// "definition changed" flag goes, the class is seeded again, and the tool resolves again — a person's choice stays, a
// tool without one gets the rules' or the new definition's seeded policy.
import {usageError} from '../errors.js'
import type {Context} from '../integrations.js'
import {compareNames, qualifiedToolName} from '../names.js'
import type {Config} from '../store/schema.js'
import {type PolicyEditPlan, planAndApply, planEdit} from './edit.js'
import {compilePatterns} from './pattern.js'

/** A changed tool being accepted, with what the sync recorded about the change. */
export interface AcceptedDefinition {
  /** When the changed definition was found (the sync that flagged it). */
  changedAt: string
  /** The field-level diff from the previous definition (server text: render it inert). */
  diff: string
  name: string
  server: string
  tool: string
}

export interface AcceptPlan extends PolicyEditPlan {
  accepted: AcceptedDefinition[]
}

export interface AcceptResult extends AcceptPlan {
  dryRun: boolean
}

/** Every changed tool the patterns match. A pattern that matches no changed tool is an error, naming what is changed. */
export function planAccept(config: Config, patterns: string[]): AcceptPlan {
  const compiled = compilePatterns(patterns)
  const hits = new Array<number>(patterns.length).fill(0)
  const accepted: AcceptedDefinition[] = []
  let changedTools = 0
  for (const integration of Object.values(config.integrations)) {
    for (const tool of Object.values(integration.tools)) {
      if (!tool.changed) continue
      changedTools++
      const name = qualifiedToolName(integration, tool.name)
      const matched = compiled.match(name)
      if (matched.length === 0) continue
      for (const index of matched) hits[index]++
      accepted.push({changedAt: tool.changed.at, diff: tool.changed.diff, name, server: integration.name, tool: tool.name})
    }
  }

  const unmatched = patterns.filter((_p, i) => hits[i] === 0)
  if (unmatched.length > 0) {
    throw usageError(
      `${unmatched.length === 1 ? 'Pattern' : 'Patterns'} ${unmatched.map((p) => JSON.stringify(p)).join(', ')} matched no tool whose definition changed. Nothing was accepted.`,
      changedTools > 0 ? 'See the changed tools with `mcpctl tools list --changed`.' : 'No changed definition is waiting; `mcpctl tools sync` finds changes.',
    )
  }

  accepted.sort((a, b) => compareNames(a.name, b.name))
  const {refused: _none, ...plan} = planEdit(config, {accept: accepted.map(({server, tool}) => ({server, tool}))})
  return {...plan, accepted}
}

export async function acceptDefinitions(ctx: Pick<Context, 'store'>, request: {dryRun?: boolean; patterns: string[]}): Promise<AcceptResult> {
  if (request.patterns.length === 0) {
    throw usageError('Name the tools to accept.', 'Pass tool names or globs, e.g. `mcpctl tools accept mcp:acme:get_ticket` (see `mcpctl tools list --changed`).')
  }

  return planAndApply(ctx.store, request.dryRun, (config) => planAccept(config, request.patterns))
}
