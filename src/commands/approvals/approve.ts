import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {McpctlError} from '../../core/errors.js'
import type {PendingApproval} from '../../core/gateway/approval-queue.js'

export default class ApprovalsApprove extends BaseCommand {
  static args = {id: Args.string({description: 'Id of the waiting call (see `mcpctl approvals list`)', ignoreStdin: true, required: true})}
  static description = `Approve one waiting call: it runs once, with exactly the arguments shown by \`approvals list\`.

Only in a terminal: an agent that runs shell commands has none, so it cannot approve its own calls this way.`
  static examples = ['<%= config.bin %> <%= command.id %> k7m2p9xq']

  async run(): Promise<PendingApproval> {
    const {args} = await this.parse(ApprovalsApprove)
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new McpctlError('usage', 'Approving a call needs a person at a terminal; this is not one.', {
        hint: 'Run `mcpctl approvals approve <id>` yourself in a terminal (`mcpctl approvals deny <id>` works anywhere).',
      })
    }

    const {ApprovalQueue} = await import('../../core/gateway/approval-queue.js')
    const entry = await new ApprovalQueue(this.configDir).decide(args.id, 'approved')
    if (!this.jsonEnabled()) {
      const {inert, truncate} = await import('../../ui/text.js')
      this.log(`Approved ${entry.id}: ${entry.tool} ${inert(truncate(JSON.stringify(entry.args), 200))}`)
    }

    return entry
  }
}
