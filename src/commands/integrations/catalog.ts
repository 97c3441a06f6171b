import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {APP_CATEGORIES} from '../../core/sources/catalog/categories.js'
import type {CatalogEntry} from '../../core/sources/catalog/connect.js'

export default class IntegrationsCatalog extends BaseCommand {
  static description = `List the built-in apps you can connect with \`mcpctl connect <app-id>\`, with a connected badge.

Each app has an id (the first part of its tool names, e.g. it-glue:docs:search_orgs), a category, the kind of credential it takes, and its fields; --json shows the fields with their keys (for --field KEY=VALUE and --secret-env KEY=VAR), which of them are secret or required, and their presets.`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --category psa',
    '<%= config.bin %> <%= command.id %> --search glue --json | jq \'.[0].fields\'',
  ]
  static flags = {
    category: Flags.string({description: 'Only apps of this category.', options: [...APP_CATEGORIES]}),
    search: Flags.string({description: 'Only apps whose id, name or description contains this text.', helpValue: 'TEXT'}),
  }

  async run(): Promise<CatalogEntry[]> {
    const {flags} = await this.parse(IntegrationsCatalog)
    const {listCatalog} = await import('../../core/sources/catalog/connect.js')
    const entries = listCatalog(await this.store.read(), {category: flags.category, search: flags.search})
    if (!this.jsonEnabled()) {
      if (entries.length === 0) this.note('No app matches.')
      this.table(entries, [
        {get: (e) => e.id, header: 'APP'},
        {get: (e) => e.name, header: 'NAME'},
        {get: (e) => e.category, header: 'CATEGORY'},
        {get: (e) => e.auth, header: 'AUTH'},
        {get: (e) => (e.connected.length > 0 ? `connected: ${e.connected.join(', ')}` : ''), header: 'CONNECTED'},
        {get: (e) => e.description, header: 'DESCRIPTION', maxWidth: 60},
      ])
      if (entries.length > 0) this.note('Connect one with: mcpctl connect <app-id>   (fields: mcpctl integrations catalog --json)')
    }

    return entries
  }
}
