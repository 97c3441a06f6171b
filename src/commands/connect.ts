import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {allowHttp, oauthFlags} from '../flags.js'

interface ConnectResult {
  expiresAt?: string
  name: string
  scopes: string[]
  url: string
}

export default class Connect extends BaseCommand {
  static args = {name: Args.string({description: 'Integration name', ignoreStdin: true, required: true})}
  static description = `Re-authorize an OAuth integration (an expired grant, or new scopes) without losing its tools or policies.

Runs the browser flow again (see integrations add) and replaces the stored tokens.`
  static examples = [
    '<%= config.bin %> <%= command.id %> acme',
    '<%= config.bin %> <%= command.id %> acme --scope "tickets.read tickets.write"',
    '<%= config.bin %> <%= command.id %> acme --no-browser    # over SSH: paste the address the browser ends on',
  ]
  static flags = {
    ...oauthFlags,
    'allow-http': allowHttp,
    'insecure-storage': Flags.boolean({description: 'Without an OS keyring, store the tokens in a 0600 file in the config directory.'}),
  }

  async run(): Promise<ConnectResult> {
    const {args, flags} = await this.parse(Connect)
    const {oauthFromFlags} = await import('../ui/browser.js')
    const oauth = await oauthFromFlags(flags, this.canPrompt)
    try {
      const {requireIntegration} = await import('../core/integrations.js')
      const {reauthorizeIntegration} = await import('../core/sources/mcp/add.js')
      requireIntegration(await this.store.read(), args.name)
      if (!oauth.authorization) throw oauth.unavailable!
      const result = await reauthorizeIntegration({secrets: this.secrets, store: this.store}, args.name, {
        allowHttp: flags['allow-http'],
        authorization: oauth.authorization,
        insecureStorage: flags['insecure-storage'],
        oauth: oauth.oauth,
      })
      if (!this.jsonEnabled()) {
        this.log(`Re-authorized ${result.name}: scopes ${result.scopes.join(' ') || '(none)'}${result.expiresAt ? `, access token expires ${result.expiresAt}` : ''}.`)
      }

      return result
    } finally {
      oauth.release()
    }
  }
}
