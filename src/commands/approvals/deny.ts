import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {PendingApproval} from '../../core/gateway/approval-queue.js'

export default class ApprovalsDeny extends BaseCommand {
  static args = {id: Args.string({description: 'Id of the waiting call (see `mcpctl approvals list`)', ignoreStdin: true, required: true})}
  static description = 'Refuse one waiting call: the agent is told it was not approved, and nothing is called.'
  static examples = ['<%= config.bin %> <%= command.id %> k7m2p9xq', '<%= config.bin %> approvals list --json | jq -r \'.[].id\' | xargs -n1 <%= config.bin %> <%= command.id %>']

  async run(): Promise<PendingApproval> {
    const {args} = await this.parse(ApprovalsDeny)
    const {ApprovalQueue} = await import('../../core/gateway/approval-queue.js')
    const entry = await new ApprovalQueue(this.configDir).decide(args.id, 'denied')
    if (!this.jsonEnabled()) this.log(`Denied ${entry.id}: ${entry.tool}`)
    return entry
  }
}
