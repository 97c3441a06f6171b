// HaloPSA through the real CLI against its emulator: the OAuth client-credentials engine — the auth URL discovered
// from /api/authinfo, the token cached in the secret store and renewed when the API refuses it — and JSON-array writes.
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {type HaloEmulator, startHaloEmulator} from '../../helpers/vendors/halopsa.js'

describe('app halopsa (end to end, emulator)', function () {
  this.timeout(120_000)
  let halo: HaloEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  const connect = (secret: string, extra: string[] = []) =>
    sandbox.run(
      ['connect', 'halopsa', '--name', 'acme', '--field', `instance=${halo.origin}`, '--field', `client-id=${halo.credentials.clientId}`, '--secret-stdin', 'client-secret', '--insecure-storage', '--json', ...extra],
      {input: secret},
    )
  const secrets = () => (existsSync(join(sandbox.dir, 'secrets.json')) ? readFileSync(join(sandbox.dir, 'secrets.json'), 'utf8') : '')
  const tokenRequests = () => halo.requests.filter((r) => r.method === 'POST' && r.pathname.endsWith('/token'))

  beforeEach(async () => {
    halo = await startHaloEmulator({separateAuthServer: true, tenant: 'acmetenant'})
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(async () => {
    sandbox.cleanup()
    await halo.close()
  })

  it('refuses a wrong client secret at the token endpoint with exit 3 and saves nothing', async () => {
    const refused = await connect('wrong-secret')
    assert.equal(refused.code, 3, refused.stderr)
    assert.match(refused.json().error.message, /HaloPSA refused the client credentials of "acme" \(HTTP 401: Invalid client credentials/)
    assert.equal(secrets(), '')
    // The token request went to the discovered auth server, with the tenant, form-encoded, scope=all.
    const [token] = tokenRequests()
    assert.equal(token.origin, halo.authUrl)
    assert.deepEqual(token.query, {tenant: 'acmetenant'})
    assert.deepEqual(token.body, {client_id: halo.credentials.clientId, client_secret: 'wrong-secret', grant_type: 'client_credentials', scope: 'all'})
  })

  it('connects, caches the token outside the config, renews it when refused, and writes JSON arrays', async () => {
    const connected = await connect(halo.credentials.clientSecret)
    assert.equal(connected.code, 0, connected.stderr)
    assert.deepEqual(connected.json().fields, {'auth-url': halo.authUrl, 'client-id': halo.credentials.clientId, instance: halo.origin, tenant: 'acmetenant'})
    const config = readFileSync(join(sandbox.dir, 'config.json'), 'utf8')
    assert.ok(!config.includes(halo.credentials.clientSecret) && !config.includes('halo-at-'), 'no secret or token in the config file')
    assert.match(secrets(), /halo-at-/, 'the token is cached in the secret store')
    assert.equal(tokenRequests().length, 1)

    const listed = await sandbox.run(['tools', 'call', 'halopsa:acme:list_tickets', '--args', '{"client_id":12,"limit":3}', '--json'])
    assert.equal(listed.code, 0, listed.stderr)
    assert.equal(listed.json().structuredContent.count, 3)
    assert.equal(tokenRequests().length, 1, 'the cached token was used')
    assert.deepEqual(halo.requests.at(-1)!.query, {client_id: '12', page_no: '1', page_size: '3', pageinate: 'true'})

    halo.expireTokens()
    const note = await sandbox.run(['tools', 'call', 'halopsa:acme:add_note', '--args', '{"ticket_id":2001,"note":"Rebooted the server.","hidden_from_user":true}', '--yes', '--json'])
    assert.equal(note.code, 0, note.stdout + note.stderr)
    assert.equal(tokenRequests().length, 2, 'one new token after the 401')
    const write = halo.requests.at(-1)!
    assert.equal(write.method, 'POST')
    assert.equal(write.pathname, '/api/Actions')
    assert.deepEqual(write.body, [{hiddenfromuser: true, note: 'Rebooted the server.', ticket_id: 2001}])
    assert.equal(halo.data.actions.at(-1)!.note, 'Rebooted the server.')

    const gone = await sandbox.run(['disconnect', 'acme', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.equal(gone.json().removed.secrets, 2, 'the client secret and the cached token')
    assert.ok(!secrets().includes(halo.credentials.clientSecret) && !secrets().includes('halo-at-'))
  })
})

describe('app halopsa: self-hosted without /api/authinfo, hosted tokens near expiry, paging, two connections', function () {
  // Each CLI process costs seconds on a loaded machine; the long test runs about ten.
  this.timeout(180_000)
  /** Self-hosted, without /api/authinfo: tokens from {instance}/auth/token. 120 tickets: more than one page of 100. */
  let acmeVendor: HaloEmulator
  /** Halo-hosted: the auth server on its own host and a tenant, both announced by /api/authinfo; 30 s tokens. */
  let globexVendor: HaloEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  const connect = (name: string, vendor: HaloEmulator, extra: string[] = []) =>
    sandbox.run(
      ['connect', 'halopsa', '--name', name, '--field', `instance=${vendor.origin}`, '--field', `client-id=${vendor.credentials.clientId}`, '--secret-stdin', 'client-secret', '--insecure-storage', '--json', ...extra],
      {input: vendor.credentials.clientSecret},
    )
  const call = (tool: string, args: unknown, ...extra: string[]) => sandbox.run(['tools', 'call', tool, '--args', JSON.stringify(args), '--json', ...extra])
  const secrets = () => (existsSync(join(sandbox.dir, 'secrets.json')) ? readFileSync(join(sandbox.dir, 'secrets.json'), 'utf8') : '')
  /** What a vendor saw since `start`: `token` for token requests, `METHOD /path` for API calls. */
  const trace = (vendor: HaloEmulator, start: number) =>
    vendor.requests.slice(start).map((r) => (r.method === 'POST' && r.pathname.endsWith('/token') ? 'token' : `${r.method} ${r.pathname}`))

  before(async () => {
    ;[acmeVendor, globexVendor] = await Promise.all([
      startHaloEmulator({authInfo: false, ticketCount: 120}),
      startHaloEmulator({accessTokenTtl: 30, separateAuthServer: true, tenant: 'globex'}),
    ])
  })
  after(() => Promise.all([acmeVendor.close(), globexVendor.close()]))
  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(() => sandbox.cleanup())

  it('has its field keys in the catalog; a scope without access is refused with exit 3 naming scope all', async () => {
    const [app] = (await sandbox.run(['integrations', 'catalog', '--search', 'halo', '--json'])).json()
    assert.deepEqual(
      app.fields.map((f: {key: string; required: boolean; secret: boolean}) => [f.key, f.secret, f.required]),
      [
        ['instance', false, true],
        ['auth-url', false, false],
        ['tenant', false, false],
        ['client-id', false, true],
        ['client-secret', true, true],
        ['scope', false, false],
      ],
    )
    const start = acmeVendor.requests.length
    const narrow = await connect('acme', acmeVendor, ['--field', 'scope=read:tickets'])
    assert.equal(narrow.code, 3, narrow.stderr)
    assert.match(narrow.json().error.message, /HaloPSA refused access: the API application lacks the permission or scope \(try scope all\)/)
    assert.deepEqual(trace(acmeVendor, start), ['GET /api/authinfo', 'token', 'GET /api/Client'])
    assert.equal(acmeVendor.requests.at(-2)!.path, '/auth/token', 'without /api/authinfo the token comes from {instance}/auth/token')
    assert.equal((acmeVendor.requests.at(-2)!.body as {scope: string}).scope, 'read:tickets')
    assert.deepEqual(acmeVendor.requests.at(-1)!.query, {page_size: '1', pageinate: 'true'})
    assert.equal(secrets(), '')
  })

  it('pages only as far as asked, writes JSON arrays, and turns Halo errors and 429s into tool results', async () => {
    const connected = await connect('acme', acmeVendor)
    assert.equal(connected.code, 0, connected.stderr)

    // 110 of 120 tickets: page 1 (100) and page 2, then stop.
    let start = acmeVendor.requests.length
    const listed = await call('halopsa:acme:list_tickets', {limit: 110})
    assert.equal(listed.code, 0, listed.stderr)
    assert.deepEqual([listed.json().structuredContent.count, listed.json().structuredContent.more], [110, true])
    assert.deepEqual(
      acmeVendor.requests.slice(start).map((r) => r.query),
      [
        {page_no: '1', page_size: '100', pageinate: 'true'},
        {page_no: '2', page_size: '100', pageinate: 'true'},
      ],
    )

    const created = await call('halopsa:acme:create_ticket', {client_id: 12, details: '<p>Screen flickers</p>', summary: 'Monitor flicker'}, '--yes')
    assert.equal(created.code, 0, created.stderr)
    const ticket = created.json().structuredContent
    assert.deepEqual(acmeVendor.requests.at(-1)!.body, [{client_id: 12, details: '<p>Screen flickers</p>', summary: 'Monitor flicker'}])
    assert.equal(acmeVendor.requests.at(-1)!.headers['content-type'], 'application/json')
    const updated = await call('halopsa:acme:update_ticket', {id: ticket.id, status_id: 9}, '--yes')
    assert.equal(updated.code, 0, updated.stderr)
    assert.deepEqual(acmeVendor.requests.at(-1)!.body, [{id: ticket.id, status_id: 9}])

    const refused = await call('halopsa:acme:create_ticket', {client_id: 99, summary: 'Nobody'}, '--yes')
    assert.equal(refused.code, 1)
    assert.equal(refused.json().content[0].text, 'HaloPSA answered HTTP 400: Client 99 does not exist.')
    acmeVendor.rateLimitNext(1, 1)
    start = acmeVendor.requests.length
    const article = await call('halopsa:acme:get_kb_article', {id: 41})
    assert.equal(article.code, 0, article.stderr)
    assert.equal(article.json().structuredContent.name, 'Reset an Outlook profile')
    assert.equal(acmeVendor.requests.length - start, 2, 'one 429, then the retry')
  })

  it('renews a token before it expires, without a 401, and keeps two connections apart', async () => {
    assert.equal((await connect('acme', acmeVendor)).code, 0)
    const connected = await connect('globex', globexVendor)
    assert.equal(connected.code, 0, connected.stderr)
    assert.deepEqual([connected.json().fields['auth-url'], connected.json().fields.tenant], [globexVendor.authUrl, 'globex'])

    // Globex tokens live 30 s, inside mcpctl's renewal margin: the stored one is renewed before the call, with no 401.
    const start = globexVendor.requests.length
    const assets = await call('halopsa:globex:list_assets', {client_id: 13})
    assert.equal(assets.code, 0, assets.stderr)
    assert.deepEqual(assets.json().structuredContent.items.map((a: {inventory_number: string}) => a.inventory_number), ['GLOBEX-FW'])
    assert.deepEqual(trace(globexVendor, start), ['token', 'GET /api/Asset'])
    const [renewal, api] = globexVendor.requests.slice(start)
    assert.equal(renewal.path, '/token?tenant=globex')
    const token = api.headers.authorization!.slice('Bearer '.length)
    assert.ok(secrets().includes(token), 'the renewed token is stored as a secret')
    assert.ok(acmeVendor.requests.every((r) => r.headers.authorization !== api.headers.authorization))
  })
})
