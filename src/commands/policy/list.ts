import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {type Permission, POLICY_SOURCES, type PolicySource} from '../../core/policy/permission.js'
import type {ToolRow} from '../../core/tool-list.js'
import {permissionFilter, serverFilter} from '../../flags.js'

export default class PolicyList extends BaseCommand {
  static description = `Review every tool's policy: its permission, which step decided it, and why.

Each tool resolves the same way: a person's choice for it (SOURCE user; syncs keep it), else the most specific matching rule (rule <pattern>; see \`mcpctl policy rules list\`), else the level mcpctl seeds from the tool's name, description and annotations (default); then a ceiling can cap it (ceiling <pattern>). REASON says why: "set by user", "set by policy file …", the rule, the seeding evidence, or "definition changed" for a tool held at approval_needed after a sync changed it.`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --source user',
    '<%= config.bin %> <%= command.id %> --source rule --json',
    '<%= config.bin %> <%= command.id %> --server acme --permission auto',
    "<%= config.bin %> <%= command.id %> --source user --json | jq -r '.[] | \"\\(.name) \\(.permission)\"'",
  ]
  static flags = {
    permission: permissionFilter,
    server: serverFilter,
    source: Flags.string({description: 'Only policies decided by this step: a person (user), a rule, seeding (default), or a ceiling.', options: [...POLICY_SOURCES]}),
  }

  async run(): Promise<ToolRow[]> {
    const {flags} = await this.parse(PolicyList)
    const {listPolicies} = await import('../../core/policy/list.js')
    const config = await this.store.read()
    const rows = listPolicies(config, {
      permission: flags.permission as Permission | undefined,
      server: flags.server,
      source: flags.source as PolicySource | undefined,
    })
    if (!this.jsonEnabled()) {
      if (rows.length === 0) this.note(Object.keys(config.integrations).length === 0 ? 'No integrations yet. Add one with `mcpctl integrations add <url>`.' : 'No policies match.')
      const {decidedBy, permissionColour} = await import('../../ui/output.js')
      const colour = permissionColour(this.mode)
      this.table(rows, [
        {get: (r) => r.name, header: 'TOOL'},
        {colour: (v) => colour(v), get: (r) => r.permission, header: 'PERMISSION'},
        {get: (r) => decidedBy(r) + (r.changed ? ' (changed)' : ''), header: 'SOURCE'},
        {get: (r) => r.reason, header: 'REASON', maxWidth: 60},
      ])
    }

    return rows
  }
}
