// Rules and ceilings compiled for matching: which rule decides a tool, and which ceiling caps it.
// Indexed by hand (no library matches hundreds of globs against tens of thousands of names by segment): a store of
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

/** One segment of a pattern: `*` (anything), a literal, or a glob compiled on first use (most never are). */
class Segment {
  readonly any: boolean
  readonly literal: boolean
  /** The text before the first wildcard: a value that does not start with it cannot match. */
  readonly prefix: string
  private regexp?: RegExp

  constructor(readonly text: string) {
    this.any = text === '*'
    this.literal = !isGlobPattern(text)
    const at = text.search(/[*?]/)
    this.prefix = at === -1 ? text : text.slice(0, at)
  }

  matches(value: string): boolean {
    if (this.any) return true
    if (this.literal) return value === this.text
    if (!value.startsWith(this.prefix)) return false
    this.regexp ??= globToRegExp(this.text)
    return this.regexp.test(value)
  }
}

interface CompiledRule {
  connection: Segment
  kind: Segment
  literal: number
  order: number
  rule: Rule
  tool: Segment
  wildcards: number
}

const byOrder = (a: CompiledRule, b: CompiledRule) => a.order - b.order

interface Memo {
  decision: RuleDecision
  matched: CompiledRule[]
  patterns: string[]
}

/**
 * Rules indexed by their tool segment: exact tool names in a map, globs by their literal prefix (so a tool is tested
 * only against globs whose prefix it starts with), with every answer memoised per tool name. Built for the rules that
 * hold for every connection (`*:*:delete_*`, `mcp:*:list_*`) and shared by all connections of a kind, so across a
 * fleet — the same apps at many customers — each tool name is worked out once per command.
 */
class ToolIndex {
  private readonly memo = new Map<string, Memo>()
  private readonly exact = new Map<string, CompiledRule[]>()
  private readonly byPrefix = new Map<string, CompiledRule[]>()
  private readonly prefixLengths: number[]

  constructor(candidates: CompiledRule[]) {
    const lengths = new Set<number>()
    for (const rule of candidates) {
      const [map, key] = rule.tool.literal ? [this.exact, rule.tool.text] : [this.byPrefix, rule.tool.prefix]
      if (map === this.byPrefix) lengths.add(key.length)
      const list = map.get(key)
      if (list) list.push(rule)
      else map.set(key, [rule])
    }

    this.prefixLengths = [...lengths].sort((a, b) => a - b)
  }

  lookup(tool: string): Memo {
    let known = this.memo.get(tool)
    if (known) return known
    const exact = this.exact.get(tool)
    const matched: CompiledRule[] = exact ? [...exact] : []
    for (const length of this.prefixLengths) {
      if (length > tool.length) break
      const globs = this.byPrefix.get(tool.slice(0, length))
      if (globs) for (const rule of globs) if (rule.tool.matches(tool)) matched.push(rule)
    }

    matched.sort(byOrder)
    known = {decision: decideAmong(matched), matched, patterns: matched.map((rule) => rule.rule.pattern)}
    this.memo.set(tool, known)
    return known
  }
}

const EMPTY_INDEX = new ToolIndex([])

/**
 * What the rules say about the tools of one connection: the shared index of the rules for every connection, plus the
 * few that name this one (`*:acme:run_*`, `mcp:acme-*:*`), tested directly.
 */
export class ConnectionRules {
  private readonly none: boolean

  constructor(
    private readonly shared: ToolIndex,
    private readonly own: CompiledRule[],
  ) {
    this.none = shared === EMPTY_INDEX && own.length === 0
  }

  decide(tool: string): RuleDecision {
    if (this.none) return NONE
    const common = this.shared.lookup(tool)
    // Most tools match none of the connection's own rules: no allocation for them.
    let mine: CompiledRule[] | undefined
    for (const rule of this.own) if (rule.tool.matches(tool)) (mine ??= []).push(rule)
    return mine === undefined ? common.decision : decideAmong([...common.matched, ...mine].sort(byOrder))
  }

  /** The patterns of the rules matching `tool`, in rule order (possibly a shared array: do not change it). */
  matching(tool: string): readonly string[] {
    if (this.none) return []
    const common = this.shared.lookup(tool)
    let mine: CompiledRule[] | undefined
    for (const rule of this.own) if (rule.tool.matches(tool)) (mine ??= []).push(rule)
    if (mine === undefined) return common.patterns
    return [...common.matched, ...mine].sort(byOrder).map((rule) => rule.rule.pattern)
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
  /** Rules naming their connection (`*:acme:run_*`), by that name. */
  private readonly byConnection = new Map<string, CompiledRule[]>()
  private readonly connections = new Map<string, ConnectionRules>()
  /** Rules whose connection segment is a glob (`*`, `acme-*`). */
  private readonly globConnection: CompiledRule[] = []
  private readonly shared = new Map<string, ToolIndex>()

  constructor(rules: readonly Rule[]) {
    this.rules = rules
    for (const [order, rule] of rules.entries()) {
      const [kind, connection, tool] = rule.pattern.split(':')
      const compiled: CompiledRule = {
        connection: new Segment(connection),
        kind: new Segment(kind),
        order,
        rule,
        tool: new Segment(tool),
        ...patternSpecificity(rule.pattern),
      }
      if (!compiled.connection.literal) this.globConnection.push(compiled)
      else {
        const list = this.byConnection.get(connection)
        if (list) list.push(compiled)
        else this.byConnection.set(connection, [compiled])
      }
    }
  }

  get size(): number {
    return this.rules.length
  }

  /**
   * The rules that can match the tools of `<kind>:<connection>:…`: ask it about each tool of that connection. Rules
   * for every connection (`*:*:delete_*`, `mcp:*:list_*`) go into an index shared by all connections of the kind;
   * the few others that match this connection (`*:acme:run_*`, `mcp:acme-*:*`) are tested one by one.
   */
  forConnection(kind: string, connection: string): ConnectionRules {
    const key = `${kind}:${connection}`
    let found = this.connections.get(key)
    if (found) return found
    const everywhere: CompiledRule[] = []
    const own = (this.byConnection.get(connection) ?? []).filter((rule) => rule.kind.matches(kind))
    for (const rule of this.globConnection) {
      if (!rule.kind.matches(kind)) continue
      if (rule.connection.any) everywhere.push(rule)
      else if (rule.connection.matches(connection)) own.push(rule)
    }

    own.sort(byOrder)
    let shared = EMPTY_INDEX
    if (everywhere.length > 0) {
      const signature = everywhere.map((rule) => rule.order).join(',')
      shared = this.shared.get(signature) ?? new ToolIndex(everywhere)
      this.shared.set(signature, shared)
    }

    found = new ConnectionRules(shared, own)
    this.connections.set(key, found)
    return found
  }

  /** The decision for the tool `<kind>:<connection>:<tool>`. */
  decide(kind: string, connection: string, tool: string): RuleDecision {
    if (this.rules.length === 0) return NONE
    return this.forConnection(kind, connection).decide(tool)
  }

  /** The patterns of the rules matching the tool `<kind>:<connection>:<tool>`, in rule order. */
  matching(kind: string, connection: string, tool: string): readonly string[] {
    if (this.rules.length === 0) return []
    return this.forConnection(kind, connection).matching(tool)
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
