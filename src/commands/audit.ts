import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {usageError} from '../core/errors.js'
import type {AuditEntry} from '../core/store/audit-log.js'

const DECISIONS = ['auto', 'approved', 'denied', 'disabled', 'timeout', 'error']

export default class Audit extends BaseCommand {
  static description = `Read the gateway's call log: one line per call the agent made through \`mcpctl gateway\`.

Each entry has the time, the client, the tool, its permission, the decision (auto, approved, denied, disabled, timeout, error), how it was approved (elicitation or cli), the sha256 of the arguments (never the arguments), the duration and the outcome (ok, tool_error, upstream_error, not_called). --follow keeps printing new calls; with --json it prints one JSON object per line.`
  static examples = [
    '<%= config.bin %> <%= command.id %> --since 1h',
    "<%= config.bin %> <%= command.id %> --tool 'mcp:acme:*' --decision denied",
    '<%= config.bin %> <%= command.id %> --follow',
    '<%= config.bin %> <%= command.id %> --json | jq \'group_by(.decision) | map({(.[0].decision): length}) | add\'',
  ]
  static flags = {
    decision: Flags.string({description: 'Only calls with this decision.', options: DECISIONS}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing calls as they are made (Ctrl-C to stop).'}),
    since: Flags.string({description: 'Only calls in this last period: 30s, 15m, 2h, 7d; or an ISO date.', helpValue: 'AGE'}),
    tool: Flags.string({description: 'Only calls of tools matching this name or glob (mcp:<server>:<tool>).', helpValue: 'PATTERN', multiple: true}),
  }

  async run(): Promise<AuditEntry[] | undefined> {
    const {flags} = await this.parse(Audit)
    const since = flags.since === undefined ? undefined : parseSince(flags.since)
    const {compilePatterns} = await import('../core/policy/pattern.js')
    const tools = flags.tool?.length ? compilePatterns(flags.tool) : undefined
    const keep = (entry: AuditEntry) =>
      (since === undefined || Date.parse(entry.time) >= since) &&
      (!flags.decision || entry.decision === flags.decision) &&
      (!tools || (entry.tool !== undefined && tools.matchesAny(entry.tool)))
    const {AuditLog} = await import('../core/store/audit-log.js')
    const log = new AuditLog(this.configDir)
    const entries: AuditEntry[] = []
    for await (const entry of log.entries()) if (keep(entry)) entries.push(entry)

    if (!flags.follow) {
      if (!this.jsonEnabled()) {
        if (entries.length === 0) this.note('No calls match.')
        this.render(entries)
      }

      return entries
    }

    // Following: JSON becomes one object per line, so a reader can act on each call as it comes.
    const print = (batch: AuditEntry[]) => {
      if (this.jsonEnabled()) for (const entry of batch) process.stdout.write(`${JSON.stringify(entry)}\n`)
      else this.render(batch)
    }

    print(entries)
    const controller = new AbortController()
    const stop = () => controller.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    for await (const entry of log.follow(controller.signal)) if (keep(entry)) print([entry])
    return undefined
  }

  private render(entries: AuditEntry[]): void {
    this.table(entries, [
      {get: (r) => r.time, header: 'TIME'},
      {get: (r) => r.tool ?? r.gatewayName, header: 'TOOL'},
      {get: (r) => r.decision + (r.approval ? ` (${r.approval})` : ''), header: 'DECISION'},
      {get: (r) => r.outcome, header: 'OUTCOME'},
      {get: (r) => `${r.durationMs} ms`, header: 'DURATION'},
      {get: (r) => [r.client?.name, r.client?.version].filter(Boolean).join(' '), header: 'CLIENT', maxWidth: 30},
    ])
  }
}

/** `90s`, `15m`, `2h`, `7d` → ms since the epoch of that long ago; or an ISO date. */
function parseSince(value: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(value.trim())
  if (match) {
    const unit = {d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000}[match[2] as 'd' | 'h' | 'm' | 's']
    return Date.now() - Number(match[1]) * unit
  }

  const date = Date.parse(value)
  if (Number.isNaN(date)) throw usageError(`--since ${value} is not a period or a date.`, 'Use e.g. --since 30m, --since 2h, --since 7d or --since 2026-12-01.')
  return date
}
