import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../../base-command.js'
import {usageError} from '../../../core/errors.js'
import {isPermission, type Permission, PERMISSIONS} from '../../../core/policy/permission.js'
import type {RulesEditResult} from '../../../core/policy/rule-edits.js'
import {dryRun} from '../../../flags.js'

export default class PolicyRulesAdd extends BaseCommand {
  static args = {
    pattern: Args.string({description: 'Qualified-name glob: <kind>:<connection>:<tool>, e.g. *:*:delete_*, mcp:acme-*:run_*, halopsa:*:*', ignoreStdin: true, required: true}),
    level: Args.string({description: 'The level it gives matching tools', ignoreStdin: true, options: [...PERMISSIONS]}),
  }
  static description = `Add a rule: every tool whose qualified name matches the pattern gets the level — today's tools, and every tool that appears later (integrations add, connect, tools sync).

A person's choice for a single tool still wins, and among several matching rules the most specific decides: fewest wildcards, then the longest literal text, then the later rule. A pattern that already has a rule replaces it, in its place. A rule matching no tool today is kept, and says so.

--at-most makes the rule a ceiling (with or without a level): no choice, rule or seeded default can make a matching tool looser than it. A person's choice looser than the ceiling is then refused, naming the rule (exit 7), and existing looser choices are dropped (listed in the plan).

Applies at once, in one write; --dry-run prints the plan only.`
  static examples = [
    "<%= config.bin %> <%= command.id %> '*:*:delete_*' disabled",
    "<%= config.bin %> <%= command.id %> '*:*:run_*' --at-most approval_needed",
    "<%= config.bin %> <%= command.id %> 'mcp:acme-*:reset_*' approval_needed --at-most approval_needed --dry-run",
    "<%= config.bin %> <%= command.id %> 'halopsa:*:*' approval_needed --json",
  ]
  static flags = {
    'at-most': Flags.string({description: 'Make it a ceiling: matching tools can be no looser than this.', helpValue: 'LEVEL', options: ['approval_needed', 'disabled']}),
    'dry-run': dryRun,
  }
  static usage = "policy rules add <pattern> [<auto|approval_needed|disabled>] [--at-most approval_needed|disabled]"

  async run(): Promise<RulesEditResult> {
    const {args, flags} = await this.parse(PolicyRulesAdd)
    if (args.level === undefined && flags['at-most'] === undefined) {
      throw usageError('Give a level, --at-most, or both.', "Example: mcpctl policy rules add '*:*:delete_*' disabled")
    }

    const {addRule} = await import('../../../core/policy/rule-edits.js')
    const result = await addRule(
      {store: this.store},
      {
        atMost: flags['at-most'] as Permission | undefined,
        dryRun: flags['dry-run'],
        pattern: args.pattern,
        permission: args.level !== undefined && isPermission(args.level) ? args.level : undefined,
      },
    )
    if (!this.jsonEnabled()) await this.renderPolicyPlan(result)
    return result
  }
}
