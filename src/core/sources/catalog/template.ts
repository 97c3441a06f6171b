// `{key}` templates of app definitions, filled from a connection's fields or a tool's arguments. Hand-written: the
// rules (absent values drop a parameter or property, `{key}` alone keeps the argument's JSON type) are the format's own.

/** Values a template may name: field values (strings) or tool arguments (any JSON). */
export type TemplateValues = Readonly<Record<string, unknown>>

const PLACEHOLDER = /\{([A-Za-z0-9_$-]+)\}/g
const WHOLE = /^\{([A-Za-z0-9_$-]+)\}$/

/** The keys a template names. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1])
}

const absent = (value: unknown) => value === undefined || value === null || value === ''

const asText = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value))

/**
 * Fill `template`; undefined when it names an absent value (the caller then leaves out the header, parameter or
 * URL). `encode` is applied to each inserted value (path segments: encodeURIComponent).
 */
export function fill(template: string, values: TemplateValues, encode: (text: string) => string = (text) => text): string | undefined {
  let missing = false
  const filled = template.replaceAll(PLACEHOLDER, (_match, key: string) => {
    const value = Object.hasOwn(values, key) ? values[key] : undefined
    if (absent(value)) {
      missing = true
      return ''
    }

    return encode(asText(value))
  })
  return missing ? undefined : filled
}

/** Every entry of a template map that can be filled (`query`, `headers`, token parameters). */
export function fillAll(templates: Readonly<Record<string, string>> | undefined, values: TemplateValues): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, template] of Object.entries(templates ?? {})) {
    const value = fill(template, values)
    if (value !== undefined) out[key] = value
  }

  return out
}

/**
 * A JSON body from its template: `"{key}"` alone becomes the value with its own JSON type, other strings are
 * filled as text; a property whose value is absent is left out; `{"$if": "key", "then": x}` is x when key is present.
 * Returns undefined for an absent value (so the enclosing property or array item is left out).
 */
export function fillBody(template: unknown, values: TemplateValues): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template)
    if (whole) {
      const value = Object.hasOwn(values, whole[1]) ? values[whole[1]] : undefined
      return absent(value) ? undefined : value
    }

    return fill(template, values)
  }

  if (Array.isArray(template)) return template.map((item) => fillBody(item, values)).filter((item) => item !== undefined)
  if (template && typeof template === 'object') {
    const object = template as Record<string, unknown>
    if (typeof object.$if === 'string' && Object.keys(object).length === 2 && 'then' in object) {
      return absent(values[object.$if]) ? undefined : fillBody(object.then, values)
    }

    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(object)) {
      const filled = fillBody(value, values)
      if (filled !== undefined) out[key] = filled
    }

    return out
  }

  return template
}

/** The value at a JSON pointer (RFC 6901), or undefined. */
export function atPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document
  let current = document
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }

  return current
}
