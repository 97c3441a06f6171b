// The built-in catalog: every app definition, in the order `integrations catalog` lists them.
//
// One app = three files, and no engine code:
//   1. src/core/sources/catalog/apps/<app-id>.ts — the definition (format and rules: ../definition.ts; models:
//      it-glue.ts for an API key in a header, halopsa.ts for OAuth client credentials, microsoft-365.ts for a browser
//      sign-in with a client-credentials alternative), listed in APPS below.
//      test/core/sources/catalog/definitions.test.ts then checks it against the schema.
//   2. test/helpers/vendors/<app-id>.ts — a loopback HTTPS emulator on emulator.ts that implements the documented
//      endpoints the definition uses and refuses requests in any other format.
//   3. test/e2e/apps/<app-id>.test.ts — the real CLI against the emulator, modelled on it-glue.test.ts: connect,
//      wrong credentials refused with nothing saved, a read and a write tool called and the request checked, two
//      connections apart, disconnect leaves no secret.
// Plus the app's row in README.md "Built-in apps" (fields, and where the vendor's console issues the credential).
import type {AppDefinition} from '../definition.js'
import {autotask} from './autotask.js'
import {connectWiseAutomate} from './connectwise-automate.js'
import {connectwisePsa} from './connectwise-psa.js'
import {connectWiseRmm} from './connectwise-rmm.js'
import {dattoRmm} from './datto-rmm.js'
import {haloPsa} from './halopsa.js'
import {itGlue} from './it-glue.js'
import {microsoft365} from './microsoft-365.js'
import {nCentral} from './n-central.js'
import {ninjaOne} from './ninjaone.js'

export const APPS: readonly AppDefinition[] = [autotask, connectwisePsa, haloPsa, itGlue, microsoft365, ninjaOne, dattoRmm, connectWiseRmm, connectWiseAutomate, nCentral]

/** The app with this id (the first segment of its tool names, and what `connect <app-id>` takes). */
export const findApp = (id: string): AppDefinition | undefined => APPS.find((app) => app.id === id)
