// A built-in catalog app as a Source: the definition gives the tools; the engine (engine.ts) calls the vendor with
// the connection's fields and secrets; token kinds cache their token in the secret store under the connection's lock.
import {randomUUID} from 'node:crypto'

import {McpctlError} from '../../errors.js'
import type {Context} from '../../integrations.js'
import {withGrantLock} from '../../oauth/grant-store.js'
import type {AppIntegration, SecretRef} from '../../store/schema.js'
import {lookup} from '../../names.js'
import type {Source} from '../source.js'
import {findApp} from './apps/index.js'
import type {CachedToken, TokenCache} from './auth.js'
import type {AppDefinition} from './definition.js'
import {AppClient, appToolDefinitions, resolveValues} from './engine.js'

/** The connection's definition, or an error saying this mcpctl does not know the app. */
export function appOf(integration: AppIntegration): AppDefinition {
  const app = findApp(integration.app.id)
  if (!app) {
    throw new McpctlError('usage', `"${integration.name}" connects the app "${integration.app.id}", which this version of mcpctl does not know.`, {
      hint: 'Update mcpctl, or remove the connection with `mcpctl disconnect`.',
    })
  }

  return app
}

/** Every field's value (secrets read from the secret store), ready for templates. */
export async function connectionValues(ctx: Context, integration: AppIntegration): Promise<Record<string, string>> {
  const given: Record<string, string> = {...integration.app.fields}
  for (const [key, ref] of Object.entries(integration.app.secrets)) given[key] = await ctx.secrets.load(ref, integration.name)
  return resolveValues(appOf(integration), given)
}

/** A client for a stored connection (secrets loaded, token cache in the secret store). */
export async function openApp(ctx: Context, integration: AppIntegration, options: {signal?: AbortSignal; timeoutMs?: number} = {}): Promise<AppClient> {
  return new AppClient({
    app: appOf(integration),
    cache: storedTokenCache(ctx, integration),
    name: integration.name,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    values: await connectionValues(ctx, integration),
  })
}

const parseToken = (text: string): CachedToken | undefined => {
  try {
    const token = JSON.parse(text) as CachedToken
    return typeof token.accessToken === 'string' ? token : undefined
  } catch {
    return undefined
  }
}

/** Where a token is kept: beside the connection's secrets (the file only if the user consented to it at connect: --insecure-storage). */
export async function saveToken(ctx: Context, integration: AppIntegration, token: CachedToken, previous?: SecretRef, insecureStorage = false): Promise<AppIntegration['app']['token']> {
  const allowFile = insecureStorage || Object.values(integration.app.secrets).some((ref) => ref.kind === 'file') || previous?.kind === 'file'
  const account = previous && previous.kind !== 'env' ? previous.account : `${integration.name}/token-${randomUUID()}`
  try {
    const secret = await ctx.secrets.save(account, JSON.stringify(token), {allowFile})
    return {secret, ...(token.expiresAt ? {expiresAt: new Date(token.expiresAt).toISOString()} : {})}
  } catch {
    // No keyring and no consent to a file (e.g. secrets given as env references in CI): the token lives for this command.
    return undefined
  }
}

/**
 * The token cache of a stored connection: the token is a secret, its expiry is shown in the config. Changes happen
 * under the same per-connection lock as MCP OAuth grants, re-reading the stored token inside it.
 */
function storedTokenCache(ctx: Context, integration: AppIntegration): TokenCache {
  const name = integration.name
  const stored = async (): Promise<{ref?: SecretRef; token?: CachedToken}> => {
    const current = lookup((await ctx.store.read()).integrations, name)
    const ref = current?.app ? current.app.token?.secret : undefined
    if (!ref) return {}
    return {ref, token: await ctx.secrets.load(ref).then(parseToken, () => undefined)}
  }

  return {
    async read() {
      return (await stored()).token
    },
    async update(work) {
      return withGrantLock(ctx, name, async (assertHeld) => {
        const before = await stored()
        const next = await work(before.token)
        if (next === before.token) return next
        assertHeld()
        const token = await saveToken(ctx, integration, next, before.ref)
        await ctx.store.update((config) => {
          const target = lookup(config.integrations, name)
          if (target?.app) target.app.token = token
        })
        if (before.ref && before.ref.kind !== 'env' && (!token || token.secret.kind !== before.ref.kind)) await ctx.secrets.remove(before.ref).catch(() => {})
        return next
      })
    },
  }
}

export const catalogSource: Source<AppIntegration> = {
  async verify(ctx, integration, options = {}) {
    await (await openApp(ctx, integration, options)).verify()
  },

  async listTools(_ctx, integration) {
    return {definitions: appToolDefinitions(appOf(integration)), warnings: []}
  },

  async callTool(ctx, integration, call, options = {}) {
    const client = await openApp(ctx, integration, options)
    const tool = client.app.tools.find((t) => t.name === call.tool)
    if (!tool) {
      return {content: [{text: `${client.app.name} has no tool "${call.tool}" in this version of mcpctl; run \`mcpctl tools sync ${integration.name}\`.`, type: 'text'}], isError: true}
    }

    return client.call(tool, call.args)
  },

  async revoke(_ctx, integration) {
    // No vendor in the catalog offers revoking its API credentials through the API itself.
    return {revokeAt: findApp(integration.app.id)?.revokeAt}
  },
}
