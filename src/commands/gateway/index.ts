import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {McpctlError, usageError} from '../../core/errors.js'
import {gatewayOnly} from '../../flags.js'

export default class Gateway extends BaseCommand {
  static description = `Serve every allowed tool to an AI agent as one MCP server, enforcing each tool's permission at every call.

stdio by default (what Claude Code, Codex, Cursor and VS Code spawn: see \`mcpctl gateway install\`), or streamable HTTP on 127.0.0.1 with --http (a bearer token is required: MCPCTL_GATEWAY_TOKEN, or one generated once and kept in the secret store; \`mcpctl gateway token\` prints it). Serves the 2025 and the 2026-07-28 protocol.

disabled tools are neither listed nor callable; auto tools are called; approval_needed calls wait for a person: in the agent's client when it supports elicitation, otherwise (or with --approvals cli) until someone runs \`mcpctl approvals approve <id>\` in a terminal, for --approval-timeout seconds. Policy changes apply at once. Every call is written to the audit log (\`mcpctl audit\`).`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --only 'mcp:acme-*:*'",
    '<%= config.bin %> <%= command.id %> --approvals cli --approval-timeout 300',
    '<%= config.bin %> <%= command.id %> --http --port 8765',
  ]
  static flags = {
    'approval-timeout': Flags.integer({default: 120, description: 'Seconds a call waits for a person before it is refused.', min: 1}),
    approvals: Flags.string({
      default: 'auto',
      description: 'Where a person approves approval_needed calls: auto (in the agent\'s client when it can ask, else the CLI) or cli (always `mcpctl approvals`; an in-client accept can be automated by client hooks).',
      options: ['auto', 'cli'],
    }),
    'call-timeout': Flags.integer({default: 60, description: 'Seconds an upstream call may take.', min: 1}),
    http: Flags.boolean({description: 'Serve streamable HTTP on 127.0.0.1 instead of stdio.'}),
    'insecure-storage': Flags.boolean({description: 'Without an OS keyring, keep the generated --http token in a 0600 file in the config dir.'}),
    only: gatewayOnly,
    port: Flags.integer({dependsOn: ['http'], description: 'Port for --http (default: any free port, printed at start).', max: 65_535, min: 0}),
  }

  async run(): Promise<undefined> {
    const {flags} = await this.parse(Gateway)
    if (!flags.http && this.jsonEnabled()) throw usageError('The stdio gateway speaks MCP on standard output; --json applies to --http only.')
    const {compilePatterns} = await import('../../core/policy/pattern.js')
    const scope = flags.only?.length ? compilePatterns(flags.only) : undefined
    const {ConfigStore} = await import('../../core/store/config-store.js')
    const {AuditLog} = await import('../../core/store/audit-log.js')
    const {ApprovalQueue} = await import('../../core/gateway/approval-queue.js')
    const {ConnectionPool} = await import('../../core/sources/connection-pool.js')
    const {Gateway: GatewayCore} = await import('../../core/gateway/gateway.js')
    // The store is read at every call; cached reads cost one stat while it is unchanged.
    const store = new ConfigStore(this.configDir, {cacheReads: true})
    await store.read()
    const gateway = new GatewayCore({
      approvalTimeoutMs: flags['approval-timeout'] * 1000,
      approvals: flags.approvals as 'auto' | 'cli',
      audit: new AuditLog(this.configDir),
      callTimeoutMs: flags['call-timeout'] * 1000,
      ctx: {secrets: this.secrets, store},
      notice: (message) => this.note(message),
      pool: new ConnectionPool(),
      queue: new ApprovalQueue(this.configDir),
      scope,
    })

    const {serveHttp, serveStdio} = await import('../../core/gateway/serve.js')
    const onerror = process.env.MCPCTL_GATEWAY_DEBUG ? (error: Error) => this.note(`gateway: ${error.message}`) : undefined
    let running
    if (flags.http) {
      const {gatewayToken} = await import('../../core/gateway/token.js')
      const token = await gatewayToken(this.secrets, {allowFile: flags['insecure-storage'], create: true}).catch((error: unknown) => {
        if (error instanceof McpctlError && error.kind === 'usage') {
          throw new McpctlError('usage', 'No OS keyring is available to keep the gateway token.', {
            hint: 'Set MCPCTL_GATEWAY_TOKEN, or pass --insecure-storage to keep it in a 0600 file in the config dir.',
          })
        }

        throw error
      })
      running = await serveHttp(gateway, {dir: this.configDir, onerror, port: flags.port, token: token!.token})
      if (token!.created) this.note(`Generated a bearer token for the gateway (kept in the ${token!.source === 'keyring' ? 'OS keyring' : 'config dir, 0600'}); print it with \`mcpctl gateway token\`.`)
      if (this.jsonEnabled()) this.logJson({url: running.url})
      else this.log(running.url!)
      this.note('Serving until Ctrl-C.')
    } else {
      running = await serveStdio(gateway, {dir: this.configDir, onerror})
    }

    const stop = () => void running.close()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    await running.closed
    process.removeListener('SIGINT', stop)
    process.removeListener('SIGTERM', stop)
    return undefined
  }
}
