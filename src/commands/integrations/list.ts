import {BaseCommand} from '../../base-command.js'
import {type IntegrationSummary, summarizeIntegration} from '../../core/integrations.js'

export default class IntegrationsList extends BaseCommand {
  static description = `List connected integrations with their status, auth and tool counts per permission.

STATUS is ok, or what needs attention: an unset --token-env variable, an expired OAuth token (refreshed on
next use), tools whose definition changed at the last sync, discovery warnings.`
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json | jq -r \'.[].name\'']

  async run(): Promise<IntegrationSummary[]> {
    await this.parse(IntegrationsList)
    const config = await this.store.read()
    const summaries = Object.values(config.integrations)
      .map((integration) => summarizeIntegration(integration))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
    if (!this.jsonEnabled()) {
      if (summaries.length === 0) this.note('No integrations yet. Add one with `mcpctl integrations add <url>`.')
      this.table(summaries, [
        {get: (s) => s.name, header: 'NAME'},
        {get: (s) => s.url, header: 'URL'},
        {get: (s) => s.auth, header: 'AUTH'},
        {get: (s) => s.status, header: 'STATUS'},
        {get: (s) => String(s.tools), header: 'TOOLS'},
        {get: (s) => String(s.permissions.auto), header: 'AUTO'},
        {get: (s) => String(s.permissions.approval_needed), header: 'APPROVAL'},
        {get: (s) => String(s.permissions.disabled), header: 'DISABLED'},
      ])
    }

    return summaries
  }
}
