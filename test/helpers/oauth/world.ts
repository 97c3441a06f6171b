// Everything an OAuth test needs at once: the authorization server, an MCP resource server it protects, a private
// store (config + secrets), a browser stand-in, and an MCP client that uses a provider the way a command would.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {OAuthClientProvider} from '@modelcontextprotocol/sdk/client/auth.js'
import {Client} from '@modelcontextprotocol/sdk/client/index.js'
import {StreamableHTTPClientTransport} from '@modelcontextprotocol/sdk/client/streamableHttp.js'

import {authorizeServer, type AuthorizeOptions} from '../../../src/core/oauth/authorize.js'
import {storeGrant} from '../../../src/core/oauth/grant-store.js'
import type {OAuthGrant} from '../../../src/core/oauth/grant.js'
import {ConfigStore} from '../../../src/core/store/config-store.js'
import {type KeyringFactory, SecretStore} from '../../../src/core/store/secret-store.js'
import {type AuthorizationServerOptions, startAuthorizationServer, type TestAuthorizationServer} from './authorization-server.js'
import {followAuthorization, type FollowOptions, type FollowResult} from './browser.js'
import {type ResourceServerOptions, startResourceServer, type TestResourceServer} from './resource-server.js'

export interface OAuthWorld {
  as: TestAuthorizationServer
  ctx: {secrets: SecretStore; store: ConfigStore}
  /** The private config dir (MCPCTL_CONFIG_DIR for child processes). */
  dir: string
  rs: TestResourceServer
  close(): Promise<void>
}

/** An in-memory OS keyring, so in-process tests never touch the real one. */
export function memoryKeyring(): KeyringFactory {
  const entries = new Map<string, string>()
  return (_service, account) => ({
    async deleteCredential() {
      entries.delete(account)
    },
    async getPassword() {
      return entries.get(account) ?? null
    },
    async setPassword(value: string) {
      entries.set(account, value)
    },
  })
}

/** A keyring that refuses everything: secrets go to the 0600 file, which child processes can read too. */
export const noKeyring: KeyringFactory = () => {
  throw new Error('no keyring in this test')
}

export async function startOAuthWorld(options: {as?: AuthorizationServerOptions; keyring?: 'file' | 'memory'; rs?: ResourceServerOptions} = {}): Promise<OAuthWorld> {
  const as = await startAuthorizationServer(options.as)
  const rs = await startResourceServer(as, options.rs).catch(async (error: unknown) => {
    await as.close()
    throw error
  })
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpctl-oauth-'))
  const secrets = new SecretStore(dir, {keyring: options.keyring === 'file' ? noKeyring : memoryKeyring()})
  return {
    as,
    async close() {
      await Promise.allSettled([rs.close(), as.close()])
      rmSync(dir, {force: true, recursive: true})
    },
    ctx: {secrets, store: new ConfigStore(dir)},
    dir,
    rs,
  }
}

/** A browser stand-in for `openUrl`: follows each URL it is given; `done` settles when the last visit ends. */
export function testBrowser(options: FollowOptions = {}) {
  const visits: Promise<FollowResult>[] = []
  const urls: URL[] = []
  return {
    /** Settles when the last visit ends (rejects if it failed). */
    get done(): Promise<FollowResult> {
      const last = visits.at(-1)
      if (!last) return Promise.reject(new Error('the browser was never opened'))
      return last
    },
    async openUrl(url: URL) {
      urls.push(url)
      const visit = followAuthorization(url, options)
      visit.catch(() => {})
      visits.push(visit)
    },
    urls,
  }
}

/** Run the whole flow against the world's resource server with a browser that approves. */
export async function authorizeWithBrowser(world: OAuthWorld, options: Partial<AuthorizeOptions> = {}) {
  const browser = testBrowser()
  const notes: string[] = []
  const grant = await authorizeServer({notify: (message) => notes.push(message), openUrl: browser.openUrl, serverUrl: world.rs.url, ...options})
  await browser.done
  return {browser, grant, notes}
}

/** Put an OAuth integration named `name` into the world's store, its grant saved as a secret. */
export async function seedIntegration(world: OAuthWorld, name: string, grant: OAuthGrant): Promise<void> {
  const auth = await storeGrant(world.ctx.secrets, name, grant, {allowFile: true})
  const now = new Date().toISOString()
  await world.ctx.store.update((config) => {
    config.integrations[name] = {auth, createdAt: now, name, tools: {}, transport: 'streamable-http', updatedAt: now, url: grant.serverUrl, warnings: []}
  })
}

/** Connect an SDK client with `provider` (as openSession will) and call `tool`; returns the tool's text. */
export async function callTool(url: string, provider: OAuthClientProvider, tool = 'echo'): Promise<string> {
  const client = new Client({name: 'oauth-test', version: '1.0.0'})
  await client.connect(new StreamableHTTPClientTransport(new URL(url), {authProvider: provider}))
  try {
    const result = (await client.callTool({arguments: {}, name: tool})) as {content: {text: string}[]}
    return result.content[0].text
  } finally {
    await client.close()
  }
}
