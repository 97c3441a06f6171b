// The catalog's categories: a contract (`integrations catalog --category`), kept apart from the zod schema so that
// commands can name them without loading zod.
export const APP_CATEGORIES = ['psa', 'rmm', 'documentation', 'identity'] as const
export type AppCategory = (typeof APP_CATEGORIES)[number]
