// Server-supplied text quoted for warnings and error messages, which may reach a terminal or a log.
// (core cannot use ui/text.ts; this is the small subset the network clients need.)

// Controls (ESC, CSI…), format characters (bidi overrides, zero-width), line/paragraph separators, lone surrogates.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu

const escape = (char: string) => {
  let out = ''
  for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`
  return out
}

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text)

/** A JSON string literal with every control, bidi and zero-width character escaped, shortened to `max` characters. */
export function quote(text: string, max = 64): string {
  return JSON.stringify(shorten(text, max)).replaceAll(UNSAFE, escape)
}

/** Free text (e.g. a server's error message) with unsafe characters escaped, on one line, shortened. */
export function printable(text: string, max = 200): string {
  return shorten(text, max).replaceAll(/[\r\n\t]+/g, ' ').replaceAll(UNSAFE, escape)
}
