import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {type Permission, POLICY_SOURCES, type PolicySource} from '../../core/policy/permission.js'
import type {ToolRow} from '../../core/tool-list.js'
import {permissionFilter, serverFilter} from '../../flags.js'

export default class PolicyList extends BaseCommand {
  static description = `Review every tool's policy: its permission, who decided it, and why.

SOURCE is default (seeded by mcpctl from the tool's name, description and annotations) or user (a person set it; syncs keep it). REASON says why: the seeding evidence, "set by user", "set by policy file …", or "definition changed" for a tool demoted from auto by a sync.`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --source user',
    '<%= config.bin %> <%= command.id %> --server acme --permission auto',
    "<%= config.bin %> <%= command.id %> --source user --json | jq -r '.[] | \"\\(.name) \\(.permission)\"'",
  ]
  static flags = {
    permission: permissionFilter,
    server: serverFilter,
    source: Flags.string({description: 'Only policies set by mcpctl (default) or by a person (user).', options: [...POLICY_SOURCES]}),
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
      const {permissionColour} = await import('../../ui/output.js')
      const colour = permissionColour(this.mode)
      this.table(rows, [
        {get: (r) => r.name, header: 'TOOL'},
        {colour: (v) => colour(v), get: (r) => r.permission, header: 'PERMISSION'},
        {get: (r) => r.source + (r.changed ? ' (changed)' : ''), header: 'SOURCE'},
        {get: (r) => r.reason, header: 'REASON', maxWidth: 60},
      ])
    }

    return rows
  }
}
