import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {POLICY_FORMATS, type ExportResult, type PolicyFormat} from '../../core/policy/policy-file.js'
import {serverFilter} from '../../flags.js'

export default class PolicyExport extends BaseCommand {
  static description = `Write the rules and the permissions people chose as a policy file to review in a pull request.

\`rules\`: every rule and ceiling, in order, as rules (they also govern tools that appear later). \`servers\`: per server, every tool with a person's choice (source user) and its level; what rules and seeding decide is not listed. Servers and tools are sorted and the file carries no timestamp, so an unchanged store exports byte-for-byte the same file, and export → apply → export gives it back unchanged. Apply it (on this or another machine) with \`mcpctl policy apply -f\`. With --server, only that server's choices are written and no \`rules\` key: such a file does not speak for rules.

Without -o the file goes to stdout. The format follows -o's extension (.json → json), else --format.`
  static examples = [
    '<%= config.bin %> <%= command.id %> -o policy.yaml',
    '<%= config.bin %> <%= command.id %> --format json --server acme -o acme-policy.json',
    '<%= config.bin %> <%= command.id %> > policy.yaml && git diff policy.yaml',
  ]
  static flags = {
    format: Flags.string({description: 'File format (default yaml, or json when -o ends in .json).', options: [...POLICY_FORMATS]}),
    output: Flags.string({char: 'o', description: 'Write to this file instead of stdout.', helpValue: 'FILE'}),
    server: serverFilter,
  }

  async run(): Promise<ExportResult> {
    const {flags} = await this.parse(PolicyExport)
    const format = (flags.format ?? (flags.output?.toLowerCase().endsWith('.json') ? 'json' : 'yaml')) as PolicyFormat
    const {exportPolicies} = await import('../../core/policy/policy-file.js')
    const result = await exportPolicies({store: this.store}, {format, output: flags.output, server: flags.server})
    if (!this.jsonEnabled()) {
      if (result.file) {
        this.note(`Wrote ${result.rules} rule${result.rules === 1 ? '' : 's'} and ${result.tools} choice${result.tools === 1 ? '' : 's'} for ${result.servers} server${result.servers === 1 ? '' : 's'} to ${result.file}.`)
      }
      else this.log(result.text.trimEnd())
    }

    return result
  }
}
