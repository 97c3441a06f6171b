import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {requireIntegration, summarizeIntegration} from '../../core/integrations.js'
import {describeConnection} from '../../core/sources/describe.js'
import {listTools, type ToolRow} from '../../core/tool-list.js'
import type {IntegrationSummary} from '../../core/integrations.js'

/** The summary, the kind's own facts (auth details, server, app fields; never a secret), and every tool. */
type IntegrationDetail = IntegrationSummary &
  Record<string, unknown> & {
    createdAt: string
    toolList: ToolRow[]
    warningList: string[]
  }

export default class IntegrationsShow extends BaseCommand {
  static args = {name: Args.string({description: 'Integration name', ignoreStdin: true, required: true})}
  static description = 'Show one connection (MCP server or catalog app): URL, auth (never the secret), token expiry or app fields, warnings, and every tool with its policy.'
  static examples = ['<%= config.bin %> <%= command.id %> acme', '<%= config.bin %> <%= command.id %> acme --json']

  async run(): Promise<IntegrationDetail> {
    const {args} = await this.parse(IntegrationsShow)
    const config = await this.store.read()
    const integration = requireIntegration(config, args.name)
    const connection = describeConnection(integration)
    const detail: IntegrationDetail = {
      ...summarizeIntegration(integration),
      ...connection.detail,
      createdAt: integration.createdAt,
      toolList: listTools(config, {server: integration.name}),
      warningList: integration.warnings,
    }

    if (!this.jsonEnabled()) {
      const {renderFields} = await import('../../ui/fields.js')
      const {decidedBy} = await import('../../ui/output.js')
      this.log(
        renderFields(
          [
            ['name', detail.name],
            ['url', detail.url],
            ...connection.rows,
            ['created', detail.createdAt],
            ['synced', detail.syncedAt],
            ['tools', `${detail.tools} (${detail.permissions.auto} auto, ${detail.permissions.approval_needed} approval_needed, ${detail.permissions.disabled} disabled)`],
          ],
          this.mode,
        ),
      )
      for (const warning of detail.warningList) this.warn(warning)
      if (detail.toolList.length > 0) {
        this.log('')
        this.table(detail.toolList, [
          {get: (t) => t.name, header: 'TOOL'},
          {get: (t) => t.permission, header: 'PERMISSION'},
          {get: (t) => decidedBy(t), header: 'SOURCE'},
          {get: (t) => t.reason, header: 'REASON', maxWidth: 70},
        ])
      }
    }

    return detail
  }
}
