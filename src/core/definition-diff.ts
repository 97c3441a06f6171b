// A readable, field-level diff of two tool definitions, shown and stored when a re-sync finds a changed fingerprint.
// Field paths, not text lines: a reviewer wants "inputSchema.properties.force: added", not a JSON blob.
import {lookup} from './names.js'
import {canonicalJson} from './tool-record.js'
import type {ToolDefinition} from './store/config-store.js'

/** One difference: a field path and its old and/or new value (JSON, shortened). */
export interface DefinitionDifference {
  kind: 'added' | 'changed' | 'removed'
  new?: string
  old?: string
  path: string
}

const FIELDS = ['title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const

// The diff is stored in the config for every changed tool and server text is untrusted: both bound its size.
const MAX_VALUE = 120
const MAX_DIFFERENCES = 40
const MAX_DEPTH = 32

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

function shortJson(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : canonicalJson(value) ?? 'null'
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/

const child = (path: string, key: string) => (IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`)

function walk(path: string, before: unknown, after: unknown, out: DefinitionDifference[], depth: number): void {
  if (before === undefined && after === undefined) return
  if (before === undefined) {
    out.push({kind: 'added', new: shortJson(after), path})
    return
  }

  if (after === undefined) {
    out.push({kind: 'removed', old: shortJson(before), path})
    return
  }

  // Objects are compared key by key (schema paths); arrays such as `required` or `enum` as whole values.
  if (isObject(before) && isObject(after) && depth < MAX_DEPTH) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    for (const key of keys) walk(child(path, key), lookup(before, key), lookup(after, key), out, depth + 1)
    return
  }

  const a = canonicalJson(before)
  const b = canonicalJson(after)
  if (a !== b) out.push({kind: 'changed', new: shortJson(after), old: shortJson(before), path})
}

/** The differences between two definitions of one tool, in field order (title, description, schemas, annotations). */
export function diffDefinitions(before: ToolDefinition, after: ToolDefinition): DefinitionDifference[] {
  const out: DefinitionDifference[] = []
  for (const field of FIELDS) {
    // An empty description and a missing one hash the same (fingerprintTool), so they must not show as a change.
    const normalise = (value: unknown) => (field === 'description' && value === '' ? undefined : value)
    walk(field, normalise(before[field]), normalise(after[field]), out, 0)
  }

  return out
}

/** One line per difference, e.g. `description: "Gets a ticket" → "Deletes a ticket"`, capped for storage. */
export function formatDefinitionDiff(differences: DefinitionDifference[]): string {
  const lines = differences.slice(0, MAX_DIFFERENCES).map((d) => {
    if (d.kind === 'added') return `${d.path}: added ${d.new}`
    if (d.kind === 'removed') return `${d.path}: removed (was ${d.old})`
    return `${d.path}: ${d.old} → ${d.new}`
  })
  if (differences.length > MAX_DIFFERENCES) lines.push(`… and ${differences.length - MAX_DIFFERENCES} more differences`)
  return lines.join('\n')
}
