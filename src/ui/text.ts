// Server-supplied text made inert before it reaches a terminal, and JSON that escapes the same characters.
// Names and descriptions come from servers that may be hostile (DESIGN.md "Untrusted server content").

// Everything a terminal may act on or that hides from a reader: C0, DEL and C1 controls (\p{Cc}, which
// includes ESC and the 8-bit CSI U+009B), format characters (\p{Cf}: bidi overrides and isolates, LRM/RLM,
// ALM, zero-width space/joiners, word joiner, BOM, and the invisible "tag" characters U+E0000–E007F used to
// smuggle instructions past a human reviewer), the line/paragraph separators, lone surrogates, and the other
// default-ignorable code points (Hangul fillers, unassigned U+2065, …) that render as nothing.
// Variation selectors 1–16 stay: emoji need U+FE0F. The supplement (U+E0100–E01EF) does not, and a run of
// those after a character can carry a hidden byte payload, so it is escaped.
const HIDDEN = String.raw`(?![\uFE00-\uFE0F])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]`
const UNSAFE = new RegExp(HIDDEN, 'gu')

// Layout whitespace is folded rather than escaped: descriptions legitimately span lines, and a `\r` must
// never return the cursor to overwrite what was printed before it.
const LAYOUT = /[\t\n\r]+/g

/** `\x1b` for one byte, `\u202e` for the BMP, `\u{e0041}` beyond it: visible, and unambiguous to a reviewer. */
export function visibleEscape(char: string): string {
  const code = char.codePointAt(0)!
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`
  return `\\u{${code.toString(16)}}`
}

/**
 * Replace control characters, escape sequences (CSI/OSC/…), bidi overrides and zero-width characters with
 * visible escapes like `\x1b` / `\u202e`; fold runs of newlines, tabs and carriage returns into one space.
 * An escape sequence loses its ESC (or 8-bit introducer), so the rest of it (`[31m`, `]8;;https://…`) is
 * left as plain text: harmless without the introducer, and it shows the reviewer what the server tried.
 */
export function inert(text: string): string {
  return text.replaceAll(LAYOUT, ' ').replaceAll(UNSAFE, visibleEscape)
}

/** Shorten to at most `max` characters (code points), ending with `…` when shortened. For table cells. */
export function truncate(text: string, max: number): string {
  if (max < 1) return ''
  // Fast path: the UTF-16 length is never less than the code-point count.
  if (text.length <= max) return text
  // Walk code points (never splitting a surrogate pair) and stop at the first one past `max`, so a huge
  // description costs no more than a short one.
  let count = 0
  let kept = 0
  let offset = 0
  for (const char of text) {
    if (count === max) return `${text.slice(0, kept)}…`
    count++
    offset += char.length
    if (count === max - 1) kept = offset
  }
  return text
}

// In JSON output the same characters are escaped, except C0: JSON.stringify has escaped C0 already (and lone
// surrogates), and the raw newlines left are the indented layout.
const JSON_UNSAFE = new RegExp(`(?![\\n])${HIDDEN}`, 'gu')

const jsonEscape = (char: string) => {
  let escaped = ''
  // Astral characters (the tag block) are written as their UTF-16 surrogate pair, as JSON requires.
  for (let i = 0; i < char.length; i++) escaped += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`
  return escaped
}

/**
 * JSON.stringify, then escape DEL, C1, U+2028/2029, bidi controls and zero-width characters as \uXXXX so a
 * terminal shows them inert. Still valid JSON that parses back to the same value: outside strings
 * JSON.stringify emits only ASCII, so every replaced character sits inside a string, where `\uXXXX` means
 * the same character. `undefined` (which JSON.stringify turns into no text at all) is written as `null`.
 */
export function safeJson(value: unknown, indent = 2): string {
  const json = (JSON.stringify(value, null, indent) as string | undefined) ?? 'null'
  // Every character JSON_UNSAFE matches is DEL or above; a plain scan for those is far cheaper than the Unicode-property
  // pattern on megabytes of all-ASCII output (20,000 tools).
  return NON_ASCII_OR_DEL.test(json) ? json.replaceAll(JSON_UNSAFE, jsonEscape) : json
}

const NON_ASCII_OR_DEL = /[\u007F-\uFFFF]/
