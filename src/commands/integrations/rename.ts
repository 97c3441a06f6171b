import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {RenameReceipt} from '../../core/integrations.js'

export default class IntegrationsRename extends BaseCommand {
  static args = {
    name: Args.string({description: 'The connection to rename', ignoreStdin: true, required: true}),
    'new-name': Args.string({description: 'Its new name (lowercase letters, digits and hyphens)', ignoreStdin: true, required: true}),
  }
  static description = `Rename a connection (MCP server or catalog app), keeping its tools, their policies and the choices people made, and its stored credentials.

Its tools are then named under the new name (mcp:<new-name>:<tool>, <app-id>:<new-name>:<tool>), and so are their gateway names. Rules and ceilings that name the connection (*:<name>:run_*) are rewritten to the new name. A rule with a connection glob (mcp:acme-*:*) may match one name and not the other: the tools whose permission changes because of it are listed. Nothing is contacted; the change is one write.`
  static examples = [
    '<%= config.bin %> <%= command.id %> 127-0-0-1 acme-helpdesk',
    '<%= config.bin %> <%= command.id %> acme acme-corp --json',
  ]

  async run(): Promise<RenameReceipt> {
    const {args} = await this.parse(IntegrationsRename)
    const {renameConnection} = await import('../../core/integrations.js')
    const receipt = await renameConnection({secrets: this.secrets, store: this.store}, args.name, args['new-name'])
    if (!this.jsonEnabled()) {
      const chosen = receipt.choices > 0 ? `, ${receipt.choices} chosen by a person` : ''
      this.log(`Renamed ${receipt.from} to ${receipt.to}: ${receipt.tools} tools with their policies${chosen}, and its credentials, kept.`)
      for (const rule of receipt.rules) this.log(`  rule ${rule.from} → ${rule.to}`)
      for (const change of receipt.changes) this.log(`  ${change.name}: ${change.from} → ${change.to} (${change.reason})`)
    }

    return receipt
  }
}
