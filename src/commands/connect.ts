import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {usageError} from '../core/errors.js'
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
    let clientSecret: string | undefined
    if (flags['client-secret-env']) {
      clientSecret = process.env[flags['client-secret-env']]
      if (!clientSecret) throw usageError(`Environment variable ${flags['client-secret-env']} (--client-secret-env) is not set.`)
    } else if (flags['client-secret-stdin']) {
      const {readStdin} = await import('../ui/stdin.js')
      clientSecret = await readStdin('--client-secret-stdin')
    }

    const interrupt = new AbortController()
    const onSigint = () => interrupt.abort()
    process.once('SIGINT', onSigint)
    try {
      const {browserAuthorization} = await import('../ui/browser.js')
      const browser = browserAuthorization({
        callbackPort: flags['callback-port'],
        canPrompt: this.canPrompt,
        noBrowser: flags['no-browser'],
        signal: interrupt.signal,
        timeoutMs: flags.timeout * 1000,
      })
      const {reauthorizeIntegration, requireIntegration} = await import('../core/integrations.js')
      requireIntegration(await this.store.read(), args.name)
      if (!browser.authorization) throw browser.unavailable!
      const result = await reauthorizeIntegration({secrets: this.secrets, store: this.store}, args.name, {
        allowHttp: flags['allow-http'],
        authorization: browser.authorization,
        insecureStorage: flags['insecure-storage'],
        oauth: {clientId: flags['client-id'], clientMetadataUrl: flags['client-metadata-url'], clientSecret, scope: flags.scope},
      })
      if (!this.jsonEnabled()) {
        this.log(`Re-authorized ${result.name}: scopes ${result.scopes.join(' ') || '(none)'}${result.expiresAt ? `, access token expires ${result.expiresAt}` : ''}.`)
      }

      return result
    } finally {
      process.removeListener('SIGINT', onSigint)
    }
  }
}
