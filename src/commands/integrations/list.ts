import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {ConnectionCheck} from '../../core/connection-check.js'
import {ExitCode} from '../../core/errors.js'
import {type IntegrationSummary, summarizeIntegration} from '../../core/integrations.js'

type ListedIntegration = IntegrationSummary & {check?: Omit<ConnectionCheck, 'name'>}

export default class IntegrationsList extends BaseCommand {
  static description = `List connected integrations with their status, auth and tool counts per permission.

STATUS is ok, or what needs attention: an unset --token-env variable, an expired OAuth token (refreshed on next use), tools whose definition changed at the last sync, discovery warnings. It is read from the store: nothing is contacted.

--check also contacts every connection, all at once, each with its own deadline (--timeout), and shows whether it is reachable, unauthorized (credentials refused or missing) or unreachable (down, timed out, not speaking MCP), with the reason. It takes about as long as the slowest connection. Exit code with --check: 0 all reachable, 5 some not, 4 none.`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --check',
    '<%= config.bin %> <%= command.id %> --check --timeout 2 --json | jq -r \'.[] | select(.check.state != "reachable") | .name\'',
    '<%= config.bin %> <%= command.id %> --json | jq -r \'.[].name\'',
  ]
  static flags = {
    check: Flags.boolean({description: 'Contact every connection (concurrently) and show whether it is reachable, unauthorized or unreachable.'}),
    timeout: Flags.integer({default: 5, description: 'With --check: seconds each connection has to answer.', min: 1}),
  }

  async run(): Promise<ListedIntegration[]> {
    const {flags} = await this.parse(IntegrationsList)
    const config = await this.store.read()
    const integrations = Object.values(config.integrations).sort((a, b) => (a.name < b.name ? -1 : 1))
    const listed: ListedIntegration[] = integrations.map((integration) => summarizeIntegration(integration))
    if (flags.check && integrations.length > 0) {
      const {checkConnections} = await import('../../core/connection-check.js')
      if (!this.jsonEnabled()) this.note(`Contacting ${integrations.length} connection${integrations.length === 1 ? '' : 's'}…`)
      const checks = await checkConnections({secrets: this.secrets, store: this.store}, integrations, {timeoutMs: flags.timeout * 1000})
      for (const [index, {name: _name, ...check}] of checks.entries()) listed[index].check = check
      const reachable = checks.filter((check) => check.state === 'reachable').length
      if (reachable < checks.length) process.exitCode = reachable === 0 ? ExitCode.server : ExitCode.partial
    }

    if (!this.jsonEnabled()) {
      if (listed.length === 0) this.note('No integrations yet. Add one with `mcpctl integrations add <url>`.')
      this.table(listed, [
        {get: (s) => s.name, header: 'NAME'},
        {get: (s) => s.url, header: 'URL'},
        {get: (s) => s.auth, header: 'AUTH'},
        {get: (s) => s.status, header: 'STATUS'},
        ...(flags.check
          ? [
              {get: (s: ListedIntegration) => s.check?.state ?? '', header: 'CHECK'},
              {get: (s: ListedIntegration) => s.check?.reason ?? '', header: 'REASON', maxWidth: 60},
            ]
          : []),
        {get: (s) => String(s.tools), header: 'TOOLS'},
        {get: (s) => String(s.permissions.auto), header: 'AUTO'},
        {get: (s) => String(s.permissions.approval_needed), header: 'APPROVAL'},
        {get: (s) => String(s.permissions.disabled), header: 'DISABLED'},
      ])
    }

    return listed
  }
}
