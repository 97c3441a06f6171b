import {BaseCommand} from '../../base-command.js'
import type {PendingApproval} from '../../core/gateway/approval-queue.js'

export default class ApprovalsList extends BaseCommand {
  static description = `List the calls that wait for a person's approval.

A gateway (\`mcpctl gateway\`) puts an approval_needed call here when the agent's client cannot ask you itself, or with --approvals cli. Approve one with \`mcpctl approvals approve <id>\` (in a terminal) or refuse it with \`mcpctl approvals deny <id>\`; a call nobody decides is refused when its gateway's --approval-timeout runs out.`
  static examples = ['<%= config.bin %> <%= command.id %>', "<%= config.bin %> <%= command.id %> --json | jq -r '.[].id'"]

  async run(): Promise<PendingApproval[]> {
    await this.parse(ApprovalsList)
    const {ApprovalQueue} = await import('../../core/gateway/approval-queue.js')
    const pending = await new ApprovalQueue(this.configDir).list()
    if (!this.jsonEnabled()) {
      if (pending.length === 0) this.note('No call is waiting for approval.')
      const {truncate} = await import('../../ui/text.js')
      const now = Date.now()
      this.table(pending, [
        {get: (r) => r.id, header: 'ID'},
        {get: (r) => r.tool, header: 'TOOL'},
        {get: (r) => truncate(JSON.stringify(r.args), 200), header: 'ARGUMENTS', maxWidth: 60},
        {get: (r) => [r.client?.name, r.client?.version].filter(Boolean).join(' '), header: 'CLIENT'},
        {get: (r) => `${Math.max(0, Math.round((Date.parse(r.expiresAt) - now) / 1000))} s`, header: 'EXPIRES IN'},
      ])
    }

    return pending
  }
}
