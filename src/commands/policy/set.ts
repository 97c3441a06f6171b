import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {usageError} from '../../core/errors.js'
import {isPermission, PERMISSIONS, TOOL_CLASSES, type ToolClass} from '../../core/policy/permission.js'
import type {PolicyLinesResult} from '../../core/policy/bulk.js'
import type {PolicySetResult} from '../../core/policy/plan.js'
import {dryRun, serverFilter} from '../../flags.js'

export default class PolicySet extends BaseCommand {
  static args = {
    // Not `required`, and never filled from a pipe by oclif: with --stdin the lines are read by this command.
    patterns: Args.string({description: 'Tool names or globs (mcp:<server>:<tool>, * and ? within a segment), then the level', ignoreStdin: true}),
  }
  static description = `Set the permission of one tool or many: exact names or globs, then auto, approval_needed or disabled.

All matched tools change in one write, as a person's choice (source user), which later syncs keep.
A pattern that matches nothing, or an unknown level, is an error and nothing changes.

With --stdin, each line is \`<pattern> <level>\` (blank lines and # comments skipped), all applied as one change: every bad line is reported as "line N: …" (exit 2) and nothing is written. When several lines match one tool, the later line wins.`
  static examples = [
    '<%= config.bin %> <%= command.id %> mcp:acme:delete_ticket disabled',
    "<%= config.bin %> <%= command.id %> 'mcp:*:delete_*' 'mcp:*:reset_*' approval_needed --dry-run",
    "<%= config.bin %> <%= command.id %> 'mcp:ninja:*' auto --where read --json",
    "for s in $(mcpctl integrations list --json | jq -r '.[].name'); do mcpctl policy set \"mcp:$s:run_*\" disabled; done",
    "printf 'mcp:*:delete_* disabled\\nmcp:*:list_* auto\\n' | <%= config.bin %> <%= command.id %> --stdin",
    '<%= config.bin %> <%= command.id %> --stdin --dry-run < policies.txt',
  ]
  static flags = {
    'dry-run': dryRun,
    server: serverFilter,
    stdin: Flags.boolean({description: 'Read `<pattern> <level>` lines from standard input and apply them as one change.'}),
    where: Flags.string({description: 'Only tools seeded as this class.', options: [...TOOL_CLASSES]}),
  }
  static strict = false
  static usage = ['policy set <pattern...> <auto|approval_needed|disabled>', 'policy set --stdin']

  async run(): Promise<PolicyLinesResult | PolicySetResult> {
    const {argv, flags} = await this.parse(PolicySet)
    const words = argv as string[]
    if (flags.stdin) return this.runStdin(words, flags)
    if (words.length < 2) throw usageError('Give at least one pattern and a level.', 'Example: mcpctl policy set mcp:acme:delete_* disabled')
    const level = words.at(-1)!
    if (!isPermission(level)) throw usageError(`"${level}" is not a permission level.`, `Use one of: ${PERMISSIONS.join(', ')}.`)
    const patterns = words.slice(0, -1)

    // An unknown --server is reported by the plan itself: the store is read once.
    const {setPolicies} = await import('../../core/policy/plan.js')
    const result = await setPolicies(
      {store: this.store},
      {dryRun: flags['dry-run'], filter: {server: flags.server, where: flags.where as ToolClass | undefined}, level, patterns},
    )
    if (!this.jsonEnabled()) {
      const verb = result.dryRun ? 'Would change' : 'Changed'
      this.note(`${verb} ${result.changes.length} tool${result.changes.length === 1 ? '' : 's'} to ${level}${result.unchanged ? ` (${result.unchanged} already were)` : ''}.`)
      this.table(result.changes, [
        {get: (c) => c.name, header: 'TOOL'},
        {get: (c) => c.from + (c.fromSource === 'default' ? ' (default)' : ''), header: 'FROM'},
        {get: (c) => c.to, header: 'TO'},
      ])
    }

    return result
  }

  private async runStdin(words: string[], flags: {'dry-run': boolean; server?: string; where?: string}): Promise<PolicyLinesResult> {
    if (words.length > 0) throw usageError('With --stdin, patterns and levels come from standard input, not arguments.', 'Put each `<pattern> <level>` on its own line of input.')
    const {readStdin} = await import('../../ui/stdin.js')
    const text = await readStdin('--stdin')
    const {setPoliciesFromLines} = await import('../../core/policy/bulk.js')
    const result = await setPoliciesFromLines(
      {store: this.store},
      {dryRun: flags['dry-run'], filter: {server: flags.server, where: flags.where as ToolClass | undefined}, text},
    )
    if (!this.jsonEnabled()) {
      const verb = result.dryRun ? 'Would change' : 'Changed'
      this.note(`${verb} ${result.changes.length} tool${result.changes.length === 1 ? '' : 's'} from ${result.lines} line${result.lines === 1 ? '' : 's'}${result.unchanged ? ` (${result.unchanged} already were as asked)` : ''}.`)
      this.table(result.changes, [
        {get: (c) => c.name, header: 'TOOL'},
        {get: (c) => c.from + (c.fromSource === 'default' ? ' (default)' : ''), header: 'FROM'},
        {get: (c) => c.to, header: 'TO'},
      ])
    }

    return result
  }
}
