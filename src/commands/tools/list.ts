import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {Permission} from '../../core/policy/permission.js'
import {listTools, type ToolRow} from '../../core/tool-list.js'
import {permissionFilter, serverFilter} from '../../flags.js'

export default class ToolsList extends BaseCommand {
  static args = {
    patterns: Args.string({description: 'Only tools matching these names or globs (mcp:<server>:<tool> or <app-id>:<connection>:<tool>, * and ? within a segment)', ignoreStdin: true}),
  }
  static description = `List every tool of every connection as mcp:<server>:<tool> (MCP servers) or <app-id>:<connection>:<tool> (built-in apps) with its permission.

Permissions: auto (the agent may call it), approval_needed (a person approves each call), disabled (never called). SOURCE says which step decided it: a person's choice (user), a rule (rule <pattern>), mcpctl's seeding (default), or a ceiling that capped it (ceiling <pattern>).`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --server acme --permission auto',
    "<%= config.bin %> <%= command.id %> 'mcp:*:delete_*' 'mcp:*:reset_*'",
    '<%= config.bin %> <%= command.id %> --json | jq -r \'.[] | select(.permission=="auto") | .name\'',
    '<%= config.bin %> <%= command.id %> | cut -f1,2    # piped: tab-separated, no header',
  ]
  static flags = {
    changed: Flags.boolean({description: 'Only tools whose definition changed at the last sync.'}),
    permission: permissionFilter,
    server: serverFilter,
  }
  static strict = false

  async run(): Promise<ToolRow[]> {
    const {argv, flags} = await this.parse(ToolsList)
    const config = await this.store.read()
    if (flags.server) {
      const {requireIntegration} = await import('../../core/integrations.js')
      requireIntegration(config, flags.server)
    }

    const rows = listTools(config, {
      changed: flags.changed,
      patterns: argv as string[],
      permission: flags.permission as Permission | undefined,
      server: flags.server,
    })
    if (!this.jsonEnabled()) {
      if (rows.length === 0) this.note(Object.keys(config.integrations).length === 0 ? 'No integrations yet. Add one with `mcpctl integrations add <url>`.' : 'No tools match.')
      const {decidedBy, permissionColour} = await import('../../ui/output.js')
      const colour = permissionColour(this.mode)
      this.table(rows, [
        {get: (r) => r.name, header: 'TOOL'},
        {colour: (v) => colour(v as Permission), get: (r) => r.permission, header: 'PERMISSION'},
        {get: (r) => decidedBy(r) + (r.changed ? ' (changed)' : ''), header: 'SOURCE'},
        {get: (r) => r.description, header: 'DESCRIPTION', maxWidth: 60},
      ])
    }

    return rows
  }
}
