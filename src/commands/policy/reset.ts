import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {McpctlError, missingAnswer} from '../../core/errors.js'
import type {ResetResult} from '../../core/policy/reset.js'
import {dryRun, serverFilter, yes} from '../../flags.js'

export default class PolicyReset extends BaseCommand {
  static args = {
    patterns: Args.string({description: 'Tool names or globs (mcp:<server>:<tool> or <app-id>:<connection>:<tool>); none = every policy a person set', ignoreStdin: true}),
  }
  static description = `Remove people's choices: the tools then resolve without them, under the rules or as mcpctl seeds them.

With patterns, the choices of every matched tool go (a pattern matching nothing is an error and nothing changes); without, every choice a person made (source user) does — that asks first on a terminal, saying how many, and needs --yes without one. Each tool then gets the most specific matching rule, else its seeded default (seeding runs again on its stored name, description and annotations). A tool whose definition changed stays approval_needed until someone accepts the new definition (\`mcpctl tools accept\`). Rules stay: remove them with \`mcpctl policy rules remove\`. The plan is printed either way; --dry-run only prints it.`
  static examples = [
    '<%= config.bin %> <%= command.id %> mcp:acme:delete_ticket',
    "<%= config.bin %> <%= command.id %> 'mcp:acme:*' --dry-run",
    '<%= config.bin %> <%= command.id %> --server acme --yes',
    '<%= config.bin %> <%= command.id %> --dry-run --json    # every user policy that would go',
  ]
  static flags = {
    'dry-run': dryRun,
    server: serverFilter,
    yes: {...yes, description: 'Remove every choice without asking (required without patterns and without a terminal).'},
  }
  static strict = false
  static usage = 'policy reset [<pattern...>]'

  async run(): Promise<ResetResult> {
    const {argv, flags} = await this.parse(PolicyReset)
    const {resetPolicies} = await import('../../core/policy/reset.js')
    const request = {dryRun: flags['dry-run'], patterns: argv as string[], server: flags.server}
    // Without patterns every choice people made goes: say how many and ask first, as disconnect does.
    if (request.patterns.length === 0 && !request.dryRun && !flags.yes) {
      const plan = await resetPolicies({store: this.store}, {...request, dryRun: true})
      const choices = plan.changes.length + plan.unchanged
      if (choices > 0) {
        const what = `${choices} choice${choices === 1 ? '' : 's'} people made${flags.server ? ` on ${flags.server}` : ''}`
        if (!this.canPrompt) throw missingAnswer(`Confirmation to remove ${what}`, '--yes (or name the tools to reset)')
        await this.renderPolicyPlan(plan)
        const {askConfirm} = await import('../../ui/prompts.js')
        if (!(await askConfirm({default: false, message: `Remove ${what}?`}))) throw new McpctlError('interrupted', 'Nothing was reset.')
      }
    }

    const result = await resetPolicies({store: this.store}, request)
    if (!this.jsonEnabled()) {
      const count = `${result.changes.length} tool${result.changes.length === 1 ? '' : 's'}`
      await this.renderPolicyPlan(result, `${result.dryRun ? 'Would reset' : 'Reset'} ${count}${result.unchanged ? ` (${result.unchanged} already had no choice)` : ''}.`)
    }

    return result
  }
}
