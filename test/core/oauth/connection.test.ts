import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {once} from 'node:events'
import path from 'node:path'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'

import {McpctlError} from '../../../src/core/errors.js'
import {OAuthConnection} from '../../../src/core/oauth/connection.js'
import {loadIntegrationGrant, saveIntegrationGrant} from '../../../src/core/oauth/grant-store.js'
import type {OAuthGrant} from '../../../src/core/oauth/grant.js'
import {testCa} from '../../helpers/ca.js'
import {authorizeWithBrowser, callTool, type OAuthWorld, seedIntegration, startOAuthWorld, testBrowser} from '../../helpers/oauth/world.js'
import {rejection} from '../../helpers/rejection.js'

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'refresh-child.ts')
const silent = () => {}
const expired = (grant: OAuthGrant): OAuthGrant => ({...grant, expiresAt: new Date(Date.now() - 1000).toISOString()})
const hash = (token: string) => createHash('sha256').update(token).digest('hex')

describe('oauth: using a stored grant (refresh, 401, step-up)', function () {
  let world: OAuthWorld
  let grant: OAuthGrant

  beforeEach(async () => {
    world = await startOAuthWorld({rs: {toolScopes: {admin_reset: 'tools:admin'}}})
    ;({grant} = await authorizeWithBrowser(world))
  })
  afterEach(async () => {
    await world.close()
  })

  it('refreshes an expired access token before use, without a browser, and stores the new tokens and expiry', async () => {
    await seedIntegration(world, 'acme', expired(grant))
    const authorizations = world.as.authorizationRequests.length

    const connection = await OAuthConnection.open({ctx: world.ctx, name: 'acme'})
    assert.equal(world.as.refreshCount(), 1)
    assert.equal(world.as.authorizationRequests.length, authorizations, 'no browser flow')
    assert.notEqual(connection.grant.tokens.access_token, grant.tokens.access_token)
    assert.notEqual(connection.grant.tokens.refresh_token, grant.tokens.refresh_token, 'the refresh token rotated')
    assert.equal(world.as.tokenRequests.at(-1)?.resource, world.rs.url, 'resource is sent on refresh too')

    const stored = await loadIntegrationGrant(world.ctx, 'acme')
    assert.equal(stored.grant.tokens.access_token, connection.grant.tokens.access_token)
    assert.equal(stored.grant.tokens.refresh_token, connection.grant.tokens.refresh_token)
    assert.ok(Date.parse(stored.auth.expiresAt!) > Date.now() + 3000 * 1000, 'the config shows the new expiry')
    assert.deepEqual(connection.status.scopes, ['mcp'])

    assert.match(await callTool(world.rs.url, connection.provider), /echo/)
    // A fresh token is used as it is: no second refresh.
    await OAuthConnection.open({ctx: world.ctx, name: 'acme'})
    assert.equal(world.as.refreshCount(), 1)
  })

  it('on a 401 refreshes once under the lock and runs the work again', async () => {
    await seedIntegration(world, 'acme', grant)
    const connection = await OAuthConnection.open({ctx: world.ctx, name: 'acme'})
    assert.equal(world.as.refreshCount(), 0)
    // The authorization server forgets the access token (revoked, or expired early): the MCP server answers 401.
    await (await world.as.provider.AccessToken.find(grant.tokens.access_token))!.destroy()

    let attempts = 0
    const text = await connection.run(() => {
      attempts++
      return callTool(world.rs.url, connection.provider)
    })
    assert.match(text, /echo/)
    assert.equal(attempts, 2)
    assert.equal(world.as.refreshCount(), 1)
    assert.ok(world.rs.refused.some((refusal) => refusal.status === 401))
    const stored = await loadIntegrationGrant(world.ctx, 'acme')
    assert.equal(stored.grant.tokens.access_token, connection.grant.tokens.access_token)
  })

  it('a refused refresh token (invalid_grant) fails with the re-authorize hint, once, without a browser', async () => {
    await seedIntegration(world, 'acme', expired(grant))
    await (await world.as.provider.RefreshToken.find(grant.tokens.refresh_token!))!.destroy()
    const authorizations = world.as.authorizationRequests.length

    const error = await rejection(OAuthConnection.open({ctx: world.ctx, name: 'acme'}))
    assert.equal(error.kind, 'auth')
    assert.equal(error.exitCode, 3)
    assert.match(error.message, /^The authorization for "acme" has expired/)
    assert.equal(error.hint, 're-authorize with `mcpctl connect acme`')
    assert.equal(world.as.refreshCount(), 1)
    assert.equal(world.as.authorizationRequests.length, authorizations)
    for (const token of [grant.tokens.access_token, grant.tokens.refresh_token!]) assert.ok(!`${error.message} ${error.hint}`.includes(token))
  })

  it('a 401 that a refresh does not cure ends with an auth error, not a loop', async () => {
    await seedIntegration(world, 'acme', grant)
    const connection = await OAuthConnection.open({ctx: world.ctx, name: 'acme'})
    // The resource server refuses every token from now on.
    world.as.resources[world.rs.url] = ['mcp', 'tools:admin']
    const verify = world.as.verifyAccessToken
    world.as.verifyAccessToken = async () => undefined
    try {
      let attempts = 0
      const error = await rejection(
        connection.run(() => {
          attempts++
          return callTool(world.rs.url, connection.provider)
        }),
      )
      assert.equal(error.kind, 'auth')
      assert.match(error.message, /refused the access token for "acme" even after a refresh/)
      assert.equal(error.hint, 're-authorize with `mcpctl connect acme`')
      assert.equal(attempts, 2)
      assert.equal(world.as.refreshCount(), 1)
    } finally {
      world.as.verifyAccessToken = verify
    }
  })

  it('a token endpoint failure during refresh is a server error and leaves the stored grant as it was', async () => {
    await seedIntegration(world, 'acme', expired(grant))
    const before = await loadIntegrationGrant(world.ctx, 'acme')
    world.as.behaviour.tokenFault = (form) => ({
      body: `upstream failed for refresh_token=${form.get('refresh_token')}`,
      status: 502,
    })
    const error = await rejection(OAuthConnection.open({ctx: world.ctx, name: 'acme'}))
    assert.equal(error.kind, 'server')
    assert.match(error.message, /answered HTTP 502 while refreshing the access token for "acme"/)
    assert.ok(!error.message.includes(grant.tokens.refresh_token!))
    const after = await loadIntegrationGrant(world.ctx, 'acme')
    assert.deepEqual(after.grant, before.grant)
    assert.deepEqual(after.auth, before.auth)
  })

  it('an OAuth error that echoes the refresh token back: the message has it redacted', async () => {
    await seedIntegration(world, 'acme', expired(grant))
    world.as.behaviour.tokenFault = (form) => ({
      body: JSON.stringify({error: 'invalid_request', error_description: `refresh_token ${form.get('refresh_token')} looks odd`}),
      contentType: 'application/json',
      status: 400,
    })
    const error = await rejection(OAuthConnection.open({ctx: world.ctx, name: 'acme'}))
    assert.equal(error.kind, 'auth')
    assert.match(error.message, /invalid_request: refresh_token \[redacted\] looks odd/)
    assert.ok(!error.message.includes(grant.tokens.refresh_token!))
  })

  it('re-authorization (connect) replaces the stored grant in place and updates the summary', async () => {
    await seedIntegration(world, 'acme', grant)
    const before = await loadIntegrationGrant(world.ctx, 'acme')
    const {grant: again} = await authorizeWithBrowser(world, {scope: 'mcp tools:admin'})
    const auth = await saveIntegrationGrant(world.ctx, 'acme', again, {allowFile: false})
    const after = await loadIntegrationGrant(world.ctx, 'acme')
    assert.deepEqual(after.auth.secret, before.auth.secret, 'same secret slot')
    assert.deepEqual(after.auth, auth)
    assert.equal(after.grant.tokens.access_token, again.tokens.access_token)
    assert.deepEqual(after.auth.scopes?.sort(), ['mcp', 'tools:admin'])
    assert.equal(after.auth.clientId, again.clientInformation.client_id)
  })

  it('a 403 insufficient_scope without a browser allowed names the scope and the command to grant it', async () => {
    await seedIntegration(world, 'acme', grant)
    const connection = await OAuthConnection.open({ctx: world.ctx, name: 'acme'})
    const error = await rejection(connection.run(() => callTool(world.rs.url, connection.provider, 'admin_reset')))
    assert.equal(error.kind, 'auth')
    assert.match(error.message, /needs the scope tools:admin/)
    assert.equal(error.hint, 'Authorize it with `mcpctl connect acme --scope "mcp tools:admin"`.')
    assert.deepEqual(world.rs.calls, [])
  })

  it('a 403 insufficient_scope in an interactive run steps up once with the union of scopes and goes on', async () => {
    await seedIntegration(world, 'acme', grant)
    const browser = testBrowser()
    const connection = await OAuthConnection.open({ctx: world.ctx, interactive: {notify: silent, openUrl: browser.openUrl}, name: 'acme'})
    const text = await connection.run(() => callTool(world.rs.url, connection.provider, 'admin_reset'))
    assert.match(text, /admin_reset/)
    assert.equal(browser.urls.length, 1)
    assert.equal(browser.urls[0].searchParams.get('scope'), 'mcp tools:admin')
    assert.deepEqual(world.rs.calls, ['admin_reset'])
    const stored = await loadIntegrationGrant(world.ctx, 'acme')
    assert.deepEqual(stored.auth.scopes?.sort(), ['mcp', 'tools:admin'])
    assert.equal(stored.grant.tokens.access_token, connection.grant.tokens.access_token)
  })

  it('steps up at most once per command when the server keeps asking', async () => {
    await seedIntegration(world, 'acme', grant)
    // The authorization server will not grant tools:admin for this resource, so the step-up cannot help.
    world.as.resources[world.rs.url] = ['mcp']
    const browser = testBrowser()
    const connection = await OAuthConnection.open({ctx: world.ctx, interactive: {notify: silent, openUrl: browser.openUrl}, name: 'acme'})
    const error = await rejection(connection.run(() => callTool(world.rs.url, connection.provider, 'admin_reset')))
    assert.equal(error.kind, 'auth')
    assert.match(error.message, /tools:admin/)
    assert.equal(browser.urls.length, 1)
  })
})

