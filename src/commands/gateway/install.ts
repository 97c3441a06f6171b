import {homedir} from 'node:os'

import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {usageError} from '../../core/errors.js'
import {AGENTS, type Agent, type InstallResult} from '../../core/gateway/install.js'
import {gatewayOnly} from '../../flags.js'

export default class GatewayInstall extends BaseCommand {
  static args = {agent: Args.string({description: 'The agent to wire up', ignoreStdin: true, options: [...AGENTS], required: true})}
  static description = `Add the gateway to an agent's MCP configuration, or print the snippet.

Writes the file each agent reads, merging the entry into what is there (other servers, settings and, for Codex, comments are kept): claude-code → ./.mcp.json (this project), codex → ~/.codex/config.toml ($CODEX_HOME), cursor → ~/.cursor/mcp.json, vscode → ./.vscode/mcp.json (this workspace). The agent starts \`mcpctl gateway\` over stdio; restart it (or reload its MCP servers) to pick the entry up.`
  static examples = [
    '<%= config.bin %> <%= command.id %> claude-code',
    "<%= config.bin %> <%= command.id %> cursor --only 'mcp:acme-*:*'",
    '<%= config.bin %> <%= command.id %> codex --print',
  ]
  static flags = {
    name: Flags.string({default: 'mcpctl', description: 'Name of the entry in the agent\'s configuration.', helpValue: 'NAME'}),
    only: gatewayOnly,
    print: Flags.boolean({description: 'Print the snippet instead of writing the file.'}),
  }

  async run(): Promise<InstallResult & {written: boolean}> {
    const {args, flags} = await this.parse(GatewayInstall)
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(flags.name)) throw usageError(`--name "${flags.name}" is not a valid entry name.`, 'Use letters, digits, _ and - (at most 64).')
    if (flags.only?.length) {
      const {compilePatterns} = await import('../../core/policy/pattern.js')
      compilePatterns(flags.only)
    }

    const {entrySnippet, gatewayEntry, installGateway, installTarget} = await import('../../core/gateway/install.js')
    const target = installTarget(args.agent as Agent, {cwd: process.cwd(), env: process.env, home: homedir()})
    const entry = gatewayEntry({env: process.env, nodePath: process.execPath, only: flags.only, script: process.argv[1]})
    if (flags.print) {
      if (!this.jsonEnabled()) {
        this.note(`Add this to ${target.file}:`)
        this.log(entrySnippet(target, flags.name, entry).trimEnd())
      }

      return {agent: target.agent, entry, file: target.file, name: flags.name, updated: false, written: false}
    }

    const result = await installGateway(target, flags.name, entry)
    if (!this.jsonEnabled()) this.log(`${result.updated ? 'Updated' : 'Created'} ${result.file}: "${flags.name}" starts \`${[entry.command, ...entry.args].join(' ')}\`. Restart ${target.agent} to use it.`)
    return {...result, written: true}
  }
}
