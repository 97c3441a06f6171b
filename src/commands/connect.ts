import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {ExitCode, missingAnswer, usageError} from '../core/errors.js'
import type {SecretInput} from '../core/integrations.js'
import {lookup} from '../core/names.js'
import type {AppConnectResult} from '../core/sources/catalog/connect.js'
import type {CredentialReplacement} from '../core/sources/mcp/add.js'
import {allowHttp, credentialFlags, oauthFlags, yes} from '../flags.js'
import type {OAuthFlagValues} from '../ui/browser.js'

interface ReauthorizeResult {
  expiresAt?: string
  name: string
  scopes: string[]
  url: string
}

/** `KEY=VALUE` pairs of a repeatable flag, keyed (a key given twice is an error). */
function pairs(values: string[] | undefined, flag: string, what: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const value of values ?? []) {
    const at = value.indexOf('=')
    if (at <= 0) throw usageError(`${flag} takes KEY=${what}, got "${value.includes('=') ? value : value.slice(0, 40)}".`, `Example: ${flag} instance=eu`)
    const key = value.slice(0, at)
    if (Object.hasOwn(out, key)) throw usageError(`${flag} gives ${key} twice.`)
    out[key] = value.slice(at + 1)
  }

  return out
}

export default class Connect extends BaseCommand {
  static args = {target: Args.string({description: 'A catalog app id (new connection) or an existing connection name', ignoreStdin: true, required: true})}
  static description = `Connect a built-in app, or re-authorize / replace the credentials of an existing connection.

Which one is decided by the argument:
  connect <name>              <name> is an existing connection: an OAuth MCP server is re-authorized in the
                              browser; a bearer or header MCP server gets a new token or header value (asked masked,
                              or --token-stdin / --token-env); an app connection gets new credentials. New
                              credentials are verified first. Tools and policies are kept.
  connect <app-id>            no connection has that name: a new connection of the catalog app <app-id>, named
                              <app-id> (see mcpctl integrations catalog).
  connect <app-id> --name N   always a new connection of <app-id>, named N (one per customer or instance).

For an app, fields come from --field KEY=VALUE and secrets from --secret-stdin KEY or --secret-env KEY=VAR; an app that signs in in the browser (microsoft-365 without a client-secret) opens it like an OAuth MCP server (--no-browser and --callback-port apply; without a terminal, $BROWSER must be set); what is missing is asked on a terminal (presets as a choice, secrets masked), and is an error naming the flag otherwise. The credentials are checked against the vendor before anything is saved: exit 3 when the vendor refuses them, 4 when it cannot be reached. Then the app's tools are added with seeded policies (read → auto, write and sensitive → approval_needed). Secrets go to the OS keyring (--insecure-storage allows a 0600 file); --secret-env stores only the variable's name.`
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> it-glue', description: 'Interactive: asks for the region and the API key (masked)'},
    {
      command: 'printf %s "$ITG_KEY" | <%= config.bin %> <%= command.id %> it-glue --name acme-docs --field instance=eu --secret-stdin api-key',
      description: 'In a pipeline: the key comes from stdin and goes to the keyring',
    },
    {
      command: '<%= config.bin %> <%= command.id %> it-glue --name globex-docs --field instance=us --secret-env api-key=GLOBEX_ITG_KEY --json',
      description: 'In CI: store a reference to $GLOBEX_ITG_KEY, never its value',
    },
    {command: 'printf %s "$NEW_KEY" | <%= config.bin %> <%= command.id %> acme-docs --secret-stdin api-key', description: 'Replace the key of an existing app connection'},
    {
      command: '<%= config.bin %> <%= command.id %> microsoft-365 --name contoso --field tenant=contoso.onmicrosoft.com --field client-id=11111111-2222-3333-4444-555555555555',
      description: 'Microsoft 365, delegated: sign in in the browser (authorization code + PKCE); the refresh token goes to the keyring',
    },
    {
      command: '<%= config.bin %> <%= command.id %> microsoft-365 --name contoso-app --field tenant=contoso.onmicrosoft.com --field client-id=11111111-2222-3333-4444-555555555555 --secret-env client-secret=CONTOSO_SECRET',
      description: 'Microsoft 365, app-only: client credentials with a client secret (admin consent given in Entra)',
    },
    {command: '<%= config.bin %> <%= command.id %> acme --scope "tickets.read tickets.write"', description: 'Re-authorize an OAuth MCP server with new scopes'},
    {command: 'printf %s "$NEW_TOKEN" | <%= config.bin %> <%= command.id %> helpdesk --token-stdin', description: 'Replace the bearer token (or header value) of an MCP server'},
  ]
  static flags = {
    ...oauthFlags,
    ...credentialFlags,
    'allow-http': allowHttp,
    field: Flags.string({description: 'App field KEY=VALUE (repeatable), e.g. instance=eu. Field keys: mcpctl integrations catalog --json.', helpValue: 'KEY=VALUE', multiple: true}),
    'insecure-storage': Flags.boolean({description: 'Without an OS keyring, store the secrets or tokens in a 0600 file in the config directory.'}),
    name: Flags.string({char: 'n', description: 'Name for a new app connection (default: the app id).', helpValue: 'NAME'}),
    'secret-env': Flags.string({description: 'Secret app field KEY=VAR (repeatable): store a reference to $VAR, never its value.', helpValue: 'KEY=VAR', multiple: true}),
    'secret-stdin': Flags.string({description: 'Read this secret app field from standard input.', exclusive: ['client-secret-stdin'], helpValue: 'KEY'}),
    yes,
  }

  async run(): Promise<AppConnectResult | CredentialReplacement | ReauthorizeResult> {
    const {args, flags} = await this.parse(Connect)
    const ctx = {secrets: this.secrets, store: this.store}
    const existing = lookup((await this.store.read()).integrations, args.target)
    const appFlags = Boolean(flags.field?.length || flags['secret-env']?.length || flags['secret-stdin'])
    const {findApp} = await import('../core/sources/catalog/apps/index.js')
    if (existing && flags.name && !findApp(args.target)) {
      throw usageError(`--name makes a new connection of a catalog app, and "${args.target}" is a connection, not an app id.`, `Re-authorize or replace its credentials with \`mcpctl connect ${args.target}\`.`)
    }

    const oauthGiven = ['client-id', 'client-metadata-url', 'client-secret-env', 'client-secret-stdin', 'no-browser', 'scope', 'callback-port'].filter((f) => flags[f as keyof typeof flags] !== undefined && flags[f as keyof typeof flags] !== false)
    const tokenGiven = flags['token-env'] !== undefined || flags['token-stdin']
    if (existing && !flags.name && !existing.app) {
      if (appFlags) throw usageError(`"${args.target}" is an MCP server: --field, --secret-env and --secret-stdin are for app connections.`)
      const {auth} = existing
      if (auth.type === 'bearer' || auth.type === 'header') {
        if (oauthGiven.length > 0) throw usageError(`"${args.target}" uses ${auth.type} auth; --${oauthGiven[0]} is for OAuth.`, 'Give the new credential with --token-stdin or --token-env VAR, or on a terminal when asked.')
        return this.replace(args.target, auth.type === 'bearer' ? 'bearer token' : `value of the ${auth.headerName} header`, flags)
      }

      if (auth.type === 'none') throw usageError(`"${args.target}" uses no credential: there is nothing to re-authorize or replace.`)
      if (tokenGiven) throw usageError(`"${args.target}" uses OAuth; --token-stdin and --token-env are for bearer or header connections.`, `Re-authorize it in the browser with \`mcpctl connect ${args.target}\`.`)
      return this.reauthorize(args.target, flags)
    }

    if (tokenGiven) throw usageError('--token-stdin and --token-env replace the credential of a bearer or header MCP server; app connections take --secret-stdin KEY or --secret-env KEY=VAR.')
    // An app that signs in in the browser takes the browser flags; every other flag of the OAuth set is for MCP servers.
    const app = findApp(existing?.app && !flags.name ? existing.app.id : args.target)
    const browserFlags = app?.auth.kind === 'oauth-authorization-code' ? ['no-browser', 'callback-port'] : []
    const misplaced = oauthGiven.find((f) => !browserFlags.includes(f))
    if (misplaced) throw usageError(`--${misplaced} is for re-authorizing an MCP server; app connections take --field and --secret-* flags.`)
    const browser = browserFlags.length > 0 ? await this.appBrowser(flags) : undefined
    const request = {
      fields: pairs(flags.field, '--field', 'VALUE'),
      insecureStorage: flags['insecure-storage'],
      interactive: browser?.authorization,
      name: flags.name,
      secrets: await this.secretInputs(flags['secret-env'], flags['secret-stdin']),
    }
    const {flagFieldAnswers, promptFieldAnswers} = await import('../ui/app-answers.js')
    const answers = this.canPrompt ? promptFieldAnswers() : flagFieldAnswers()
    if (flags.yes) answers.name = flagFieldAnswers().name
    const progress = {step: (message: string) => this.jsonEnabled() || this.note(`${message}…`)}
    const {connectApp, replaceAppCredentials} = await import('../core/sources/catalog/connect.js')
    try {
      const result =
        existing && !flags.name
          ? await replaceAppCredentials(ctx, args.target, request, answers, progress)
          : await connectApp(ctx, args.target, request, answers, progress)
      if (!this.jsonEnabled()) this.render(result)
      return result
    } finally {
      browser?.release()
    }
  }

  /** The browser sign-in of an authorization code app: the same browser choice as MCP servers (undefined: none here). */
  private async appBrowser(flags: OAuthFlagValues) {
    const {oauthFromFlags} = await import('../ui/browser.js')
    return oauthFromFlags(flags, this.canPrompt)
  }

  private render(result: AppConnectResult): void {
    const stored = Object.entries(result.secretStorage).map(([key, where]) => `${key} in ${where}`).join(', ')
    if (result.replaced) {
      this.log(`Replaced the credentials of ${result.name} (${result.app}, ${result.url}); ${stored}. Its tools and policies are unchanged.`)
    } else {
      const counts = {approval_needed: 0, auto: 0, disabled: 0}
      for (const tool of result.tools) counts[tool.permission]++
      this.log(`Connected ${result.app} as ${result.name} (${result.url}): ${result.tools.length} tools — ${counts.auto} auto, ${counts.approval_needed} approval_needed; ${stored}.`)
      this.table(result.tools, [
        {get: (t) => t.name, header: 'TOOL'},
        {get: (t) => t.permission, header: 'PERMISSION'},
        {get: (t) => t.reason, header: 'WHY', maxWidth: 70},
      ])
      this.note(`Change a permission with: mcpctl policy set ${result.app}:${result.name}:<tool> <auto|approval_needed|disabled>`)
    }

    if (Object.values(result.secretStorage).includes('file')) this.warn('Secrets are stored in a 0600 file in the config directory (no OS keyring answered).')
  }

  private async secretInputs(env: string[] | undefined, stdinKey: string | undefined): Promise<Record<string, SecretInput>> {
    const secrets: Record<string, SecretInput> = {}
    for (const [key, variable] of Object.entries(pairs(env, '--secret-env', 'VAR'))) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) throw usageError(`"${variable}" is not an environment variable name.`)
      secrets[key] = {kind: 'env', variable}
    }

    if (stdinKey) {
      if (Object.hasOwn(secrets, stdinKey)) throw usageError(`${stdinKey} is given by both --secret-env and --secret-stdin.`)
      const {readStdin} = await import('../ui/stdin.js')
      secrets[stdinKey] = {kind: 'value', value: await readStdin('--secret-stdin')}
    }

    return secrets
  }

  /** A bearer or header MCP server: a new token or header value, checked against the server before it replaces the old one. */
  private async replace(name: string, label: string, flags: {'insecure-storage': boolean; 'token-env'?: string; 'token-stdin'?: boolean}): Promise<CredentialReplacement> {
    const {credentialFromFlags} = await import('../ui/add-answers.js')
    let secret = await credentialFromFlags(flags)
    if (!secret) {
      if (!this.canPrompt) throw missingAnswer(`The new credential for "${name}"`, '--token-stdin (pipe it in) or --token-env VAR')
      const {askSecret} = await import('../ui/prompts.js')
      secret = {kind: 'value', value: await askSecret({message: `New ${label} for ${name}`})}
    }

    const {replaceCredential} = await import('../core/sources/mcp/add.js')
    const result = await replaceCredential({secrets: this.secrets, store: this.store}, name, {insecureStorage: flags['insecure-storage'], secret})
    if (result.warnings.length > 0) process.exitCode = ExitCode.partial
    if (!this.jsonEnabled()) {
      const where = {env: `a reference to $${secret.kind === 'env' ? secret.variable : ''}`, file: 'the 0600 secrets file', keyring: 'the OS keyring'}[result.secretStorage]
      this.log(`Replaced the credential of ${result.name}: the server accepted it; it is kept in ${where}. Tools and policies are unchanged.`)
      for (const warning of result.warnings) this.warn(warning)
    }

    return result
  }

  private async reauthorize(name: string, flags: OAuthFlagValues & {'allow-http'?: boolean; 'insecure-storage'?: boolean}): Promise<ReauthorizeResult> {
    const {oauthFromFlags} = await import('../ui/browser.js')
    const oauth = await oauthFromFlags(flags, this.canPrompt)
    try {
      if (!oauth.authorization) throw oauth.unavailable!
      const {reauthorizeIntegration} = await import('../core/sources/mcp/add.js')
      const result = await reauthorizeIntegration({secrets: this.secrets, store: this.store}, name, {
        allowHttp: flags['allow-http'],
        authorization: oauth.authorization,
        insecureStorage: flags['insecure-storage'],
        oauth: oauth.oauth,
      })
      if (!this.jsonEnabled()) {
        this.log(`Re-authorized ${result.name}: scopes ${result.scopes.join(' ') || '(none)'}${result.expiresAt ? `, access token expires ${result.expiresAt}` : ''}.`)
      }

      return result
    } finally {
      oauth.release()
    }
  }
}
