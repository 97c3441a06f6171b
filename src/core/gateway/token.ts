// The bearer token of `mcpctl gateway --http`: MCPCTL_GATEWAY_TOKEN, else the one kept in the secret store, else a new
// one (generated once). It authenticates the agent to the gateway only: it is never forwarded upstream.
import {randomBytes} from 'node:crypto'

import {McpctlError} from '../errors.js'
import type {SecretStore} from '../store/secret-store.js'

export const GATEWAY_TOKEN_ENV = 'MCPCTL_GATEWAY_TOKEN'
export const GATEWAY_TOKEN_ACCOUNT = 'gateway/token'

export interface GatewayToken {
  created: boolean
  source: 'env' | 'file' | 'keyring'
  token: string
}

/** The token, creating and storing one when none exists and `create` is set (keyring; the 0600 file only with `allowFile`). */
export async function gatewayToken(secrets: SecretStore, options: {allowFile?: boolean; create: boolean; env?: NodeJS.ProcessEnv}): Promise<GatewayToken | undefined> {
  const fromEnv = (options.env ?? process.env)[GATEWAY_TOKEN_ENV]
  if (fromEnv) return {created: false, source: 'env', token: fromEnv}
  for (const kind of ['keyring', 'file'] as const) {
    if (kind === 'keyring' && secrets.keyringUnavailableReason() !== undefined) continue
    try {
      return {created: false, source: kind, token: await secrets.load({account: GATEWAY_TOKEN_ACCOUNT, kind})}
    } catch (error) {
      // Missing is expected the first time; a keyring that fails is worth knowing about.
      if (!(error instanceof McpctlError) || error.kind !== 'auth') throw error
    }
  }

  if (!options.create) return undefined
  const token = randomBytes(32).toString('base64url')
  const ref = await secrets.save(GATEWAY_TOKEN_ACCOUNT, token, {allowFile: Boolean(options.allowFile)})
  return {created: true, source: ref.kind === 'keyring' ? 'keyring' : 'file', token}
}
