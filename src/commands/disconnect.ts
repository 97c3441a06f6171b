import {Args} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {ExitCode, McpctlError, missingAnswer} from '../core/errors.js'
import {exportChoicesCommand, planRemoval, type RemovalReceipt, requireIntegration} from '../core/integrations.js'
import {yes} from '../flags.js'

export default class Disconnect extends BaseCommand {
  static args = {name: Args.string({description: 'Integration name', ignoreStdin: true, required: true})}
  static description = `Disconnect an integration (MCP server or catalog app): revoke its credentials where possible, remove it with its tools, policies and stored secrets.

OAuth refresh and access tokens are revoked at the authorization server (RFC 7009) when it offers revocation. Revoking the refresh token ends the grant: an access token the server cannot revoke (a JWT) only runs out, and the receipt says until when. For a catalog app whose vendor offers no revocation from here, the local secrets are deleted and the receipt says where in the vendor's console the key is revoked (exit 0). Local secrets are removed whatever happens; exit code 5 (partial) says something that could be revoked was not.

Shows what will be removed — how many of the tools' policies a person chose, which are lost — and asks first; without a terminal (CI, pipes, --json) it needs --yes. Keep the choices first with \`mcpctl policy export --server <name>\`. Connecting the same server again seeds default policies again.`
  static examples = [
    '<%= config.bin %> <%= command.id %> acme',
    '<%= config.bin %> policy export --server acme -o acme-policy.yaml && <%= config.bin %> <%= command.id %> acme --yes --json',
  ]
  static flags = {yes}

  async run(): Promise<RemovalReceipt> {
    const {args, flags} = await this.parse(Disconnect)
    const plan = planRemoval(requireIntegration(await this.store.read(), args.name))
    if (!flags.yes) {
      const choices = `${plan.choices} choice${plan.choices === 1 ? '' : 's'} people made`
      const keep = plan.choices > 0 ? ` To keep the ${choices}, first run \`${exportChoicesCommand(plan.name)}\`.` : ''
      if (!this.canPrompt) {
        const flag = plan.choices > 0 ? `--yes (the ${choices} go with it: keep them first with \`${exportChoicesCommand(plan.name)}\`)` : '--yes'
        throw missingAnswer(`Confirmation to disconnect "${plan.name}"`, flag)
      }

      this.note(
        `This removes "${plan.name}" (${plan.url}): ${plan.tools} tools and their policies — ${plan.choices > 0 ? `${choices} among them, lost for good` : 'none of them chosen by a person'} — and ${plan.secrets} stored secret${plan.secrets === 1 ? '' : 's'}.${keep}`,
      )
      const {askConfirm} = await import('../ui/prompts.js')
      if (!(await askConfirm({default: false, message: `Disconnect ${plan.name}?`}))) throw new McpctlError('interrupted', 'Nothing was removed.')
    }

    const {removeIntegration} = await import('../core/integrations.js')
    const receipt = await removeIntegration({secrets: this.secrets, store: this.store}, args.name)
    if (receipt.warnings.length > 0) process.exitCode = ExitCode.partial
    if (!this.jsonEnabled()) {
      this.log(`Disconnected ${receipt.name}: removed ${receipt.removed.tools} tools, ${receipt.removed.policies} policies, ${receipt.removed.secrets} secret${receipt.removed.secrets === 1 ? '' : 's'}.`)
      for (const r of receipt.revocation ?? []) {
        const outcome = {failed: 'NOT revoked', 'not-revocable': 'cannot be revoked', revoked: 'revoked', unsupported: 'not revocable here (no revocation endpoint)'}[r.outcome]
        const until = r.validUntil ? `; it stays valid until ${r.validUntil}` : ''
        this.log(`  ${r.token.replace('_', ' ')}: ${outcome}${r.reason && r.outcome !== 'revoked' ? ` (${r.reason})` : ''}${until}`)
      }
      if (receipt.revokeAt) this.log(`  The credential itself stays valid at the vendor until you revoke it: ${receipt.revokeAt}`)
      for (const warning of receipt.warnings) this.warn(warning)
    }

    return receipt
  }
}
