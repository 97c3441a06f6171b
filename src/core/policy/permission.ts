// Permission levels and the seeded classification of a tool: defined once, imported everywhere.

export const PERMISSIONS = ['auto', 'approval_needed', 'disabled'] as const
export type Permission = (typeof PERMISSIONS)[number]

export const isPermission = (value: string): value is Permission => (PERMISSIONS as readonly string[]).includes(value)

/** PERMISSIONS is ordered from loosest to strictest: a ceiling caps a level at its own. */
export const strictness = (level: Permission) => PERMISSIONS.indexOf(level)

/** The stricter of two levels. */
export const stricter = (a: Permission, b: Permission): Permission => (strictness(a) >= strictness(b) ? a : b)

/** Whether `level` lets more through than `ceiling` allows. */
export const isLooser = (level: Permission, ceiling: Permission) => strictness(level) < strictness(ceiling)

/**
 * Which step of the resolution decided a tool's permission (DESIGN.md "Policies"): a person's choice for the tool
 * (`user`), the most specific matching rule (`rule`), seeding (`default`), or a ceiling that capped whichever of
 * those applied (`ceiling`).
 */
export const POLICY_SOURCES = ['default', 'rule', 'ceiling', 'user'] as const
export type PolicySource = (typeof POLICY_SOURCES)[number]

/** What seeding concluded a tool does. `sensitive`: a read that hands out secrets or bulk exports (needs approval). */
export const TOOL_CLASSES = ['read', 'sensitive', 'write', 'unknown'] as const
export type ToolClass = (typeof TOOL_CLASSES)[number]

/** What a catalog app's definition may declare a tool does; seeding follows the declaration. */
export const DECLARED_CLASSES = ['read', 'write', 'sensitive'] as const
export type DeclaredClass = (typeof DECLARED_CLASSES)[number]
