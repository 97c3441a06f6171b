import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {requireIntegration, summarizeIntegration} from '../../core/integrations.js'
import {listTools, type ToolRow} from '../../core/tool-list.js'
import type {IntegrationSummary} from '../../core/integrations.js'

interface IntegrationDetail extends IntegrationSummary {
  auth: IntegrationSummary['auth']
  createdAt: string
  headerName?: string
  oauth?: {clientId?: string; expiresAt?: string; issuer?: string; scopes?: string[]}
  secretStorage?: string
  server?: {name?: string; version?: string}
  toolList: ToolRow[]
  warningList: string[]
}

export default class IntegrationsShow extends BaseCommand {
  static args = {name: Args.string({description: 'Integration name', ignoreStdin: true, required: true})}
  static description = 'Show one integration: URL, auth (never the secret), token expiry, warnings, and every tool with its policy.'
  static examples = ['<%= config.bin %> <%= command.id %> acme', '<%= config.bin %> <%= command.id %> acme --json']

  async run(): Promise<IntegrationDetail> {
    const {args} = await this.parse(IntegrationsShow)
    const config = await this.store.read()
    const integration = requireIntegration(config, args.name)
    const {auth} = integration
    const detail: IntegrationDetail = {
      ...summarizeIntegration(integration),
      createdAt: integration.createdAt,
      headerName: auth.type === 'header' ? auth.headerName : undefined,
      oauth: auth.type === 'oauth' ? {clientId: auth.clientId, expiresAt: auth.expiresAt, issuer: auth.issuer, scopes: auth.scopes} : undefined,
      secretStorage: 'secret' in auth ? (auth.secret.kind === 'env' ? `env:${auth.secret.variable}` : auth.secret.kind) : undefined,
      server: integration.server,
      toolList: listTools(config, {server: integration.name}),
      warningList: integration.warnings,
    }

    if (!this.jsonEnabled()) {
      const {renderFields} = await import('../../ui/fields.js')
      this.log(
        renderFields(
          [
            ['name', detail.name],
            ['url', detail.url],
            ['transport', detail.transport],
            ['auth', detail.auth + (detail.headerName ? ` (header ${detail.headerName})` : '')],
            ['secret', detail.secretStorage],
            ['issuer', detail.oauth?.issuer],
            ['scopes', detail.oauth?.scopes?.join(' ')],
            ['token expires', detail.oauth?.expiresAt],
            ['server', detail.server?.name && `${detail.server.name} ${detail.server.version ?? ''}`.trim()],
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
          {get: (t) => t.source, header: 'SOURCE'},
          {get: (t) => t.reason, header: 'REASON', maxWidth: 70},
        ])
      }
    }

    return detail
  }
}