describe('oauth: through the session the commands use (openSession)', function () {
  let world: OAuthWorld

  beforeEach(async () => {
    world = await startOAuthWorld({rs: {toolScopes: {admin_reset: 'tools:admin'}}})
  })
  afterEach(async () => {
    await world.close()
  })

  it('refreshes on a 401 and steps up on a 403, with the provider as the only credential', async () => {
    const {openSession} = await import('../../../src/core/sources/mcp/session.js')
    const {grant} = await authorizeWithBrowser(world)
    await seedIntegration(world, 'acme', grant)
    await (await world.as.provider.AccessToken.find(grant.tokens.access_token))!.destroy()
    const browser = testBrowser()
    const connection = await OAuthConnection.open({ctx: world.ctx, interactive: {notify: silent, openUrl: browser.openUrl}, name: 'acme'})

    const result = await connection.run(async () => {
      const session = await openSession(new URL(world.rs.url), {credentials: {provider: connection.provider, type: 'oauth'}})
      try {
        const tools = (await session.client.listTools()).tools.map((tool) => tool.name)
        const called = (await session.client.callTool({arguments: {}, name: 'admin_reset'})) as {content: {text: string}[]}
        return {called: called.content[0].text, tools}
      } finally {
        await session.close()
      }
    })
    assert.deepEqual(result.tools, ['echo', 'admin_reset'])
    assert.match(result.called, /admin_reset/)
    assert.equal(world.as.refreshCount(), 1)
    assert.equal(browser.urls.length, 1)
    assert.deepEqual(connection.status.scopes.sort(), ['mcp', 'tools:admin'])
  })
})

