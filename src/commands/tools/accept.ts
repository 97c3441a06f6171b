import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {McpctlError, missingAnswer} from '../../core/errors.js'
import type {AcceptPlan, AcceptResult} from '../../core/policy/accept.js'
import {yes} from '../../flags.js'

export default class ToolsAccept extends BaseCommand {
  static args = {
    patterns: Args.string({description: 'Changed tools to accept: names or globs (mcp:<server>:<tool>)', ignoreStdin: true, required: true}),
  }
  static description = `Accept the new definition of tools whose definition changed at a sync, after reading the diff.

A changed tool stays approval_needed (and flagged in \`mcpctl tools list --changed\`) until a person sets its policy or accepts its new definition here; \`policy reset\` does not accept it. Accepting prints each diff, asks (on a terminal; --yes otherwise), clears the flag and resolves the tool again: a person's choice stays, otherwise the rules or the new definition's seeded policy decide.`
  static examples = [
    '<%= config.bin %> <%= command.id %> mcp:acme:get_ticket',
    "<%= config.bin %> <%= command.id %> 'mcp:acme:*' --dry-run    # read every diff first",
    "<%= config.bin %> <%= command.id %> 'mcp:acme:*' --yes --json",
  ]
  static flags = {
    'dry-run': Flags.boolean({description: 'Print the diffs and what accepting would change, without accepting.'}),
    yes: {...yes, description: 'Accept without asking (required without a terminal).'},
  }
  static strict = false
  static usage = 'tools accept <pattern...>'

  async run(): Promise<AcceptResult> {
    const {argv, flags} = await this.parse(ToolsAccept)
    const {acceptDefinitions} = await import('../../core/policy/accept.js')
    const patterns = argv as string[]
    const plan = await acceptDefinitions({store: this.store}, {dryRun: true, patterns})
    if (!this.jsonEnabled()) await this.renderDiffs(plan)
    if (flags['dry-run']) {
      if (!this.jsonEnabled()) await this.renderPolicyPlan(plan)
      return plan
    }

    if (!flags.yes) {
      const what = `${plan.accepted.length} new definition${plan.accepted.length === 1 ? '' : 's'}`
      if (!this.canPrompt) throw missingAnswer(`Confirmation to accept ${what}`, '--yes')
      const {askConfirm} = await import('../../ui/prompts.js')
      if (!(await askConfirm({default: false, message: `Accept ${what}?`}))) throw new McpctlError('interrupted', 'Nothing was accepted.')
    }

    const result = await acceptDefinitions({store: this.store}, {patterns})
    if (!this.jsonEnabled()) {
      const count = `${result.accepted.length} new definition${result.accepted.length === 1 ? '' : 's'}`
      await this.renderPolicyPlan(result, `Accepted ${count}; ${result.changes.length} permission${result.changes.length === 1 ? '' : 's'} changed.`)
    }

    return result
  }

  /** Each diff, the point of the command: read before anything is asked. */
  private async renderDiffs(plan: AcceptPlan): Promise<void> {
    const {inert} = await import('../../ui/text.js')
    for (const change of plan.accepted) {
      this.log(`~ ${change.name}  (changed ${change.changedAt})`)
      // Diffs quote server text: made inert before they reach the terminal.
      for (const line of change.diff.split('\n')) this.log(`    ${inert(line)}`)
    }
  }
}
