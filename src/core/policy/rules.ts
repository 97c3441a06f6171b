// Rules and ceilings compiled for matching: which rule decides a tool, and which ceiling caps it.
// Indexed by hand (no library matches thousands of globs against tens of thousands of names by segment): a store of
// 20,000 tools against 500 rules must resolve about as fast as against none (`npm run bench`).
import type {Rule} from '../store/schema.js'
import {compareSpecificity, globToRegExp, isGlobPattern, patternSpecificity} from './pattern.js'
import {isLooser, type Permission, strictness} from './permission.js'

/** What the rules say about one tool: the rule that decides its level, and the strictest ceiling over it. */
export interface RuleDecision {
  /** The most specific matching rule that sets a level (DESIGN.md "Policies"). */
  decider?: Rule
  /** The strictest matching ceiling (the most specific among equally strict ones), with its level. */
  ceiling?: Rule & {atMost: Permission}
}

const NONE: RuleDecision = Object.freeze({})

type SegmentMatcher = string | RegExp
const segmentMatcher = (segment: string): SegmentMatcher => (isGlobPattern(segment) ? globToRegExp(segment) : segment)
const segmentMatches = (matcher: SegmentMatcher, value: string) => (typeof matcher === 'string' ? matcher === value : matcher.test(value))

interface CompiledRule {
  connection: SegmentMatcher
  kind: SegmentMatcher
  literal: number
  order: number
  rule: Rule
  tool: string
  wildcards: number
}

/** The text before a segment's first wildcard: tools that do not start with it cannot match. */
const literalPrefix = (segment: string) => {
  const at = segment.search(/[*?]/)
  return at === -1 ? segment : segment.slice(0, at)
}

/**
 * The rules that can match one connection's tools, indexed by the tool segment: exact tool names in a map, globs by
 * their literal prefix (so a tool is tested only against globs whose prefix it starts with). Decisions are memoised
 * per tool name: a fleet has the same apps at many customers, and connections with the same candidate rules share
 * one index.
 */
class ToolIndex {
  private readonly decisions = new Map<string, RuleDecision>()
  private readonly exact = new Map<string, CompiledRule[]>()
  private readonly byPrefix = new Map<string, {regexp: RegExp; rule: CompiledRule}[]>()
  private readonly prefixLengths: number[]

  constructor(candidates: CompiledRule[]) {
    const lengths = new Set<number>()
    for (const rule of candidates) {
      if (!isGlobPattern(rule.tool)) {
        const list = this.exact.get(rule.tool)
        if (list) list.push(rule)
        else this.exact.set(rule.tool, [rule])
        continue
      }

      const prefix = literalPrefix(rule.tool)
      lengths.add(prefix.length)
      const entry = {regexp: globToRegExp(rule.tool), rule}
      const list = this.byPrefix.get(prefix)
      if (list) list.push(entry)
      else this.byPrefix.set(prefix, [entry])
    }

    this.prefixLengths = [...lengths].sort((a, b) => a - b)
  }

  decide(tool: string): RuleDecision {
    const known = this.decisions.get(tool)
    if (known) return known
    const decision = decideAmong(this.matching(tool))
    this.decisions.set(tool, decision)
    return decision
  }

  /** The candidate rules matching `tool`, in rule order. */
  matching(tool: string): CompiledRule[] {
    const matched: CompiledRule[] = [...(this.exact.get(tool) ?? [])]
    for (const length of this.prefixLengths) {
      if (length > tool.length) break
      const globs = this.byPrefix.get(tool.slice(0, length))
      if (globs) for (const glob of globs) if (glob.regexp.test(tool)) matched.push(glob.rule)
    }

    return matched.length > 1 ? matched.sort((a, b) => a.order - b.order) : matched
  }
}

