import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {McpctlError} from '../../core/errors.js'

export default class GatewayToken extends BaseCommand {
  static description = `Print the bearer token that \`mcpctl gateway --http\` requires, for your agent's MCP configuration.

MCPCTL_GATEWAY_TOKEN when set; otherwise the token kept in the secret store, generated now if there is none yet. It authenticates the agent to the gateway only and is never sent to any server.`
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json | jq -r .token']
  static flags = {'insecure-storage': Flags.boolean({description: 'Without an OS keyring, keep a generated token in a 0600 file in the config dir.'})}

  async run(): Promise<{source: string; token: string}> {
    const {flags} = await this.parse(GatewayToken)
    const {gatewayToken} = await import('../../core/gateway/token.js')
    const found = await gatewayToken(this.secrets, {allowFile: flags['insecure-storage'], create: true}).catch((error: unknown) => {
      if (error instanceof McpctlError && error.kind === 'usage') {
        throw new McpctlError('usage', 'No OS keyring is available to keep the gateway token.', {
          hint: 'Set MCPCTL_GATEWAY_TOKEN, or pass --insecure-storage to keep it in a 0600 file in the config dir.',
        })
      }

      throw error
    })
    // Printed because the person asked for exactly this secret (as `gh auth token` does); nothing else prints it.
    if (!this.jsonEnabled()) this.log(found!.token)
    return {source: found!.source, token: found!.token}
  }
}
