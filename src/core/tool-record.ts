// From a server's tool definition to the record mcpctl keeps: fingerprint, seeded class and default policy.
import {createHash} from 'node:crypto'

import {seedPolicy} from './policy/seed.js'
import type {ToolDefinition} from './store/config-store.js'
import type {Tool} from './store/schema.js'

/** JSON with object keys sorted at every level, so equal definitions hash equally whatever the server's key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      // Without a prototype: a schema property named `__proto__` must count like any other.
      const sorted = Object.create(null) as Record<string, unknown>
      for (const key of Object.keys(v as object).sort()) sorted[key] = (v as Record<string, unknown>)[key]
      return sorted
    }

    return v
  })
}

/** sha256 over name, description, input and output schema and annotations (DESIGN.md, Policies). */
export function fingerprintTool(definition: ToolDefinition): string {
  const {annotations, declared, description, inputSchema, name, outputSchema} = definition
  const hash = createHash('sha256')
  // `declared` only when set, so that MCP tools keep the fingerprints they had before app definitions existed.
  hash.update(canonicalJson({annotations: annotations ?? null, declared, description: description ?? '', inputSchema: inputSchema ?? null, name, outputSchema: outputSchema ?? null}))
  // base64url, not hex: 21 bytes less per tool, which a 20,000-tool store reads and writes on every command.
  return 'sha256:' + hash.digest('base64url')
}

export function newToolRecord(definition: ToolDefinition, now: string): Tool {
  const annotations = pickAnnotations(definition.annotations)
  const seed = seedPolicy({annotations, declared: definition.declared, description: definition.description, name: definition.name})
  return {
    annotations,
    class: seed.class,
    ...(definition.declared ? {declared: definition.declared} : {}),
    description: definition.description ?? '',
    fingerprint: fingerprintTool(definition),
    name: definition.name,
    policy: {permission: seed.permission, reason: seed.reason, source: 'default', updatedAt: now},
    ...(definition.title ? {title: definition.title} : {}),
  }
}

/** Only the hints mcpctl understands, and only with the right types: annotations are server-supplied. */
function pickAnnotations(raw: Record<string, unknown> | undefined): Tool['annotations'] {
  if (!raw || typeof raw !== 'object') return undefined
  const out: NonNullable<Tool['annotations']> = {}
  for (const key of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
    if (typeof raw[key] === 'boolean') out[key] = raw[key] as boolean
  }

  if (typeof raw.title === 'string') out.title = raw.title
  return Object.keys(out).length > 0 ? out : undefined
}
