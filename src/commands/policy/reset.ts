import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {ResetResult} from '../../core/policy/reset.js'
import {dryRun, serverFilter} from '../../flags.js'

export default class PolicyReset extends BaseCommand {
  static args = {
    patterns: Args.string({description: 'Tool names or globs (mcp:<server>:<tool>); none = every policy a person set', ignoreStdin: true}),
  }
  static description = `Remove people's choices: the tools then resolve without them, under the rules or as mcpctl seeds them.

With patterns, the choices of every matched tool go (a pattern matching nothing is an error and nothing changes); without, every choice a person made (source user) does. Each tool then gets the most specific matching rule, else its seeded default (seeding runs again on its stored name, description and annotations). Rules stay: remove them with \`mcpctl policy rules remove\`. The plan is printed either way; --dry-run only prints it.`
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
      await this.renderPolicyPlan(result, `${result.dryRun ? 'Would reset' : 'Reset'} ${count}${result.unchanged ? ` (${result.unchanged} already had no choice)` : ''}.`)
    }

    return result
  }
}
