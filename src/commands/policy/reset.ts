import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {ResetResult} from '../../core/policy/reset.js'
import {dryRun, serverFilter} from '../../flags.js'

export default class PolicyReset extends BaseCommand {
  static args = {
    patterns: Args.string({description: 'Tool names or globs (mcp:<server>:<tool>); none = every policy a person set', ignoreStdin: true}),
  }
  static description = `Put tools back to the policy mcpctl seeds for them (source default).

Seeding runs again on each tool's stored name, description and annotations. With patterns, every matched
tool is reset (a pattern matching nothing is an error and nothing changes); without, every policy a person
set (source user) is. The plan is printed either way; --dry-run only prints it.`
  static examples = [
    '<%= config.bin %> <%= command.id %> mcp:acme:delete_ticket',
    "<%= config.bin %> <%= command.id %> 'mcp:acme:*' --dry-run",
    '<%= config.bin %> <%= command.id %> --server acme',
    '<%= config.bin %> <%= command.id %> --dry-run --json    # every user policy that would go',
  ]
  static flags = {
    'dry-run': dryRun,
    server: serverFilter,
  }
  static strict = false
  static usage = 'policy reset [<pattern...>]'

  async run(): Promise<ResetResult> {
    const {argv, flags} = await this.parse(PolicyReset)
    const {resetPolicies} = await import('../../core/policy/reset.js')
    const result = await resetPolicies({store: this.store}, {dryRun: flags['dry-run'], patterns: argv as string[], server: flags.server})
    if (!this.jsonEnabled()) {
      const count = `${result.changes.length} tool${result.changes.length === 1 ? '' : 's'}`
      this.note(`${result.dryRun ? 'Would reset' : 'Reset'} ${count} to the seeded default${result.unchanged ? ` (${result.unchanged} already had it)` : ''}.`)
      this.table(result.changes, [
        {get: (c) => c.name, header: 'TOOL'},
        {get: (c) => `${c.from} (${c.fromSource})`, header: 'FROM'},
        {get: (c) => c.to, header: 'TO'},
        {get: (c) => c.reason, header: 'REASON', maxWidth: 60},
      ])
    }

    return result
  }
}
