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

/** Shorter values would match ordinary text; no credential is this short. */
const MIN_SECRET_LENGTH = 4
/** A base64 run shorter than this could occur by chance in any blob. */
const MIN_BASE64_RUN = 8

const REDACTED = '[redacted]'

/**
 * The forms in which a secret comes back when a server echoes a request: as sent; percent-encoded as a URI component
 * and as a form (where `~` is `%7E` and a space `+`), in either hex case; JSON-escaped (also with `\/` and `\uXXXX`
 * for non-ASCII); and base64 and base64url, alone or inside a longer blob such as Basic `id:secret` — for each of
 * the three alignments, the characters that only the secret's bytes determine.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret])
  const percent = [encodeURIComponent(secret), new URLSearchParams({s: secret}).toString().slice(2)]
  for (const form of percent) {
    forms.add(form)
    forms.add(form.replaceAll(/%[\dA-F]{2}/g, (escape) => escape.toLowerCase()))
  }

  const json = JSON.stringify(secret).slice(1, -1)
  forms.add(json)
  forms.add(json.replaceAll('/', '\\/'))
  forms.add(json.replaceAll(/[^\u0000-\u007F]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`))

  const bytes = Buffer.from(secret)
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64').replace(/=+$/, '')
    const start = [0, 2, 3][offset]
    const end = Math.floor(((offset + bytes.length) * 8) / 6)
    const run = encoded.slice(start, end)
    if (run.length < MIN_BASE64_RUN) continue
    forms.add(run)
    forms.add(run.replaceAll('+', '-').replaceAll('/', '_'))
  }

  return [...forms]
}

/** A function that replaces every form (secretForms) of these secrets with `[redacted]`; short or missing values are skipped. */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const forms = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH).flatMap(secretForms)
  if (forms.length === 0) return (text) => text
  // Longest first, so that a form containing another is replaced whole.
  const pattern = new RegExp(
    forms
      .sort((a, b) => b.length - a.length)
      .map((form) => form.replaceAll(/[$()*+.?[\\\]^{|}]/g, String.raw`\$&`))
      .join('|'),
    'g',
  )
  return (text) => text.replaceAll(pattern, REDACTED)
}

/** `text` with every form of every secret replaced by `[redacted]`. */
export const redact = (text: string, secrets: readonly (string | undefined)[]): string => redactor(secrets)(text)

/**
 * The one way server-supplied text reaches a message, a warning or the store: every form of the connection's secrets
 * removed, then made inert (escape sequences and invisible characters shown as escapes), on one line, shortened.
 */
export function serverText(text: string, secrets: readonly (string | undefined)[], max = 200): string {
  return printable(redact(text, secrets), max)
}

/**
 * A value from a server (a tool definition, a call's result) with the secrets removed from every string in it, keys
 * included. Depth is bounded by the caller's checks (schemas are capped before they are stored); arrays and plain
 * objects are copied, everything else kept.
 */
export function redactDeep<T>(value: T, secrets: readonly (string | undefined)[]): T {
  if (!secrets.some((secret) => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH)) return value
  const clean = redactor(secrets)
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return clean(node)
    if (Array.isArray(node)) return node.map(walk)
    if (node === null || typeof node !== 'object') return node
    // fromEntries defines keys: a `__proto__` key stays a key.
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [clean(key), walk(child)]))
  }

  return walk(value) as T
}
