import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {ExitCode, McpctlError, policyRefusal, usageError} from '../../core/errors.js'
import {CALL_TIMEOUT_MS, type ToolCallResult} from '../../core/tool-call.js'
import {yes} from '../../flags.js'

/** Nesting of --args beyond which it is refused: deeper values overflow the stack of what walks them (validation, the SDK). */
const MAX_ARGS_DEPTH = 64

/** --args as the person gave it, for messages: the file or `-`, never the JSON itself. */
const argsSource = (value: string) => `--args${value === '-' ? ' -' : value.startsWith('@') ? ` ${value}` : ''}`

export default class ToolsCall extends BaseCommand {
  static args = {tool: Args.string({description: 'Tool name, mcp:<server>:<tool> or <app-id>:<connection>:<tool>', ignoreStdin: true, required: true})}
  static description = `Call one tool on its MCP server or app with the stored credentials, obeying its policy.

disabled tools are refused; approval_needed tools ask on a terminal and need --yes otherwise; auto tools run. Text content is printed readably; --json prints the whole result. Exits 7 (kind policy) when the policy refuses the call, 1 when the tool or the server reports an error, 3 when the server refuses the credentials, 4 when it cannot be reached or does not answer within --timeout.`
  static examples = [
    '<%= config.bin %> <%= command.id %> mcp:helpdesk:list_tickets',
    `<%= config.bin %> <%= command.id %> mcp:helpdesk:create_ticket --args '{"summary":"Printer on fire"}' --yes`,
    `<%= config.bin %> <%= command.id %> mcp:helpdesk:get_ticket --args '{"id":42}' --json | jq .content`,
    '<%= config.bin %> <%= command.id %> mcp:helpdesk:create_ticket --args @ticket.json --yes',
    `jq -n '{id: 42}' | <%= config.bin %> <%= command.id %> mcp:helpdesk:get_ticket --args -`,
  ]
  static flags = {
    args: Flags.string({
      default: '{}',
      description: 'Tool arguments as a JSON object; @FILE reads it from a file, - from standard input. `mcpctl tools show <tool>` lists them.',
      helpValue: 'JSON|@FILE|-',
    }),
    timeout: Flags.integer({default: CALL_TIMEOUT_MS / 1000, description: 'Seconds the server may take to connect and to answer the call.', helpValue: 'SECONDS', min: 1}),
    yes: {...yes, description: 'Approve a call to an approval_needed tool (required without a terminal).'},
  }

  async run(): Promise<ToolCallResult> {
    const {args, flags} = await this.parse(ToolsCall)
    const {flagValue} = await import('../../ui/stdin.js')
    const text = await flagValue('--args', flags.args)
    let toolArgs: unknown
    try {
      toolArgs = JSON.parse(text)
    } catch {
      throw usageError(`${argsSource(flags.args)} is not valid JSON.`, `Example: --args '{"id": 42}'; see the arguments with \`mcpctl tools show ${args.tool}\`.`)
    }

    if (!toolArgs || typeof toolArgs !== 'object' || Array.isArray(toolArgs)) throw usageError('--args must be a JSON object.')
    const {exceedsDepth} = await import('../../core/json-depth.js')
    if (exceedsDepth(toolArgs, MAX_ARGS_DEPTH)) {
      throw usageError(`${argsSource(flags.args)} nests deeper than ${MAX_ARGS_DEPTH} levels.`, 'No tool takes arguments nested this deep; check what produced them.')
    }

    const ctx = {secrets: this.secrets, store: this.store}
    const {callTool, resolveToolCall} = await import('../../core/tool-call.js')
    const {permission} = await resolveToolCall(ctx, args.tool)
    let approved = flags.yes
    if (permission === 'approval_needed' && !approved) {
      if (!this.canPrompt) {
        throw policyRefusal(`${args.tool} needs approval (approval_needed), and mcpctl cannot ask without a terminal (CI, pipes, --json).`, 'Pass --yes to approve this call.')
      }
      const {askConfirm} = await import('../../ui/prompts.js')
      approved = await askConfirm({default: false, message: `${args.tool} needs approval. Call it with ${JSON.stringify(toolArgs)}?`})
      if (!approved) throw new McpctlError('interrupted', 'Not called.')
    }

    // A scope step-up runs the browser flow where one can run: a terminal, or $BROWSER (as for integrations add).
    const {browserAuthorization} = await import('../../ui/browser.js')
    const {authorization} = browserAuthorization({canPrompt: this.canPrompt})
    const result = await callTool(ctx, {approved, args: toolArgs as Record<string, unknown>, name: args.tool}, {authorization, timeoutMs: flags.timeout * 1000})
    if (result.isError) process.exitCode = ExitCode.error
    if (!this.jsonEnabled()) {
      const {inert} = await import('../../ui/text.js')
      for (const item of result.content as {text?: string; type?: string}[]) {
        if (item.type === 'text' && typeof item.text === 'string') {
          // Multi-line text stays multi-line; each line is made inert.
          this.log(item.text.split('\n').map((line) => inert(line)).join('\n'))
        } else this.log(`[${inert(String(item.type))} content: use --json to see it]`)
      }

      if (result.isError) this.warn(`${args.tool} reported an error.`)
    }

    return result
  }
}
