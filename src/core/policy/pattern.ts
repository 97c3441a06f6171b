// Tool patterns: exact qualified names (`mcp:<server>:<tool>`, `<app>:<connection>:<tool>`) or globs
// (`mcp:acme:delete_*`, `*:*:run_*`), compiled once per command, and what makes one pattern more specific than another.
// Compiled once because `policy set` and `tools list` test every stored tool (tens of thousands) against them.
import {McpctlError} from '../errors.js'
import {TOOL_NAME_FORMS} from '../names.js'

/** A compiled set of patterns: which of them match a qualified tool name. */
export interface PatternSet {
  /** Indexes (into the patterns given), ascending, of the patterns that match `name`. */
  match(name: string): number[]
  /** Whether any pattern matches `name`; cheaper than `match` when the indexes are not needed. */
  matchesAny(name: string): boolean
}

const GLOB_CHARS = /[*?]/

/** Whether a pattern is a glob (may match many tools) rather than one exact name. */
export const isGlobPattern = (pattern: string) => GLOB_CHARS.test(pattern)

// Control, format (bidi, zero-width, tags), separator and lone-surrogate characters: a pattern carrying one
// can match nothing real, and echoing it in an error would reach the terminal.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu

// core may not import ui/text.ts, so the error message escapes the few characters that matter itself.
const quoted = (pattern: string) => `"${pattern.replaceAll(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`)}"`

const notAPattern = (pattern: string, why?: string) =>
  new McpctlError('usage', `Pattern ${quoted(pattern)} is not a tool pattern${why ? ` (${why})` : ''}.`, {
    hint: `Patterns look like ${TOOL_NAME_FORMS}, e.g. mcp:acme:delete_* or *:*:delete_*`,
  })

// The first segment is `mcp` or a catalog app's id (lowercase letters, digits, hyphens), or a glob over them.
const KIND_SEGMENT = /^[\d*?a-z][\d*?a-z-]*$/

/** Throws McpctlError('usage') naming a pattern that is not `<kind>:<connection>:<tool>`. */
export function validatePattern(pattern: string): void {
  INVISIBLE.lastIndex = 0
  if (INVISIBLE.test(pattern)) throw notAPattern(pattern, 'it contains a control or invisible character')
  const segments = pattern.split(':')
  if (segments.length !== 3 || !KIND_SEGMENT.test(segments[0]) || segments.some((segment) => segment === '')) {
    throw notAPattern(pattern)
  }
}

/**
 * A glob as a regular expression. `*` and `?` stay within one segment, so `mcp:*:x` cannot reach across the
 * server/tool boundary. Also used on a single segment (which has no `:`).
 */
export function globToRegExp(pattern: string): RegExp {
  let source = ''
  for (const char of pattern) {
    if (char === '*') source += '[^:]*'
    else if (char === '?') source += '[^:]'
    else source += char.replace(/[\\^$.|+()[\]{}/]/g, '\\$&')
  }
  return new RegExp(`^${source}$`, 'u')
}

/**
 * How specific a pattern is: the fewer wildcards (`*`, `?`), the more specific; among equal counts, the longer the
 * literal text (every other character). An exact name has no wildcard, so it is more specific than any glob.
 */
export function patternSpecificity(pattern: string): {literal: number; wildcards: number} {
  let wildcards = 0
  for (const char of pattern) if (char === '*' || char === '?') wildcards++
  return {literal: [...pattern].length - wildcards, wildcards}
}

/**
 * "Most specific" — defined once, used by rule resolution, `policy set --stdin` lines and policy files alike:
 * fewest wildcards, then the longest literal text, then the later one (higher `order`). Positive when `a` is more
 * specific than `b`.
 */
export function compareSpecificity(
  a: {literal: number; order: number; wildcards: number},
  b: {literal: number; order: number; wildcards: number},
): number {
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards
  if (a.literal !== b.literal) return a.literal - b.literal
  return a.order - b.order
}

/** Throws McpctlError('usage') for a malformed pattern, naming it. */
export function compilePatterns(patterns: string[]): PatternSet {
  const exact = new Map<string, number[]>()
  const globs: {index: number; regexp: RegExp}[] = []

  for (const [index, pattern] of patterns.entries()) {
    validatePattern(pattern)
    if (isGlobPattern(pattern)) {
      globs.push({index, regexp: globToRegExp(pattern)})
    } else {
      const indexes = exact.get(pattern)
      if (indexes) indexes.push(index)
      else exact.set(pattern, [index])
    }
  }

  return {
    match(name) {
      const found = exact.get(name)
      if (globs.length === 0) return found ? [...found] : []
      const result = found ? [...found] : []
      for (const glob of globs) if (glob.regexp.test(name)) result.push(glob.index)
      // Exact and glob indexes interleave; callers report "pattern N matched" in the order given.
      return found && result.length > found.length ? result.sort((a, b) => a - b) : result
    },
    matchesAny(name) {
      return exact.has(name) || globs.some((glob) => glob.regexp.test(name))
    },
  }
}
