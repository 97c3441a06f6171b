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
