import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {ExitCode} from '../../core/errors.js'
import {SYNC_CONCURRENCY, SYNC_TIMEOUT_MS, type SyncResult} from '../../core/sync.js'

export default class ToolsSync extends BaseCommand {
  static args = {
    name: Args.string({description: 'Integration to sync (default: all of them, concurrently)', ignoreStdin: true}),
  }
  static description = `Discover every connection's tools again and bring the store up to date.

All connections are synced concurrently (${SYNC_CONCURRENCY} at a time), each with its own deadline: a slow or dead server neither blocks nor fails the others, and each reports its own result. New tools are seeded and get the rules (\`mcpctl policy rules list\`) at once; tools a server no longer offers leave the listing and are listed; a person's policy is kept, also through a tool's absence (until disconnect), and a tool that comes back is treated as changed.

A tool whose definition changed (name, description, input/output schema, annotations) is listed with a field-level diff and flagged for \`mcpctl tools list --changed\`; if it was auto it drops to approval_needed until someone sets it again. Everything is stored in one change at the end.

Exit codes: 0 all synced; 5 some servers failed (the others were synced); 4 every server failed.`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> acme',
    '<%= config.bin %> <%= command.id %> --timeout 10 --json | jq \'.servers[] | select(.ok | not)\'',
    '<%= config.bin %> <%= command.id %> && <%= config.bin %> tools list --changed',
  ]
  static flags = {
    timeout: Flags.integer({default: SYNC_TIMEOUT_MS / 1000, description: 'Seconds each server may take to connect and list its tools.', helpValue: 'SECONDS', min: 1}),
  }

  async run(): Promise<SyncResult> {
    const {args, flags} = await this.parse(ToolsSync)
    const {syncIntegrations} = await import('../../core/sync.js')
    const result = await syncIntegrations({secrets: this.secrets, store: this.store}, {name: args.name, timeoutMs: flags.timeout * 1000})
    if (result.failed > 0) process.exitCode = result.failed === result.servers.length ? ExitCode.server : ExitCode.partial
    if (!this.jsonEnabled()) await this.render(result)
    return result
  }

  private async render(result: SyncResult): Promise<void> {
    if (result.servers.length === 0) {
      this.note('No integrations yet. Add one with `mcpctl integrations add <url>`.')
      return
    }

    const {inert} = await import('../../ui/text.js')
    const {decidedBy} = await import('../../ui/output.js')
    this.table(result.servers, [
      {get: (s) => s.name, header: 'SERVER'},
      {get: (s) => (s.ok ? 'ok' : 'failed'), header: 'STATUS'},
      {get: (s) => String(s.added.length), header: 'ADDED'},
      {get: (s) => String(s.removed.length), header: 'REMOVED'},
      {get: (s) => String(s.changed.length), header: 'CHANGED'},
      {get: (s) => String(s.unchanged), header: 'UNCHANGED'},
      {get: (s) => s.error?.message ?? (s.warnings.length > 0 ? `${s.warnings.length} warning${s.warnings.length === 1 ? '' : 's'}` : ''), header: 'ERROR', maxWidth: 70},
    ])
    for (const server of result.servers) {
      for (const tool of server.added) this.note(`+ ${tool.name}  ${tool.permission} (${tool.source === 'default' ? 'seeded' : decidedBy(tool)})`)
      for (const tool of server.removed) this.note(`- ${tool.name}  no longer offered (was ${tool.permission}${tool.source === 'user' ? ', a person’s choice, kept should it come back' : ''})`)
      for (const tool of server.changed) {
        this.note(`~ ${tool.name}  definition changed${tool.demoted ? '; auto → approval_needed until someone sets it again' : `; keeps ${tool.permission}`}`)
        // Diffs quote server text: made inert before they reach the terminal.
        for (const line of tool.diff.split('\n')) this.note(`    ${inert(line)}`)
      }

      for (const warning of server.warnings) this.note(`! ${server.name}: ${inert(warning)}`)
      if (server.error?.hint) this.note(`  ${server.name}: ${server.error.hint}`)
    }

    const failed = result.failed > 0 ? `; ${result.failed} failed` : ''
    this.note(`Synced ${result.servers.length - result.failed} of ${result.servers.length} integration${result.servers.length === 1 ? '' : 's'}${failed}.`)
  }
}
