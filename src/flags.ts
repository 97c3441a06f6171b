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

/** OAuth flags shared by `integrations add` and `connect`. */
export const oauthFlags = {
  'callback-port': Flags.integer({description: 'Loopback port for the OAuth callback (default: any free port). A busy port is an error.', max: 65_535, min: 1}),
  'client-id': Flags.string({description: 'Pre-registered OAuth client ID (instead of dynamic registration).', helpValue: 'ID'}),
  'client-metadata-url': Flags.string({description: 'HTTPS URL of an OAuth client ID metadata document to use as the client ID.', helpValue: 'URL'}),
  'client-secret-env': Flags.string({
    dependsOn: ['client-id'],
    description: 'Environment variable holding the pre-registered client secret.',
    exclusive: ['client-secret-stdin'],
    helpValue: 'VAR',
  }),
  'client-secret-stdin': Flags.boolean({dependsOn: ['client-id'], description: 'Read the pre-registered client secret from standard input.'}),
  'no-browser': Flags.boolean({description: 'Do not open a browser: open the printed URL anywhere and paste back the address it ends on (SSH).'}),
  scope: Flags.string({description: 'OAuth scopes to request, space-separated (default: what the server advertises).', helpValue: 'SCOPES'}),
  timeout: Flags.integer({default: 300, description: 'Seconds to wait for the browser to come back.', min: 1}),
}

/** The gateway's scope, shared by `gateway` and `gateway install`. */
export const gatewayOnly = Flags.string({
  description: 'Offer only tools matching these names or globs (mcp:<server>:<tool>; repeat the flag for more). Calls outside are refused.',
  helpValue: 'PATTERN',
  multiple: true,
})

/** Where a static credential (bearer token, header value) comes from without a prompt: `integrations add` and `connect`. */
export const credentialFlags = {
  'token-env': Flags.string({
    description: 'Environment variable that holds the token or header value; only its name is stored.',
    exclusive: ['token-stdin'],
    helpValue: 'VAR',
  }),
  'token-stdin': Flags.boolean({description: 'Read the token or header value from standard input.', exclusive: ['token-env', 'client-secret-stdin']}),
}
