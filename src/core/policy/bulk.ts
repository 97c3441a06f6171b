// `policy set --stdin`: lines of `<pattern> <level>` applied as one change, all or nothing.
// Every bad line is reported with its number before anything is written, so a script can fix them all at once.
import {McpctlError} from '../errors.js'
import {type Context, requireIntegration} from '../integrations.js'
import type {Config} from '../store/schema.js'
import {type PolicyEditPlan, planAndApply, planEdit, refusalError} from './edit.js'
import {compilePatterns, isGlobPattern} from './pattern.js'
import {isPermission, PERMISSIONS} from './permission.js'
import {describeFilter, editForAssignments, type PolicyAssignment, type ToolFilter} from './plan.js'

/** One `<pattern> <level>` line, with its 1-based line number in the input. */
export interface PolicyLine extends PolicyAssignment {
  line: number
}

/** A problem with one line of input (or one entry of a policy file), for `line N: …` messages and `--json`. */
export interface LineProblem {
  line: number
  message: string
}

// Control, format (bidi, zero-width) and separator characters: quoted input must not act on the terminal.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu

/**
 * Input quoted in an error message: shortened (a 10 kB line helps nobody) and with invisible characters as
 * `\u{…}` escapes, since core may not use ui/text.ts and the input may come from a file someone else wrote.
 */
export function quoteInput(text: string): string {
  const short = text.length > 80 ? `${text.slice(0, 79)}…` : text
  return `"${short.replaceAll(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`)}"`
}


/**
 * Policy input (a file, `-f -`, `--stdin`) larger than this is refused unread: an export of 20,000 choices is under
 * 1 MB, and a hostile file must not stall CI or fill memory.
 */
export const MAX_POLICY_INPUT_BYTES = 4 * 1024 * 1024

/** How many problems an error lists (those on the first lines); the rest are counted, not kept. */
export const MAX_LISTED_PROBLEMS = 100

/**
 * The problems found in lines of input, bounded: the first MAX_LISTED_PROBLEMS by line number are kept with their
 * messages and the rest only counted, so a million bad lines cost the memory of a hundred. The same problem twice on
 * one line is kept once.
 */
export class LineProblems {
  readonly #listed: LineProblem[] = []
  // Line numbers only: bounded by the input cap, and a line with two problems counts once.
  readonly #lines = new Set<number>()

