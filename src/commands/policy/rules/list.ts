import {BaseCommand} from '../../../base-command.js'
import type {RuleRow} from '../../../core/policy/rule-edits.js'

export default class PolicyRulesList extends BaseCommand {
  static description = `List the rules and ceilings, in order, with how many tools each matches and decides today.

A rule gives every tool whose qualified name matches its pattern a level — today's tools and those that appear later — unless a person chose a level for that tool or a more specific rule matches (fewest wildcards, then the longest literal text, then the later rule: POSITION). A ceiling (AT MOST) caps every matching tool, whatever decided it. MATCHES counts the tools a rule matches today; DECIDES those whose level it sets.`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --json | jq -r '.[] | select(.matches == 0) | .pattern'",
  ]

  async run(): Promise<RuleRow[]> {
    await this.parse(PolicyRulesList)
    const {listRules} = await import('../../../core/policy/rule-edits.js')
    const rows = listRules(await this.store.read())
    if (!this.jsonEnabled()) {
      if (rows.length === 0) this.note("No rules. Add one with `mcpctl policy rules add 'mcp:*:delete_*' disabled`.")
      this.table(rows, [
        {get: (r) => String(r.position), header: 'POSITION'},
        {get: (r) => r.pattern, header: 'PATTERN'},
        {get: (r) => r.permission ?? '-', header: 'LEVEL'},
        {get: (r) => r.atMost ?? '-', header: 'AT MOST'},
        {get: (r) => String(r.matches), header: 'MATCHES'},
        {get: (r) => String(r.decides), header: 'DECIDES'},
      ])
    }

    return rows
  }
}
