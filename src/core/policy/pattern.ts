// Tool patterns: exact `mcp:<server>:<tool>` names or globs (`mcp:acme:delete_*`), compiled once per command.
// Compiled once because `policy set` and `tools list` test every stored tool (tens of thousands) against them.
import {McpctlError} from '../errors.js'
import {MCP_PREFIX} from '../names.js'

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
    hint: 'Patterns look like mcp:<server>:<tool>, e.g. mcp:acme:delete_* or mcp:*:list_*',
  })

function validate(pattern: string): void {
  INVISIBLE.lastIndex = 0
  if (INVISIBLE.test(pattern)) throw notAPattern(pattern, 'it contains a control or invisible character')
  const segments = pattern.split(':')
  if (segments.length !== 3 || segments[0] !== MCP_PREFIX || segments.some((segment) => segment === '')) {
    throw notAPattern(pattern)
  }
}

// `*` and `?` stay within one segment, so `mcp:*:x` cannot reach across the server/tool boundary.
function globToRegExp(pattern: string): RegExp {
  let source = ''
  for (const char of pattern) {
    if (char === '*') source += '[^:]*'
    else if (char === '?') source += '[^:]'
    else source += char.replace(/[\\^$.|+()[\]{}/]/g, '\\$&')
  }
  return new RegExp(`^${source}$`, 'u')
}

/** Throws McpctlError('usage') for a malformed pattern, naming it. */
export function compilePatterns(patterns: string[]): PatternSet {
  const exact = new Map<string, number[]>()
  const globs: {index: number; regexp: RegExp}[] = []

  for (const [index, pattern] of patterns.entries()) {
    validate(pattern)
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
