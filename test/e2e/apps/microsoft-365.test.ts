// Microsoft 365 through the real CLI against its emulator (an Entra login host and a Graph host): the authorization
// code kind — a browser sign-in with PKCE through the loopback listener MCP servers use, the refresh token kept in the
// secret store and used when the access token is refused — and its app-only alternative, client credentials.
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {type MicrosoftEmulator, passwordMethodId, startMicrosoftEmulator} from '../../helpers/vendors/microsoft-365.js'

/** `$BROWSER`: follows the authorization URL like a person who signs in and consents, and lands on the loopback callback. */
const browserCommand = `${process.execPath} --import tsx ${fileURLToPath(new URL('../../helpers/oauth/browser-command.ts', import.meta.url))}`

describe('app microsoft-365 (end to end, emulator)', function () {
  // Each CLI process costs about a second on a loaded machine; the longest test runs eight.
  this.timeout(180_000)
  let m365: MicrosoftEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  const fields = (name: string) => [
    'connect',
    'microsoft-365',
    '--name',
    name,
    '--field',
    `instance=${m365.origin}`,
    '--field',
    `login-url=${m365.loginUrl}`,
    '--field',
    `tenant=${m365.credentials.tenantDomain}`,
    '--field',
    `client-id=${m365.credentials.clientId}`,
    '--insecure-storage',
    '--json',
  ]
  const secrets = () => (existsSync(join(sandbox.dir, 'secrets.json')) ? readFileSync(join(sandbox.dir, 'secrets.json'), 'utf8') : '')
  const config = () => (existsSync(join(sandbox.dir, 'config.json')) ? readFileSync(join(sandbox.dir, 'config.json'), 'utf8') : '')
  const tokenRequests = () => m365.requests.filter((r) => r.origin === m365.loginUrl && r.pathname.endsWith('/oauth2/v2.0/token'))
  const graphRequests = () => m365.requests.filter((r) => r.origin === m365.origin)
  const call = (tool: string, args: unknown, extra: string[] = []) => sandbox.run(['tools', 'call', tool, '--args', JSON.stringify(args), '--json', ...extra])

  before(async () => {
    m365 = await startMicrosoftEmulator()
  })
  after(() => m365.close())
  beforeEach(() => {
    sandbox = cliSandbox({BROWSER: undefined, NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(() => sandbox.cleanup())

  it('without a client secret and without a browser, fails naming the flags and saves nothing; a declined consent saves nothing', async () => {
    const before = m365.requests.length
    const noBrowser = await sandbox.run(fields('contoso'))
    assert.equal(noBrowser.code, 2, noBrowser.stderr)
    const {error} = noBrowser.json()
    assert.match(error.message, /Microsoft 365 signs in in a browser when no client-secret is given, and no browser can be opened here/)
    assert.match(error.hint, /--secret-stdin client-secret or --secret-env client-secret=VAR/)
    assert.match(error.hint, /BROWSER/)
    assert.equal(m365.requests.length, before, 'nothing was sent before a sign-in was possible')
    assert.equal(secrets(), '')
    assert.doesNotMatch(config(), /contoso/)

    m365.denyConsent(true)
    try {
      const declined = await sandbox.run(fields('contoso'), {env: {BROWSER: browserCommand}})
      assert.equal(declined.code, 3, declined.stderr)
      assert.match(declined.json().error.message, /denied.*AADSTS65004: User declined to consent/)
      assert.equal(secrets(), '')
      assert.doesNotMatch(config(), /contoso/)
    } finally {
      m365.denyConsent(false)
    }
  })

  it('signs in in the browser (PKCE, loopback), keeps the refresh token in the secret store only, refreshes a refused token, and disconnects leaving no secret', async () => {
    const connected = await sandbox.run(fields('contoso'), {env: {BROWSER: browserCommand}})
    assert.equal(connected.code, 0, connected.stderr)
    assert.equal(connected.json().tools.length, 8)
    assert.match(connected.stderr, /To authorize mcpctl for Microsoft 365 \(contoso\)/)

    // The browser went to the tenant's authorize endpoint with PKCE S256, the loopback redirect and offline_access.
    const authorize = m365.requests.filter((r) => r.pathname.endsWith('/oauth2/v2.0/authorize')).at(-1)!
    assert.equal(authorize.pathname, `/${m365.credentials.tenantDomain}/oauth2/v2.0/authorize`)
    assert.equal(authorize.query.code_challenge_method, 'S256')
    assert.equal(authorize.query.response_type, 'code')
    assert.equal(authorize.query.scope, `offline_access ${m365.origin}/.default`)
    assert.match(authorize.query.redirect_uri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/)
    const redeemed = tokenRequests().at(-1)!
    const form = redeemed.body as Record<string, string>
    assert.equal(form.grant_type, 'authorization_code')
    assert.equal(form.client_id, m365.credentials.clientId)
    assert.equal(form.redirect_uri, authorize.query.redirect_uri)
    assert.ok(form.code_verifier && !('client_secret' in form), 'a public client proving PKCE')
    // Verified with GET /organization and the bearer token.
    assert.equal(graphRequests().at(-1)!.pathname, '/v1.0/organization')
    assert.match(String(graphRequests().at(-1)!.headers.authorization), /^Bearer m365-at-/)

    assert.doesNotMatch(config(), /m365-(at|rt)-/, 'no token in the config file')
    assert.match(secrets(), /m365-rt-/, 'the refresh token is in the secret store')

    // A write only a sign-in may do: the exact request Graph documents.
    const reset = await call('microsoft-365:contoso:reset_password', {id: m365.data.users[1].userPrincipalName, new_password: 'Spring-Tulip-42!'}, ['--yes'])
    assert.equal(reset.code, 0, reset.stdout + reset.stderr)
    const resetRequest = graphRequests().at(-1)!
    assert.equal(resetRequest.method, 'POST')
    assert.equal(resetRequest.pathname, `/v1.0/users/${encodeURIComponent(m365.data.users[1].userPrincipalName)}/authentication/methods/${passwordMethodId}/resetPassword`)
    assert.equal(resetRequest.headers['content-type'], 'application/json')
    assert.deepEqual(resetRequest.body, {newPassword: 'Spring-Tulip-42!'})

    // The access token stops working: one refresh_token grant (no browser: BROWSER is unset), then the read succeeds.
    m365.expireTokens()
    const tokensBefore = tokenRequests().length
    const user = await call('microsoft-365:contoso:get_user', {id: m365.data.users[2].id, select: 'id,displayName,accountEnabled'})
    assert.equal(user.code, 0, user.stderr)
    assert.deepEqual(user.json().structuredContent, {
      '@odata.context': `${m365.origin}/v1.0/$metadata#users(id,displayName,accountEnabled)/$entity`,
      accountEnabled: true,
      displayName: 'Diego Siciliani',
      id: m365.data.users[2].id,
    })
    assert.equal(tokenRequests().length, tokensBefore + 1)
    assert.equal((tokenRequests().at(-1)!.body as Record<string, string>).grant_type, 'refresh_token')
    assert.equal(graphRequests().at(-1)!.query.$select, 'id,displayName,accountEnabled')

    // The signed-in user's sessions are revoked (Entra's only revocation): the refresh token is refused, and the
    // error says how to sign in again instead of opening a browser.
    const revoked = await call('microsoft-365:contoso:revoke_sessions', {id: m365.signedInUser.id}, ['--yes'])
    assert.equal(revoked.code, 0, revoked.stderr)
    m365.expireTokens()
    const expired = await call('microsoft-365:contoso:get_user', {id: m365.data.users[2].id})
    assert.equal(expired.code, 3, expired.stdout + expired.stderr)
    assert.match(expired.json().error.message, /the sign-in of "contoso" has expired or was revoked \(.*invalid_grant/)
    assert.match(expired.json().error.hint, /mcpctl connect contoso/)

    const gone = await sandbox.run(['disconnect', 'contoso', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.match(gone.json().revokeAt, /Revoke sessions/)
    assert.equal(gone.json().removed.secrets, 1, 'the token (with its refresh token); there was no client secret')
    assert.doesNotMatch(secrets(), /m365-/)
  })

  it('app-only: refuses a wrong client secret with nothing saved; with the right one lists (a 429 waited out), writes, renews a refused token, and disconnects', async () => {
    const wrong = await sandbox.run([...fields('contoso-app'), '--secret-stdin', 'client-secret'], {input: 'not-the-secret'})
    assert.equal(wrong.code, 3, wrong.stderr)
    assert.match(wrong.json().error.message, /Microsoft 365 refused the client credentials of "contoso-app" \(HTTP 401: AADSTS7000215: Invalid client secret/)
    assert.doesNotMatch(wrong.stdout + wrong.stderr, /not-the-secret/)
    assert.equal(secrets(), '')
    assert.doesNotMatch(config(), /contoso-app/)
    const refusedForm = tokenRequests().at(-1)!.body as Record<string, string>
    assert.deepEqual(refusedForm, {client_id: m365.credentials.clientId, client_secret: 'not-the-secret', grant_type: 'client_credentials', scope: `${m365.origin}/.default`})
    assert.equal(tokenRequests().at(-1)!.pathname, `/${m365.credentials.tenantDomain}/oauth2/v2.0/token`)

    const connected = await sandbox.run([...fields('contoso-app'), '--secret-stdin', 'client-secret'], {input: m365.credentials.clientSecret})
    assert.equal(connected.code, 0, connected.stderr)
    const seeded = Object.fromEntries(connected.json().tools.map((t: {name: string; permission: string}) => [t.name.split(':').at(-1), t.permission]))
    assert.deepEqual(seeded, {
      add_group_member: 'approval_needed',
      disable_user: 'approval_needed',
      get_user: 'auto',
      licenses: 'auto',
      list_users: 'auto',
      reset_password: 'approval_needed',
      revoke_sessions: 'approval_needed',
      user_groups: 'auto',
    })
    assert.ok(!config().includes(m365.credentials.clientSecret) && !/m365-at-/.test(config()))

    // A read with Graph's advanced query: $filter, $count=true and ConsistencyLevel: eventual, paged with $top;
    // Graph throttles it once (429, Retry-After: 1) and it is sent again after the wait.
    m365.rateLimitNext(1, 1)
    const listsBefore = graphRequests().filter((r) => r.pathname === '/v1.0/users').length
    const listed = await call('microsoft-365:contoso-app:list_users', {filter: "endswith(userPrincipalName,'.onmicrosoft.com') and accountEnabled eq true", limit: 3, select: 'id,displayName'})
    assert.equal(listed.code, 0, listed.stderr)
    const result = listed.json().structuredContent
    assert.equal(result.count, 3)
    assert.equal(result.more, true)
    assert.deepEqual(result.items[0], {displayName: 'Adele Vance', id: m365.data.users[0].id})
    const list = graphRequests().at(-1)!
    assert.equal(list.pathname, '/v1.0/users')
    assert.deepEqual(list.query, {$count: 'true', $filter: "endswith(userPrincipalName,'.onmicrosoft.com') and accountEnabled eq true", $select: 'id,displayName', $top: '3'})
    assert.equal(list.headers.consistencylevel, 'eventual')
    assert.equal(graphRequests().filter((r) => r.pathname === '/v1.0/users').length, listsBefore + 2, 'the throttled request and its retry')

    // A write: PATCH accountEnabled false; the token is refused first and renewed with the client secret.
    m365.expireTokens()
    const tokensBefore = tokenRequests().length
    const target = m365.data.users[5]
    const disabled = await call('microsoft-365:contoso-app:disable_user', {id: target.id}, ['--yes'])
    assert.equal(disabled.code, 0, disabled.stdout + disabled.stderr)
    const patch = graphRequests().at(-1)!
    assert.equal(patch.method, 'PATCH')
    assert.equal(patch.pathname, `/v1.0/users/${target.id}`)
    assert.equal(patch.rawBody, '{"accountEnabled":false}')
    assert.equal(target.accountEnabled, false)
    assert.equal(tokenRequests().length, tokensBefore + 1)
    assert.equal((tokenRequests().at(-1)!.body as Record<string, string>).grant_type, 'client_credentials')

    // Graph has no application permission for resetPassword: a tool error in Graph's words, not a crash.
    const reset = await call('microsoft-365:contoso-app:reset_password', {id: target.id, new_password: 'x'}, ['--yes'])
    assert.match(reset.stdout, /HTTP 403: Insufficient privileges to complete the operation/)

    const gone = await sandbox.run(['disconnect', 'contoso-app', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.equal(gone.json().removed.secrets, 2, 'the client secret and the cached token')
    assert.match(gone.json().revokeAt, /Certificates & secrets/)
    assert.ok(!secrets().includes(m365.credentials.clientSecret) && !/m365-at-/.test(secrets()))
  })
})