/** Among the rules matching one tool: the most specific that sets a level, and the strictest ceiling. */
function decideAmong(matched: CompiledRule[]): RuleDecision {
  if (matched.length === 0) return NONE
  let decider: CompiledRule | undefined
  let ceiling: CompiledRule | undefined
  for (const rule of matched) {
    if (rule.rule.permission !== undefined && (!decider || compareSpecificity(rule, decider) > 0)) decider = rule
    const atMost = rule.rule.atMost
    if (atMost === undefined) continue
    const current = ceiling?.rule.atMost
    if (current === undefined || strictness(atMost) > strictness(current) || (atMost === current && compareSpecificity(rule, ceiling!) > 0)) ceiling = rule
  }

  return {
    ...(decider ? {decider: decider.rule} : {}),
    ...(ceiling ? {ceiling: ceiling.rule as Rule & {atMost: Permission}} : {}),
  }
}

/** A compiled, ordered set of rules. Build one per command (or store update) and ask it about every tool. */
export class RuleSet {
  readonly rules: readonly Rule[]
  private readonly compiled: CompiledRule[]
  private readonly connections = new Map<string, ToolIndex>()
  private readonly shared = new Map<string, ToolIndex>()

  constructor(rules: readonly Rule[]) {
    this.rules = rules
    this.compiled = rules.map((rule, order) => {
      const [kind, connection, tool] = rule.pattern.split(':')
      return {connection: segmentMatcher(connection), kind: segmentMatcher(kind), order, rule, tool, ...patternSpecificity(rule.pattern)}
    })
  }

  get size(): number {
    return this.rules.length
  }

  /** The decision for the tool `<kind>:<connection>:<tool>`. */
  decide(kind: string, connection: string, tool: string): RuleDecision {
    if (this.compiled.length === 0) return NONE
    return this.forConnection(kind, connection).decide(tool)
  }

  /** The patterns of the rules matching the tool `<kind>:<connection>:<tool>`, in rule order. */
  matching(kind: string, connection: string, tool: string): string[] {
    if (this.compiled.length === 0) return []
    return this.forConnection(kind, connection)
      .matching(tool)
      .map((rule) => rule.rule.pattern)
  }

  private forConnection(kind: string, connection: string): ToolIndex {
    const key = `${kind}:${connection}`
    let index = this.connections.get(key)
    if (index) return index
    const candidates = this.compiled.filter((rule) => segmentMatches(rule.kind, kind) && segmentMatches(rule.connection, connection))
    const signature = candidates.map((rule) => rule.order).join(',')
    index = this.shared.get(signature)
    if (!index) {
      index = new ToolIndex(candidates)
      this.shared.set(signature, index)
    }

    this.connections.set(key, index)
    return index
  }
}

/** Whether a rule's ceiling forbids `level`. */
export const ceilingForbids = (ceiling: RuleDecision['ceiling'], level: Permission): ceiling is Rule & {atMost: Permission} =>
  ceiling !== undefined && isLooser(level, ceiling.atMost)

/** A rule's levels as people read them: `→ disabled`, `at most approval_needed`, or both. */
export function describeLevels(rule: Pick<Rule, 'atMost' | 'permission'>): string {
  const level = rule.permission ? `→ ${rule.permission}` : ''
  const ceiling = rule.atMost ? `${rule.permission ? ', ' : ''}at most ${rule.atMost}` : ''
  return `${level}${ceiling}`
}

/** A rule as people read it: `*:*:delete_* → disabled`, `*:*:run_* at most approval_needed`, or both. */
export const describeRule = (rule: Rule): string => `${rule.pattern} ${describeLevels(rule)}`

/** What is wrong with a rule's levels, worded to follow its name ("rule X …"), or undefined. */
export function ruleProblem(rule: Pick<Rule, 'atMost' | 'permission'>): string | undefined {
  if (rule.permission === undefined && rule.atMost === undefined) return 'needs a level, a ceiling (at most) or both'
  if (rule.atMost === 'auto') return 'has a ceiling of auto, which limits nothing'
  if (rule.permission && rule.atMost && isLooser(rule.permission, rule.atMost)) return `sets ${rule.permission}, looser than its own ceiling (at most ${rule.atMost})`
  return undefined
}
