// A tool's input schema as the argument list a person reads before `tools call`: name, type, required, description.
// Top-level properties only (nested objects show as `object`; `tools show --json` has the whole schema). The schema is
// server text: every part is made inert by the table that renders it.

export interface ToolArgument {
  description: string
  name: string
  required: boolean
  /** `string`, `integer`, `array of string`, `"low" | "high"`, `string | null`, … with `= default` when there is one. */
  type: string
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

/** A schema's type in a few words; one level into arrays and unions (deeper nesting is for --json). */
function typeOf(schema: unknown, depth = 0): string {
  if (!isObject(schema)) return 'any'
  if (Array.isArray(schema.enum)) return schema.enum.slice(0, 8).map((value) => JSON.stringify(value)).join(' | ') + (schema.enum.length > 8 ? ' | …' : '')
  if ('const' in schema) return JSON.stringify(schema.const)
  const union = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined
  if (union && depth < 2) return union.slice(0, 6).map((member) => typeOf(member, depth + 1)).join(' | ')
  const types = Array.isArray(schema.type) ? schema.type.filter((t): t is string => typeof t === 'string') : typeof schema.type === 'string' ? [schema.type] : []
  const named = types.map((type) => (type === 'array' && depth < 2 && isObject(schema.items) ? `array of ${typeOf(schema.items, depth + 1)}` : type))
  if (named.length > 0) return named.join(' | ')
  if (isObject(schema.properties)) return 'object'
  return 'any'
}

export function toolArguments(inputSchema: unknown): ToolArgument[] {
  if (!isObject(inputSchema) || !isObject(inputSchema.properties)) return []
  const required = new Set(Array.isArray(inputSchema.required) ? inputSchema.required.filter((name): name is string => typeof name === 'string') : [])
  return Object.entries(inputSchema.properties).map(([name, schema]) => {
    const fallback = isObject(schema) && 'default' in schema ? ` = ${JSON.stringify(schema.default)}` : ''
    return {
      description: isObject(schema) && typeof schema.description === 'string' ? schema.description : '',
      name,
      required: required.has(name),
      type: typeOf(schema) + fallback,
    }
  })
}