  add(line: number, message: string): void {
    const listed = this.#listed
    if (this.#lines.has(line) && listed.some((p) => p.line === line && p.message === message)) return
    this.#lines.add(line)
    if (listed.length >= MAX_LISTED_PROBLEMS && line >= listed.at(-1)!.line) return
    let at = listed.length
    while (at > 0 && listed[at - 1].line > line) at--
    listed.splice(at, 0, {line, message})
    if (listed.length > MAX_LISTED_PROBLEMS) listed.pop()
  }

  /** A copy to add more problems to, leaving this one as it is. */
  copy(): LineProblems {
    const copy = new LineProblems()
    copy.#listed.push(...this.#listed)
    for (const line of this.#lines) copy.#lines.add(line)
    return copy
  }

  /** The kept problems, by line. */
  get listed(): readonly LineProblem[] {
    return this.#listed
  }

  /** Lines with a problem, listed or not. */
  get lines(): number {
    return this.#lines.size
  }

  /** The usage error naming the problems by line, or undefined when there are none. */
  error(what: string, hint?: string): McpctlError | undefined {
    const count = this.#lines.size
    if (count === 0) return undefined
    const listed = this.#listed.map((p) => `  line ${p.line}: ${p.message}`)
    const shownLines = new Set(this.#listed.map((p) => p.line)).size
    if (count > shownLines) listed.push(`  …and ${count - shownLines} more ${count - shownLines === 1 ? 'line' : 'lines'} with problems`)
    return new McpctlError(
      'usage',
      `${count} ${count === 1 ? 'line' : 'lines'} of ${what} ${count === 1 ? 'has a problem' : 'have problems'}; nothing was changed:\n${listed.join('\n')}`,
      {detail: {lines: count, problems: [...this.#listed]}, hint},
    )
  }
}

/** Parse the lines; blank lines and `#` comments are skipped. Returns the entries and the problems found in them. */
export function parsePolicyLines(text: string): {entries: PolicyLine[]; problems: LineProblems} {
  const entries: PolicyLine[] = []
  const problems = new LineProblems()
  let line = 0
  // Line by line, without first splitting the whole input into an array.
  for (const match of text.matchAll(/[^\n]*(?:\n|$)/g)) {
    if (match[0] === '' && match.index === text.length && line > 0) break
    line++
    const content = match[0].trim()
    if (content === '' || content.startsWith('#')) continue
    const words = content.split(/\s+/)
    if (words.length !== 2) {
      problems.add(line, `expected "<pattern> <level>", got ${quoteInput(content)}`)
      continue
    }

    const [pattern, level] = words
    let bad = false
    try {
      compilePatterns([pattern])
    } catch (error) {
      if (!(error instanceof McpctlError)) throw error
      problems.add(line, error.message)
      bad = true
    }

    if (!isPermission(level)) {
      problems.add(line, `${quoteInput(level)} is not a permission level (use one of: ${PERMISSIONS.join(', ')})`)
      bad = true
    }

    if (!bad) entries.push({level: level as PolicyAssignment['level'], line, pattern})
  }

  return {entries, problems}
}

export interface PolicyLinesPlan extends PolicyEditPlan {
  /** How many `<pattern> <level>` lines were read. */
  lines: number
}

/**
 * Plan the lines against a config, as `policy set` plans its arguments: exact names are choices, globs rules, and
 * where lines overlap the most specific decides (fewest wildcards, then the longest literal text, then the later
 * line) — the rule policy files follow too. Throws one usage error naming every bad line (malformed, bad level, bad
 * pattern, an exact name that is no tool), or a policy error naming every choice a ceiling refuses.
 */
export function planPolicyLines(config: Config, text: string, filter: ToolFilter = {}): PolicyLinesPlan {
  if (filter.server) requireIntegration(config, filter.server)
  const {entries, problems} = parsePolicyLines(text)
  const {edit, unmatched} = editForAssignments(config, entries, filter, 'set by user')
  const scope = describeFilter(filter)
  const ignored = []
  for (const entry of unmatched) {
    // Filtered, a glob picks today's tools: matching none is worth a word, not a failure (the fleet may lack them).
    if (scope && isGlobPattern(entry.pattern)) ignored.push({line: entry.line, message: `${entry.pattern} matched no tool (with ${scope})`, pattern: entry.pattern})
    else problems.add(entry.line!, `pattern ${quoteInput(entry.pattern)} matched no tool${scope ? ` (with ${scope})` : ''}`)
  }

  const error = problems.error('input', 'Each line is `<pattern> <level>`, e.g. `mcp:acme:delete_* disabled`; see tool names with `mcpctl tools list`.')
  if (error) throw error
  if (entries.length === 0) {
    throw new McpctlError('usage', 'Standard input held no `<pattern> <level>` lines; nothing was changed.', {
      hint: "Pipe lines in, e.g. `printf 'mcp:acme:delete_* disabled\\n' | mcpctl policy set --stdin`.",
    })
  }

  const {refused, ...plan} = planEdit(config, edit)
  if (refused.length > 0) throw refusalError(refused, 'the input')
  return {...plan, lines: entries.length, warnings: [...ignored, ...plan.warnings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0))}
}

export interface PolicyLinesResult extends PolicyLinesPlan {
  dryRun: boolean
}

/** Plan and (unless dry-run) apply in one store update, so the plan is computed on the config that is written. */
export async function setPoliciesFromLines(
  ctx: Pick<Context, 'store'>,
  request: {dryRun?: boolean; filter?: ToolFilter; text: string},
): Promise<PolicyLinesResult> {
  return planAndApply(ctx.store, request.dryRun, (config) => planPolicyLines(config, request.text, request.filter))
}
