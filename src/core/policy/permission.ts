// Permission levels and the seeded classification of a tool: defined once, imported everywhere.

export const PERMISSIONS = ['auto', 'approval_needed', 'disabled'] as const
export type Permission = (typeof PERMISSIONS)[number]

export const isPermission = (value: string): value is Permission => (PERMISSIONS as readonly string[]).includes(value)

/** Who decided a tool's permission: mcpctl's seeding (`default`) or a person (`user`). */
export const POLICY_SOURCES = ['default', 'user'] as const
export type PolicySource = (typeof POLICY_SOURCES)[number]

/** What seeding concluded a tool does. `sensitive`: a read that hands out secrets or bulk exports (needs approval). */
export const TOOL_CLASSES = ['read', 'sensitive', 'write', 'unknown'] as const
export type ToolClass = (typeof TOOL_CLASSES)[number]
