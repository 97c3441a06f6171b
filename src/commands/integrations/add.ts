import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {usageError} from '../../core/errors.js'
import type {AddResult} from '../../core/sources/mcp/add.js'
import {AUTH_TYPES} from '../../core/store/store-format.js'
import {allowHttp, credentialFlags, oauthFlags, yes} from '../../flags.js'

export default class IntegrationsAdd extends BaseCommand {
  static args = {url: Args.string({description: 'MCP server URL (https://…)', ignoreStdin: true, required: true})}
  static description = `Connect a remote MCP server: probe its auth, authenticate, discover its tools and seed a policy for each.

Read-like tools (get, list, search, … or readOnlyHint) start as auto, except sensitive reads (passwords, secrets, keys, tokens, recovery codes, bulk exports); everything else starts as approval_needed. Nothing is stored unless the server accepted the credential and listed its tools.

Secrets go to the OS keyring; without one, --insecure-storage allows a 0600 file, and --token-env stores only the name of an environment variable (for CI).`
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> https://mcp.acme-psa.com/mcp', description: 'Interactive: prompts for the name and credential'},
    {
      command: 'printf %s "$ACME_TOKEN" | <%= config.bin %> <%= command.id %> https://mcp.acme-psa.com/mcp --name acme --auth bearer --token-stdin',
      description: 'In a pipeline: the token comes from stdin and is stored in the keyring',
    },
    {
      command: '<%= config.bin %> <%= command.id %> https://docs.example.com/mcp --name itdocs --auth header --header-name x-api-key --token-env ITDOCS_KEY --json',
      description: 'In CI: store a reference to $ITDOCS_KEY, never its value',
    },
    {
      command: '<%= config.bin %> <%= command.id %> https://mcp.example.com/mcp --name m365 --client-id 1b2c… --client-secret-env M365_SECRET --scope "tickets.read offline_access"',
      description: 'OAuth with a pre-registered client (the browser opens; the loopback callback finishes the flow)',
    },
    {command: '<%= config.bin %> <%= command.id %> https://mcp.example.com/mcp --no-browser', description: 'Over SSH: open the printed URL elsewhere, paste back where it ends'},
    {
      command: '<%= config.bin %> <%= command.id %> https://rmm.example.com/mcp --name rmm --auth header --header-name x-api-key --token-env RMM_KEY --header x-tenant-id=acme',
      description: 'A key plus a tenant header (not secret) sent on every request',
    },
  ]
  static flags = {
    ...oauthFlags,
    'allow-duplicate': Flags.boolean({description: 'Connect a server already connected under another name (e.g. one multi-tenant server, a token per customer).'}),
    'allow-http': allowHttp,
    auth: Flags.string({description: 'How to authenticate, overriding the probe.', options: [...AUTH_TYPES]}),
    header: Flags.string({
      description: 'A header sent on every request beside the credential, e.g. a tenant or account id (repeatable; not secret: stored in the config as given).',
      helpValue: 'NAME=VALUE',
      multiple: true,
    }),
    'header-name': Flags.string({description: 'Header that carries the credential (custom-header auth), e.g. x-api-key.', helpValue: 'NAME'}),
    'insecure-storage': Flags.boolean({description: 'Without an OS keyring, store the secret in a 0600 file in the config directory.'}),
    name: Flags.string({char: 'n', description: 'Name for the integration (default: suggested from the URL).', helpValue: 'NAME'}),
    ...credentialFlags,
    yes,
  }

  async run(): Promise<AddResult> {
    const {args, flags} = await this.parse(IntegrationsAdd)
    let auth = flags.auth as AddResult['auth'] | undefined
    if (flags['header-name'] && !auth) auth = 'header'
    if (flags['header-name'] && auth !== 'header') throw usageError('--header-name goes with --auth header.')

    const {credentialFromFlags} = await import('../../ui/add-answers.js')
    const secret = await credentialFromFlags(flags)

    if (secret && auth === 'none') throw usageError('A token was given but --auth none needs none.')
    if (secret && auth === 'oauth') throw usageError('--token-stdin/--token-env are for bearer or header auth; OAuth gets its tokens in the browser.')

    const {oauthFromFlags} = await import('../../ui/browser.js')
    const oauth = await oauthFromFlags(flags, this.canPrompt)

    const {flagAnswers, promptAnswers} = await import('../../ui/add-answers.js')
    const answers = this.canPrompt ? promptAnswers() : flagAnswers()
    // --yes takes the name suggested from the URL instead of asking.
    if (flags.yes) answers.name = flagAnswers().name
    const {addIntegration} = await import('../../core/sources/mcp/add.js')
    const result = await addIntegration(
      {secrets: this.secrets, store: this.store},
      {
        allowDuplicate: flags['allow-duplicate'],
        allowHttp: flags['allow-http'],
        auth,
        authorization: oauth.authorization,
        headerName: flags['header-name'],
        headers: flags.header,
        noAuthorization: oauth.unavailable,
        oauth: oauth.oauth,
        insecureStorage: flags['insecure-storage'],
        name: flags.name,
        secret,
        url: args.url,
      },
      answers,
      {step: (message) => this.jsonEnabled() || this.note(`${message}…`)},
    ).finally(oauth.release)

    if (!this.jsonEnabled()) await this.render(result)
    return result
  }

  private async render(result: AddResult): Promise<void> {
    const {inert} = await import('../../ui/text.js')
    const counts = {approval_needed: 0, auto: 0, disabled: 0}
    for (const tool of result.tools) counts[tool.permission]++
    this.log(
      `Added ${result.name} (${result.url}, auth ${result.auth}, ${result.transport}): ${result.tools.length} tools — ${counts.auto} auto, ${counts.approval_needed} approval_needed${counts.disabled ? `, ${counts.disabled} disabled` : ''}.`,
    )
    if (result.secretStorage === 'file') this.warn('The secret is stored in a 0600 file in the config directory (no OS keyring answered).')
    if (result.tools.length > 0) {
      this.table(result.tools, [
        {get: (t) => t.name, header: 'TOOL'},
        {get: (t) => t.permission, header: 'PERMISSION'},
        {get: (t) => t.reason, header: 'WHY', maxWidth: 70},
      ])
    }

    for (const warning of result.warnings) this.warn(inert(warning))
    this.note(`Change a permission with: mcpctl policy set mcp:${result.name}:<tool> <auto|approval_needed|disabled>`)
  }
}
