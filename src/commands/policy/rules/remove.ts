import {Args} from '@oclif/core'

import {BaseCommand} from '../../../base-command.js'
import type {RulesEditResult} from '../../../core/policy/rule-edits.js'
import {dryRun} from '../../../flags.js'

export default class PolicyRulesRemove extends BaseCommand {
  static args = {
    patterns: Args.string({description: 'Patterns of the rules to remove, as `mcpctl policy rules list` shows them', ignoreStdin: true, required: true}),
  }
  static description = `Remove rules (and ceilings) by their pattern. The tools they matched resolve again at once, in one write: under their choices, other rules, or their seeded defaults.

A pattern that names no rule is an error and nothing changes; --dry-run prints the plan only.`
  static examples = [
    "<%= config.bin %> <%= command.id %> '*:*:delete_*'",
    "<%= config.bin %> <%= command.id %> '*:*:run_*' 'mcp:acme-*:reset_*' --dry-run",
  ]
  static flags = {
    'dry-run': dryRun,
  }
  static strict = false
  static usage = 'policy rules remove <pattern...>'

  async run(): Promise<RulesEditResult> {
    const {argv, flags} = await this.parse(PolicyRulesRemove)
    const {removeRules} = await import('../../../core/policy/rule-edits.js')
    const result = await removeRules({store: this.store}, {dryRun: flags['dry-run'], patterns: argv as string[]})
    if (!this.jsonEnabled()) await this.renderPolicyPlan(result)
    return result
  }
}
