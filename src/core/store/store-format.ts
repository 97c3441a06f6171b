// Facts about the store's format that commands need without loading zod (the schema itself is in schema.ts).
import type {Config} from './schema.js'

export const STORE_VERSION = 2

/**
 * Bumped whenever schema.ts gets stricter: a file validated (and digested) by an older schema is validated again.
 * See config-store.ts, "validated digest".
 */
export const SCHEMA_REVISION = 2

export const AUTH_TYPES = ['oauth', 'bearer', 'header', 'none'] as const
export const TRANSPORTS = ['streamable-http', 'sse'] as const

export const emptyConfig = (): Config => ({integrations: {}, rules: [], version: STORE_VERSION})
