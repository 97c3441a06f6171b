// Flags shared by several commands: defined once so their names and help stay the same everywhere.
import {Flags} from '@oclif/core'

import {PERMISSIONS} from './core/policy/permission.js'

export const allowHttp = Flags.boolean({
  description: 'Allow plain http:// for loopback hosts (local development). Non-loopback http is always refused.',
})

export const yes = Flags.boolean({char: 'y', description: 'Do not ask for confirmation (required without a terminal).'})

export const dryRun = Flags.boolean({description: 'Show what would change without changing anything.'})

export const serverFilter = Flags.string({description: 'Only tools of this integration.', helpValue: 'NAME'})

export const permissionFilter = Flags.string({description: 'Only tools with this permission.', options: [...PERMISSIONS]})
