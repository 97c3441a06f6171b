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
    patterns: Args.string({description: 'Tool names or globs (mcp:<server>:<tool> or <app-id>:<connection>:<tool>, * and ? within a segment), then the level', ignoreStdin: true}),
  }
  static description = `Set the permission of one tool or many: exact names or globs, then auto, approval_needed or disabled.

An exact name (mcp:acme:delete_ticket) is a person's choice for that tool (source user), which later syncs keep; a name that is not a tool is an error. A glob (mcp:*:delete_*) is a rule, as \`mcpctl policy rules add\` makes: it decides the tools it matches today and every tool that appears later, unless a person chose otherwise for a tool or a more specific rule matches. A glob matching no tool today is kept all the same (and says so). With --server or --where, which only today's tools can satisfy, every pattern picks today's matching tools instead, and each gets a choice.

Everything changes in one write. A choice looser than a ceiling allows (\`mcpctl policy rules add … --at-most\`) is refused, naming the ceiling (exit 7), and nothing changes.

With --stdin, each line is \`<pattern> <level>\` (blank lines and # comments skipped), all applied as one change: every bad line is reported as "line N: …" (exit 2) and nothing is written. Where lines overlap, the most specific decides — fewest wildcards, then the longest literal text, then the later line — as in policy files; a line that decides none of the tools it matches is warned about.

Exit codes: 0 done (or planned, with --dry-run); 2 bad input; 7 refused by a ceiling.`
  static examples = [
    '<%= config.bin %> <%= command.id %> mcp:acme:delete_ticket disabled',
    "<%= config.bin %> <%= command.id %> 'mcp:*:delete_*' 'mcp:*:reset_*' approval_needed --dry-run",
    "<%= config.bin %> <%= command.id %> 'mcp:ninja:*' auto --where read --json",
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
    if (!this.jsonEnabled()) await this.renderPolicyPlan(result)
    return result
  }

  private async runStdin(words: string[], flags: {'dry-run': boolean; server?: string; where?: string}): Promise<PolicyLinesResult> {
    if (words.length > 0) throw usageError('With --stdin, patterns and levels come from standard input, not arguments.', 'Put each `<pattern> <level>` on its own line of input.')
    const {MAX_POLICY_INPUT_BYTES, setPoliciesFromLines} = await import('../../core/policy/bulk.js')
    const {readStdin} = await import('../../ui/stdin.js')
    const text = await readStdin('--stdin', {maxBytes: MAX_POLICY_INPUT_BYTES})
    const result = await setPoliciesFromLines(
      {store: this.store},
      {dryRun: flags['dry-run'], filter: {server: flags.server, where: flags.where as ToolClass | undefined}, text},
    )
    if (!this.jsonEnabled()) {
      const count = `${result.changes.length} tool${result.changes.length === 1 ? '' : 's'}`
      await this.renderPolicyPlan(
        result,
        `${result.dryRun ? 'Would change' : 'Changed'} ${count} from ${result.lines} line${result.lines === 1 ? '' : 's'}${result.unchanged ? ` (${result.unchanged} already as asked)` : ''}.`,
      )
    }

    return result
  }
}