describe('oauth: two processes refreshing the same grant at once', function () {
  let world: OAuthWorld

  afterEach(async () => {
    await world?.close()
  })

  it('makes exactly one refresh request; both processes end up with the same, working token', async () => {
    world = await startOAuthWorld({keyring: 'file'})
    const {grant} = await authorizeWithBrowser(world)
    await seedIntegration(world, 'acme', expired(grant))

    const children = [0, 1].map(() =>
      spawn(process.execPath, ['--import', 'tsx', CHILD, world.dir, 'acme'], {
        env: {...process.env, MCPCTL_KEYRING: 'off', NODE_EXTRA_CA_CERTS: testCa().caFile},
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    )
    const lines = children.map((child) => createInterface({input: child.stdout!})[Symbol.asyncIterator]())
    // Both are loaded and waiting before either starts, so that they really race for the refresh.
    for (const line of lines) assert.equal((await line.next()).value, 'ready')
    for (const child of children) child.stdin!.write('go\n')
    const results = await Promise.all(
      children.map(async (child, index) => {
        const output = (await lines[index].next()).value as string
        const [code] = (await once(child, 'exit')) as [number]
        return {code, output: JSON.parse(output) as {error?: string; token?: string}}
      }),
    )

    for (const result of results) assert.equal(result.code, 0, result.output.error)
    assert.equal(world.as.refreshCount(), 1)
    assert.equal(results[0].output.token, results[1].output.token)
    const stored = await loadIntegrationGrant(world.ctx, 'acme')
    assert.equal(hash(stored.grant.tokens.access_token), results[0].output.token)
    assert.notEqual(stored.grant.tokens.access_token, grant.tokens.access_token)
    assert.match(await callTool(world.rs.url, OAuthConnection.forGrant('acme', stored.grant).provider), /echo/)
  })
})
