import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {ExitCode} from '../../core/errors.js'
import type {ApplyResult} from '../../core/policy/policy-file.js'
import {dryRun} from '../../flags.js'

export default class PolicyApply extends BaseCommand {
  static description = `Make the store match a policy file (from \`mcpctl policy export\`): rules and choices, in one change.

Prints the plan (rules, then tool, from → to), then applies it; applying the same file again changes nothing. \`rules\` are <kind>:<connection>:<tool> patterns with a level and/or a ceiling (\`{level, at_most}\`). Under \`servers\`, an exact server and tool name is a person's choice for that tool; a server glob (\`"*"\`, \`acme-*\`) or tool glob (\`delete_*\`) makes the rule \`*:<server>:<tool>\`, which also governs tools that appear later. A tool gets its choice, else the most specific matching rule (fewest wildcards, then the longest literal text, then the later one), else its seeded default; then every matching ceiling caps it. Every problem is reported with its line and nothing is written: an exact name of an unknown server or tool, a bad level, a schema or syntax error; a choice looser than a ceiling is refused (exit 7). A line that decides none of the tools it matches is warned about.

--prune also removes what the file no longer has: rules not in it (when it has a \`rules\` key), and choices in the file's servers that it does not list. Servers the file does not list are never touched.

Exit codes: 0 applied (or, with --dry-run, nothing to change); 6 with --dry-run when changes are pending; 2 for a file with problems; 7 refused by a ceiling. Use \`-f -\` to read the file from standard input.`
  static examples = [
    '<%= config.bin %> <%= command.id %> -f policy.yaml',
    '<%= config.bin %> <%= command.id %> -f policy.yaml --dry-run || echo "drift: exit $?"',
    '<%= config.bin %> <%= command.id %> -f policy.yaml --prune',
    '<%= config.bin %> <%= command.id %> -f policy.json --dry-run --json',
    'git show main:policy.yaml | <%= config.bin %> <%= command.id %> -f - --dry-run',
  ]
  static flags = {
    'dry-run': dryRun,
    file: Flags.string({char: 'f', description: 'The policy file (YAML or JSON; - for standard input).', helpValue: 'FILE', required: true}),
    prune: Flags.boolean({description: "Remove rules the file does not have, and people's choices in the file's servers that it does not list."}),
  }

  async run(): Promise<ApplyResult> {
    const {flags} = await this.parse(PolicyApply)
    const {applyPolicyFile} = await import('../../core/policy/policy-file.js')
    let text: string | undefined
    if (flags.file === '-') {
      const {MAX_POLICY_INPUT_BYTES} = await import('../../core/policy/bulk.js')
      const {readStdin} = await import('../../ui/stdin.js')
      text = await readStdin('-f -', {maxBytes: MAX_POLICY_INPUT_BYTES})
    }

    const result = await applyPolicyFile({store: this.store}, {dryRun: flags['dry-run'], file: flags.file, prune: flags.prune, text})
    // Drift is an answer, not an error: the plan is still printed (and returned for --json) with exit 6.
    if (result.dryRun && (result.changes.length > 0 || result.rules.length > 0)) process.exitCode = ExitCode.changesPending
    if (!this.jsonEnabled()) {
      const count = `${result.changes.length} tool${result.changes.length === 1 ? '' : 's'}`
      const summary =
        result.changes.length === 0 && result.rules.length === 0
          ? `Nothing to change: the store matches ${result.file === '-' ? 'the file' : result.file}`
          : `${result.dryRun ? 'Would change' : 'Changed'} ${count}`
      await this.renderPolicyPlan(
        result,
        `${summary} (${result.entries} entr${result.entries === 1 ? 'y' : 'ies'} for ${result.servers} server${result.servers === 1 ? '' : 's'}${result.unchanged ? `, ${result.unchanged} tools already as planned` : ''}).`,
      )
    }

    return result
  }
}
