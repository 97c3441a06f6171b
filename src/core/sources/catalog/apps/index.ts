// The built-in catalog: every app definition, in the order `integrations catalog` lists them. Adding an app is
// adding its definition file here (and its emulator and end-to-end test; see test/e2e/apps/).
import type {AppDefinition} from '../definition.js'
import {haloPsa} from './halopsa.js'
import {itGlue} from './it-glue.js'

export const APPS: readonly AppDefinition[] = [haloPsa, itGlue]

/** App ids: the first segment of app tool names (names.ts), and what `connect <app-id>` takes. */
export const APP_IDS: ReadonlySet<string> = new Set(APPS.map((app) => app.id))

export const findApp = (id: string): AppDefinition | undefined => APPS.find((app) => app.id === id)
