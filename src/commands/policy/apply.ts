import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {ExitCode} from '../../core/errors.js'
import type {ApplyResult} from '../../core/policy/policy-file.js'
import {dryRun} from '../../flags.js'

export default class PolicyApply extends BaseCommand {
  static description = `Make the store match a policy file (from \`mcpctl policy export\`), in one change.

Prints the plan (tool, from → to), then applies it; applying the same file again changes nothing. Keys are tool names or globs matched within their server (\`list_*\` under acme means mcp:acme:list_*); an exact name wins over a glob, and among globs the later one wins. Every problem is reported with its line and nothing is written: an unknown server, a key that matches no tool, a bad level, a schema or syntax error.

--prune also resets, to their seeded defaults, the choices people made in the file's servers that the file does not mention. Servers the file does not list are never touched.

Exit codes: 0 applied (or, with --dry-run, nothing to change); 6 with --dry-run when changes are pending; 2 for a file with problems. Use \`-f -\` to read the file from standard input.`
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
    prune: Flags.boolean({description: "Reset people's choices in the file's servers that the file does not mention."}),
  }

  async run(): Promise<ApplyResult> {
    const {flags} = await this.parse(PolicyApply)
    let text: string | undefined
    if (flags.file === '-') {
      const {readStdin} = await import('../../ui/stdin.js')
      text = await readStdin('-f -')
    }

    const {applyPolicyFile} = await import('../../core/policy/policy-file.js')
    const result = await applyPolicyFile({store: this.store}, {dryRun: flags['dry-run'], file: flags.file, prune: flags.prune, text})
    // Drift is an answer, not an error: the plan is still printed (and returned for --json) with exit 6.
    if (result.dryRun && result.changes.length > 0) process.exitCode = ExitCode.changesPending
    if (!this.jsonEnabled()) {
      const count = `${result.changes.length} tool${result.changes.length === 1 ? '' : 's'}`
      const summary =
        result.changes.length === 0
          ? `Nothing to change: the store matches ${result.file === '-' ? 'the file' : result.file}`
          : `${result.dryRun ? 'Would change' : 'Changed'} ${count}`
      this.note(`${summary} (${result.entries} entr${result.entries === 1 ? 'y' : 'ies'} for ${result.servers} server${result.servers === 1 ? '' : 's'}${result.unchanged ? `, ${result.unchanged} tools already as listed` : ''}).`)
      this.table(result.changes, [
        {get: (c) => c.name, header: 'TOOL'},
        {get: (c) => `${c.from} (${c.fromSource})`, header: 'FROM'},
        {get: (c) => `${c.to} (${c.toSource})`, header: 'TO'},
      ])
    }

    return result
  }
}
