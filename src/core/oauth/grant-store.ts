// Where a grant lives: one secret in the SecretStore, referenced (with its non-secret summary) from the integration's
// auth in the config. Changes to a stored grant happen under a per-integration cross-process lock, because refresh
// tokens rotate: two processes refreshing the same one would get the grant revoked (RFC 9700 §4.14.2).
import {randomUUID} from 'node:crypto'
import path from 'node:path'

import {McpctlError} from '../errors.js'
import {lookup} from '../names.js'
import type {ConfigStore} from '../store/config-store.js'
import {lockStaleMs, withFileLock} from '../store/file-lock.js'
import {ensurePrivateDir} from '../store/private-file.js'
import type {McpIntegration, SecretRef} from '../store/schema.js'
import type {SecretStore} from '../store/secret-store.js'
import {grantSummary, type OAuthAuth, type OAuthGrant, parseGrant, serializeGrant} from './grant.js'

export interface GrantContext {
  secrets: SecretStore
  store: ConfigStore
}

export const LOCKS_DIR_NAME = 'locks'

/** `<config dir>/locks/oauth-<name>` (proper-lockfile adds `.lock`). Names are validated, but encoded anyway. */
export const grantLockFile = (store: ConfigStore, name: string) => path.join(store.dir, LOCKS_DIR_NAME, `oauth-${encodeURIComponent(name)}`)

/** Run `work` holding the integration's OAuth lock (waiting for another process's refresh to finish first). */
export async function withGrantLock<T>(ctx: GrantContext, name: string, work: (assertHeld: () => void) => Promise<T>): Promise<T> {
  const file = grantLockFile(ctx.store, name)
  await ensurePrivateDir(path.dirname(file))
  return withFileLock(file, lockStaleMs(), (lock) => work(() => lock.assertHeld()))
}

/** Save a new grant as one secret (keyring, else the 0600 file when allowed) and return the config's auth for it. */
export async function storeGrant(secrets: SecretStore, name: string, grant: OAuthGrant, options: {allowFile: boolean}): Promise<OAuthAuth> {
  const secret = await secrets.save(`${name}/oauth-${randomUUID()}`, serializeGrant(grant), options)
  return {secret, type: 'oauth', ...grantSummary(grant)}
}

export interface StoredGrant {
  auth: OAuthAuth
  grant: OAuthGrant
  integration: McpIntegration
}

/** The integration's current grant, read from the config and the secret store. */
export async function loadIntegrationGrant(ctx: GrantContext, name: string): Promise<StoredGrant> {
  const config = await ctx.store.read()
  const integration = lookup(config.integrations, name)
  if (!integration) throw new McpctlError('usage', `No integration named "${name}".`, {hint: 'See `mcpctl integrations list`.'})
  if (integration.app || integration.auth.type !== 'oauth') {
    throw new McpctlError('usage', `The integration "${name}" does not use OAuth (it uses ${integration.app ? `${integration.app.id} app credentials` : integration.auth.type}).`)
  }
  const grant = parseGrant(await ctx.secrets.load(integration.auth.secret, name), name)
  return {auth: integration.auth, grant, integration}
}

const sameRef = (a: SecretRef, b: SecretRef) =>
  a.kind === b.kind && (a.kind === 'env' ? a.variable === (b as typeof a).variable : a.account === (b as typeof a).account)

/**
 * Replace the stored grant of `name` (after a refresh, a step-up or a re-authorization). Call under withGrantLock.
 * The secret keeps its place (same keyring account, or the file the user consented to); the config's summary is
 * updated in the same breath. Returns the new auth.
 */
export async function replaceStoredGrant(ctx: GrantContext, stored: StoredGrant, grant: OAuthGrant, name: string, options: {allowFile?: boolean} = {}): Promise<OAuthAuth> {
  const old = stored.auth.secret
  if (old.kind === 'env') {
    throw new McpctlError('auth', `The OAuth grant for "${name}" is read from ${old.variable}, which mcpctl cannot update.`, {
      hint: `Put the new grant in ${old.variable}, or re-authorize with \`mcpctl connect ${name}\` to store it in the keyring.`,
    })
  }

  const secret = await ctx.secrets.save(old.account, serializeGrant(grant), {allowFile: Boolean(options.allowFile) || old.kind === 'file'})
  const auth: OAuthAuth = {...stored.auth, secret, ...grantSummary(grant)}
  await ctx.store.update((config) => {
    const integration = lookup(config.integrations, name)
    if (integration && !integration.app && integration.auth.type === 'oauth' && sameRef(integration.auth.secret, old)) integration.auth = auth
  })
  // The keyring came back (or went away) since the grant was stored: the old copy must not linger.
  if (!sameRef(secret, old)) await ctx.secrets.remove(old).catch(() => {})
  return auth
}

/**
 * Re-authorization (`mcpctl connect <name>`): store `grant` in place of the integration's current one, under the
 * lock so that a concurrent refresh cannot write the old grant back over it.
 */
export async function saveIntegrationGrant(ctx: GrantContext, name: string, grant: OAuthGrant, options: {allowFile: boolean}): Promise<OAuthAuth> {
  return withGrantLock(ctx, name, async (assertHeld) => {
    const config = await ctx.store.read()
    const integration = lookup(config.integrations, name)
    if (!integration || integration.app) throw new McpctlError('usage', `No MCP integration named "${name}".`, {hint: 'See `mcpctl integrations list`.'})
    assertHeld()
    if (integration.auth.type === 'oauth' && integration.auth.secret.kind !== 'env') {
      return replaceStoredGrant(ctx, {auth: integration.auth, grant, integration}, grant, name, options)
    }

    // The integration used another kind of credential (or an env reference): the grant gets a secret of its own.
    const auth = await storeGrant(ctx.secrets, name, grant, options)
    const previous = integration.auth
    await ctx.store.update((current) => {
      const target = lookup(current.integrations, name)
      if (target && !target.app) target.auth = auth
    })
    if (previous.type !== 'none' && previous.secret.kind !== 'env') await ctx.secrets.remove(previous.secret).catch(() => {})
    return auth
  })
}
