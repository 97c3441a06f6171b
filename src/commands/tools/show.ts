import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {ToolDetail} from '../../core/tool-detail.js'

export default class ToolsShow extends BaseCommand {
  static args = {tool: Args.string({description: 'Tool name, mcp:<server>:<tool>', ignoreStdin: true, required: true})}
  static description = `Show one tool before calling it: its description, annotations, arguments, permission with the reason, and any definition change waiting for a person.

On a terminal the input schema is shown as an argument list (name, type, required, description); --json gives the whole inputSchema (and outputSchema) as the server defined it.`
  static examples = [
    '<%= config.bin %> <%= command.id %> mcp:helpdesk:create_ticket',
    "<%= config.bin %> <%= command.id %> mcp:helpdesk:create_ticket --json | jq '.inputSchema.required'",
  ]

  async run(): Promise<ToolDetail> {
    const {args} = await this.parse(ToolsShow)
    const {describeTool} = await import('../../core/tool-detail.js')
    const tool = await describeTool(this.store, args.tool)
    if (!this.jsonEnabled()) await this.render(tool)
    return tool
  }

  private async render(tool: ToolDetail): Promise<void> {
    const {renderFields} = await import('../../ui/fields.js')
    const {decidedBy} = await import('../../ui/output.js')
    const {toolArguments} = await import('../../ui/tool-arguments.js')
    const hints = Object.entries(tool.annotations ?? {})
      .filter(([key]) => key !== 'title')
      .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
      .join(', ')
    this.log(
      renderFields(
        [
          ['tool', tool.name],
          ['title', tool.title],
          ['description', tool.description.replaceAll(/\s+/g, ' ').trim()],
          ['permission', `${tool.permission} (${decidedBy(tool)}: ${tool.reason})`],
          ['class', tool.class],
          ['annotations', hints || 'none'],
        ],
        this.mode,
      ),
    )

    const list = toolArguments(tool.inputSchema)
    this.log('')
    if (list.length === 0) this.log(tool.inputSchema === null ? 'Arguments: unknown (run `mcpctl tools sync` to fetch the full definition).' : 'Arguments: none.')
    else {
      if (this.mode.tty) this.log('Arguments:')
      this.table(list, [
        {get: (a) => a.name, header: 'ARGUMENT'},
        {get: (a) => a.type, header: 'TYPE', maxWidth: 40},
        {get: (a) => (a.required ? 'yes' : 'no'), header: 'REQUIRED'},
        {get: (a) => a.description, header: 'DESCRIPTION', maxWidth: 70},
      ])
    }

    if (tool.pendingChange) {
      const {inert} = await import('../../ui/text.js')
      this.log('')
      this.log(`Definition changed at ${tool.pendingChange.at} (not yet settled by a person):`)
      for (const line of tool.pendingChange.diff.split('\n')) this.log(`  ${inert(line)}`)
      this.note(`Accept the new definition with \`mcpctl tools accept ${tool.name}\`, or set the permission with \`mcpctl policy set ${tool.name} <level>\`.`)
    }
  }
}
