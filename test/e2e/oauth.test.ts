// OAuth through the real CLI: oidc-provider in front of an MCP server over HTTPS, a scripted $BROWSER, and the
// token lifecycle from add to refresh, step-up, re-authorization and revocation on disconnect.
import assert from 'node:assert/strict'
import {createServer, type Server} from 'node:net'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {testCa} from '../helpers/ca.js'
import {type CliResult, cliSandbox} from '../helpers/cli.js'
import {type AuthorizationServerOptions, startAuthorizationServer, type TestAuthorizationServer} from '../helpers/oauth/authorization-server.js'
import {type ResourceServerOptions, startResourceServer, type TestResourceServer} from '../helpers/oauth/resource-server.js'

const browserCommand = `${process.execPath} --import tsx ${fileURLToPath(new URL('../helpers/oauth/browser-command.ts', import.meta.url))}`

describe('OAuth (CLI, HTTPS, oidc-provider)', function () {
  this.timeout(90_000)
  let as: TestAuthorizationServer
  let rs: TestResourceServer
  let sandbox: ReturnType<typeof cliSandbox>
  const outputs: CliResult[] = []

  async function world(options: {as?: AuthorizationServerOptions; rs?: ResourceServerOptions} = {}) {
    as = await startAuthorizationServer(options.as)
    rs = await startResourceServer(as, options.rs)
  }

  const run = async (args: string[], env: Record<string, string | undefined> = {}) => {
    const result = await sandbox.run(args, {env})
    outputs.push(result)
    return result
  }

  const add = (extra: string[] = []) => run(['integrations', 'add', rs.url, '--name', 'secure', '--insecure-storage', '--json', ...extra], {BROWSER: browserCommand})

  /** The stored grant (the tokens live in the 0600 secrets file, never in config.json). */
  const storedGrant = () => {
    const secrets = JSON.parse(readFileSync(join(sandbox.dir, 'secrets.json'), 'utf8')) as Record<string, string>
    const [account, value] = Object.entries(secrets).find(([, v]) => v.includes('"tokens"'))!
    return {account, grant: JSON.parse(value), secrets}
  }

  const editGrant = (change: (grant: any) => void) => {
    const {account, grant, secrets} = storedGrant()
    change(grant)
    secrets[account] = JSON.stringify(grant)
    writeFileSync(join(sandbox.dir, 'secrets.json'), JSON.stringify(secrets), {mode: 0o600})
  }

  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
    outputs.length = 0
  })
  afterEach(async () => {
    sandbox.cleanup()
    await Promise.allSettled([rs?.close(), as?.close()])
  })

  it('adds an OAuth server through the browser flow; tokens stay out of the config and all output', async () => {
    await world()
    const result = await add()
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.json().auth, 'oauth')
    assert.deepEqual(result.json().tools.map((t: {name: string}) => t.name), ['mcp:secure:echo'])
    assert.match(result.stderr, /https:\/\/127\.0\.0\.1:\d+\/.*code_challenge_method=S256/, 'the authorization URL is printed to stderr')
    assert.ok(as.authorizationRequests.length > 0 && as.authorizationRequests.every((r) => r.params.get('resource') === rs.url), 'resource is sent')

    const show = await run(['integrations', 'show', 'secure', '--json'])
    const {oauth} = show.json()
    assert.ok(Date.parse(oauth.expiresAt) > Date.now(), 'expiry shown')
    assert.deepEqual(oauth.scopes, ['mcp'])
    assert.equal(oauth.issuer, as.issuer)

    const {grant} = storedGrant()
    const config = readFileSync(join(sandbox.dir, 'config.json'), 'utf8')
    for (const token of [grant.tokens.access_token, grant.tokens.refresh_token]) {
      assert.ok(token && !config.includes(token), 'no token in config.json')
      for (const output of outputs) assert.ok(!(output.stdout + output.stderr).includes(token), 'no token in output')
    }
  })

  it('adds a server that answers initialize without a token and demands one from tools/list, with no --auth', async () => {
    await world({rs: {openInitialize: true}})
    const probe = await run(['integrations', 'probe', rs.url, '--json'])
    assert.deepEqual([probe.json().auth, probe.json().challengedAt], ['oauth', 'tools/list'])
    const result = await add()
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.json().auth, 'oauth')
    assert.deepEqual(result.json().tools.map((t: {name: string}) => t.name), ['mcp:secure:echo'])
  })

  it('in CI without $BROWSER, fails fast saying how to authorize, and stores nothing', async () => {
    await world()
    const result = await run(['integrations', 'add', rs.url, '--name', 'secure', '--insecure-storage', '--json'], {BROWSER: undefined})
    assert.equal(result.code, 2)
    assert.match(result.json().error.message, /needs a browser/)
    assert.match(result.json().error.hint, /BROWSER/)
    assert.equal(as.authorizationRequests.length, 0)
    assert.deepEqual((await run(['integrations', 'list', '--json'])).json(), [])
  })

  it('reports access_denied plainly with the auth exit code', async () => {
    await world()
    as.behaviour.deny = true
    const result = await add()
    assert.equal(result.code, 3, result.stderr)
    assert.match(result.json().error.message, /access_denied|denied/i)
    assert.deepEqual((await run(['integrations', 'list', '--json'])).json(), [])
  })

  it('refuses a busy --callback-port instead of switching ports', async () => {
    await world()
    const busy: Server = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const {port} = busy.address() as {port: number}
    try {
      const result = await add(['--callback-port', String(port)])
      assert.equal(result.code, 2, result.stderr)
      assert.match(result.json().error.message, new RegExp(String(port)))
    } finally {
      busy.close()
    }
  })

  it('refreshes an expired token without a browser, once, even for two processes at once', async () => {
    await world()
    assert.equal((await add()).code, 0)
    editGrant((grant) => {
      grant.expiresAt = new Date(Date.now() - 60_000).toISOString()
    })
    const calls = await Promise.all([1, 2].map(() => run(['tools', 'call', 'mcp:secure:echo', '--yes', '--json'], {BROWSER: undefined})))
    for (const call of calls) assert.equal(call.code, 0, call.stderr)
    assert.equal(as.refreshCount(), 1, 'one refresh request for both processes')
    assert.deepEqual(rs.calls, ['echo', 'echo'])
    assert.ok(Date.parse(storedGrant().grant.expiresAt) > Date.now(), 'the refreshed tokens were saved')
  })

  it('tools sync uses the stored grant, refreshing it first when expired', async () => {
    await world()
    assert.equal((await add()).code, 0)
    editGrant((grant) => {
      grant.expiresAt = new Date(Date.now() - 60_000).toISOString()
    })
    const sync = await run(['tools', 'sync', 'secure', '--json'], {BROWSER: undefined})
    assert.equal(sync.code, 0, sync.stderr)
    assert.equal(as.refreshCount(), 1)
  })

  it('an invalid grant says to re-authorize with connect; connect does so and keeps the policies', async () => {
    await world()
    assert.equal((await add()).code, 0)
    assert.equal((await run(['policy', 'set', 'mcp:secure:echo', 'auto'])).code, 0)
    editGrant((grant) => {
      grant.expiresAt = new Date(Date.now() - 60_000).toISOString()
      grant.tokens.refresh_token = 'not-a-real-refresh-token'
    })
    const refused = await run(['tools', 'call', 'mcp:secure:echo'], {BROWSER: undefined})
    assert.equal(refused.code, 3, refused.stderr)
    assert.match(refused.stderr, /re-authorize with `mcpctl connect secure`/)

    const connect = await run(['connect', 'secure', '--json'], {BROWSER: browserCommand})
    assert.equal(connect.code, 0, connect.stderr)
    const call = await run(['tools', 'call', 'mcp:secure:echo', '--json'])
    assert.equal(call.code, 0, call.stderr)
    const row = (await run(['tools', 'list', '--json'])).json()[0]
    assert.deepEqual([row.permission, row.source], ['auto', 'user'])
  })

  it('a scope step-up without a browser names the scope and the connect command; connect --scope fixes it', async () => {
    await world({as: {scopes: ['mcp', 'tools:admin']}, rs: {toolScopes: {admin_reset: 'tools:admin'}}})
    assert.equal((await add(['--scope', 'mcp'])).code, 0)
    const refused = await run(['tools', 'call', 'mcp:secure:admin_reset', '--yes', '--json'], {BROWSER: undefined})
    assert.equal(refused.code, 3, refused.stderr)
    assert.match(refused.json().error.message, /tools:admin/)
    assert.match(refused.json().error.hint, /mcpctl connect secure --scope/)

    assert.equal((await run(['connect', 'secure', '--scope', 'mcp tools:admin'], {BROWSER: browserCommand})).code, 0)
    const call = await run(['tools', 'call', 'mcp:secure:admin_reset', '--yes'])
    assert.equal(call.code, 0, call.stderr)
  })

  it('with $BROWSER set, tools call steps up the scopes by itself (once) and the call goes through', async () => {
    await world({as: {scopes: ['mcp', 'tools:admin']}, rs: {toolScopes: {admin_reset: 'tools:admin'}}})
    assert.equal((await add(['--scope', 'mcp'])).code, 0)
    const call = await run(['tools', 'call', 'mcp:secure:admin_reset', '--yes', '--json'], {BROWSER: browserCommand})
    assert.equal(call.code, 0, call.stderr)
    assert.match(call.stderr, /asks for more access/)
    assert.deepEqual(storedGrant().grant.scopes.sort(), ['mcp', 'tools:admin'])
  })

  describe('disconnect revokes', () => {
    it('both tokens, and removes everything', async () => {
      await world()
      assert.equal((await add()).code, 0)
      const result = await run(['disconnect', 'secure', '--yes', '--json'])
      assert.equal(result.code, 0, result.stderr)
      assert.deepEqual(
        result.json().revocation.map((r: {outcome: string; token: string}) => [r.token, r.outcome]).sort(),
        [
          ['access_token', 'revoked'],
          ['refresh_token', 'revoked'],
        ],
      )
      assert.equal(readFileSync(join(sandbox.dir, 'secrets.json'), 'utf8').includes('"tokens"'), false)
    })

    it('after a 503, by retrying', async () => {
      await world()
      assert.equal((await add()).code, 0)
      as.behaviour.revocationUnavailable = 1
      const result = await run(['disconnect', 'secure', '--yes', '--json'])
      assert.equal(result.code, 0, result.stderr)
      assert.ok(result.json().revocation.every((r: {outcome: string}) => r.outcome === 'revoked'))
    })

    it('not when the server stays unavailable: partial success, local secrets removed anyway', async () => {
      await world()
      assert.equal((await add()).code, 0)
      as.behaviour.revocationUnavailable = 100
      const result = await run(['disconnect', 'secure', '--yes', '--json'])
      assert.equal(result.code, 5, result.stderr)
      assert.ok(result.json().revocation.some((r: {outcome: string}) => r.outcome === 'failed'))
      assert.deepEqual((await run(['integrations', 'list', '--json'])).json(), [])
      assert.equal(readFileSync(join(sandbox.dir, 'secrets.json'), 'utf8').includes('"tokens"'), false)
    })

    it('with JWT access tokens: the grant is revoked, so success, and the receipt says until when the access token works', async () => {
      await world({as: {accessTokenFormat: 'jwt'}})
      assert.equal((await add()).code, 0)
      const expiresAt = storedGrant().grant.expiresAt
      const result = await run(['disconnect', 'secure', '--yes', '--json'])
      assert.equal(result.code, 0, result.stderr)
      const receipt = result.json()
      assert.equal(receipt.revoked, true)
      assert.deepEqual(receipt.warnings, [])
      const byToken = Object.fromEntries(receipt.revocation.map((r: {token: string}) => [r.token, r]))
      assert.equal(byToken.refresh_token.outcome, 'revoked')
      assert.equal(byToken.access_token.outcome, 'not-revocable')
      assert.equal(byToken.access_token.validUntil, expiresAt)
      assert.ok(Date.parse(expiresAt) > Date.now())
    })

    it('says so in words without --json', async () => {
      await world({as: {accessTokenFormat: 'jwt'}})
      assert.equal((await add()).code, 0)
      const result = await run(['disconnect', 'secure', '--yes'])
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /refresh token: revoked/)
      assert.match(result.stdout, /access token: cannot be revoked .*stays valid until \d{4}-\d\d-\d\dT/)
      assert.doesNotMatch(result.stderr, /Warning/)
    })

    it('with JWT access tokens and the revocation endpoint down: the grant lives on, partial success', async () => {
      await world({as: {accessTokenFormat: 'jwt'}})
      assert.equal((await add()).code, 0)
      as.behaviour.revocationUnavailable = 100
      const result = await run(['disconnect', 'secure', '--yes', '--json'])
      assert.equal(result.code, 5, result.stderr)
      assert.equal(result.json().revoked, false)
      assert.match(result.json().warnings.join('\n'), /refresh token was not revoked/)
    })

    it('with no revocation endpoint: nothing to revoke, success', async () => {
      await world({as: {revocation: false}})
      assert.equal((await add()).code, 0)
      const result = await run(['disconnect', 'secure', '--yes', '--json'])
      assert.equal(result.code, 0, result.stderr)
      assert.ok(result.json().revocation.every((r: {outcome: string}) => r.outcome === 'unsupported'))
    })
  })
})
