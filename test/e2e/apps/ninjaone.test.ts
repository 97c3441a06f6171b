// NinjaOne through the real CLI against its emulator: client credentials at /ws/oauth/token, refusals in words a
// person acts on (region, grant not set up, scopes), reads and writes as NinjaOne documents them (a JSON script run,
// the multipart ticket comment), a token refreshed after it expired, a 429 waited out, two connections apart.
import assert from 'node:assert/strict'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {type NinjaOneEmulator, startNinjaOneEmulator} from '../../helpers/vendors/ninjaone.js'

describe('app ninjaone (end to end, emulator)', function () {
  let acme: NinjaOneEmulator
  let globex: NinjaOneEmulator
  /** An API app without the client-credentials grant, and one given only the monitoring scope. */
  let grantless: NinjaOneEmulator
  let readOnly: NinjaOneEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  before(async () => {
    ;[acme, globex, grantless, readOnly] = await Promise.all([
      startNinjaOneEmulator(),
      startNinjaOneEmulator(),
      startNinjaOneEmulator({clientCredentialsEnabled: false}),
      startNinjaOneEmulator({scopes: ['monitoring']}),
    ])
  })
  after(() => Promise.all([acme, globex, grantless, readOnly].map((vendor) => vendor.close())))
  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(() => sandbox.cleanup())

  const connect = (name: string, vendor: NinjaOneEmulator, secret = vendor.credentials.clientSecret, extra: string[] = []) =>
    sandbox.run(
      ['connect', 'ninjaone', '--name', name, '--field', `instance=${vendor.origin}`, '--field', `client-id=${vendor.credentials.clientId}`, '--secret-stdin', 'client-secret', '--insecure-storage', '--json', ...extra],
      {input: secret},
    )
  const call = (tool: string, args: unknown, extra: string[] = []) => sandbox.run(['tools', 'call', tool, '--args', JSON.stringify(args), '--json', ...extra])
  const storedSecrets = () => sandbox.storeText('secrets.json')
  const configText = () => sandbox.storeText('config.json')
  const bearerOf = (vendor: NinjaOneEmulator) => String(vendor.requests.at(-1)!.headers.authorization).replace(/^Bearer /, '')

  it('is in the catalog as an rmm app with its field keys and regions', async () => {
    const catalog = await sandbox.run(['integrations', 'catalog', '--category', 'rmm', '--json'])
    assert.equal(catalog.code, 0, catalog.stderr)
    const app = catalog.json().find((a: {id: string}) => a.id === 'ninjaone')
    assert.equal(app.auth, 'oauth-client-credentials')
    assert.deepEqual(
      app.fields.map((f: {key: string; required: boolean; secret: boolean}) => [f.key, f.secret, f.required]),
      [
        ['instance', false, true],
        ['client-id', false, true],
        ['client-secret', true, true],
        ['scope', false, false],
      ],
    )
    assert.deepEqual(
      app.fields[0].presets.map((p: {url: string; value: string}) => [p.value, p.url]),
      [
        ['us', 'https://app.ninjarmm.com'],
        ['us2', 'https://us2.ninjarmm.com'],
        ['eu', 'https://eu.ninjarmm.com'],
        ['oc', 'https://oc.ninjarmm.com'],
        ['ca', 'https://ca.ninjarmm.com'],
      ],
    )
  })

  it('refuses a wrong secret (region named), an app without the grant and missing scopes, with exit 3 and nothing saved', async () => {
    const wrong = await connect('acme', acme, 'not-the-secret')
    assert.equal(wrong.code, 3, wrong.stderr)
    const {error} = wrong.json()
    assert.match(error.message, /^NinjaOne refused the client ID and secret\. .*region the app was made in \(us, us2, eu, oc, ca\).*\(HTTP 401: Bad client credentials from https:\/\/127\.0\.0\.1:\d+\/ws\/oauth\/token\)$/)
    assert.match(error.hint, /^Nothing was saved\./)
    assert.ok(!wrong.stdout.includes('not-the-secret') && !wrong.stderr.includes('not-the-secret'))
    // The token request is NinjaOne's: a form POST to /ws/oauth/token with the default scopes.
    const token = acme.requests.at(-1)!
    assert.equal(token.pathname, '/ws/oauth/token')
    assert.equal(token.headers['content-type'], 'application/x-www-form-urlencoded')
    assert.deepEqual(token.body, {client_id: acme.credentials.clientId, client_secret: 'not-the-secret', grant_type: 'client_credentials', scope: 'monitoring management control'})

    const noGrant = await connect('acme', grantless)
    assert.equal(noGrant.code, 3)
    assert.match(noGrant.json().error.message, /API access is not set up for it\. .*Client Credentials grant type\. \(HTTP 400: Unauthorized grant type: client_credentials/)
    const scopes = await connect('acme', readOnly)
    assert.equal(scopes.code, 3)
    assert.match(scopes.json().error.message, /NinjaOne refused the scopes asked for\..*--field scope=.*\(HTTP 400: Invalid scope: management control/)
    assert.equal(storedSecrets(), '')
    assert.ok(!configText().includes('ninjaone'))
    // With the scopes the app has, it connects.
    assert.equal((await connect('acme', readOnly, undefined, ['--field', 'scope=monitoring'])).code, 0)
    assert.equal(readOnly.requests.at(-1)!.pathname, '/v2/organizations')
  })

  it('connects, seeds reads auto and writes approval_needed, and reads and writes as NinjaOne documents', async () => {
    const connected = await sandbox.run(
      ['connect', 'ninjaone', '--name', 'acme', '--field', `instance=${acme.origin}`, '--field', `client-id=${acme.credentials.clientId}`, '--secret-env', 'client-secret=NINJA_SECRET', '--json'],
      {env: {NINJA_SECRET: acme.credentials.clientSecret}},
    )
    assert.equal(connected.code, 0, connected.stderr)
    const result = connected.json()
    assert.deepEqual(result.secretStorage, {'client-secret': 'env:NINJA_SECRET'})
    assert.deepEqual(Object.fromEntries(result.tools.map((t: {name: string; permission: string}) => [t.name.replace('ninjaone:acme:', ''), t.permission])), {
      add_ticket_comment: 'approval_needed',
      create_ticket: 'approval_needed',
      get_device: 'auto',
      list_alerts: 'auto',
      list_device_alerts: 'auto',
      list_device_jobs: 'auto',
      list_devices: 'auto',
      list_orgs: 'auto',
      list_ticket_forms: 'auto',
      reboot_device: 'approval_needed',
      run_script: 'approval_needed',
    })
    const env = {NINJA_SECRET: acme.credentials.clientSecret}

    // A read: the device filter passed as df, pages followed by `after` (the last id seen) only as far as asked.
    const before = acme.requests.length
    const devices = await sandbox.run(['tools', 'call', 'ninjaone:acme:list_devices', '--args', '{"filter":"org = 1","limit":2}', '--json'], {env})
    assert.equal(devices.code, 0, devices.stderr)
    assert.deepEqual(devices.json().structuredContent.items.map((d: {systemName: string}) => d.systemName), ['HDG-DC01', 'HDG-FRONTDESK'])
    assert.equal(devices.json().structuredContent.more, true)
    const listed = acme.requests.slice(before).filter((r) => r.pathname === '/v2/devices')
    assert.deepEqual(listed.map((r) => r.query), [{df: 'org = 1', pageSize: '2'}])

    // Writes need approval; approved, the script run is NinjaOne's JSON body, and the run shows among the device's jobs.
    const refused = await sandbox.run(['tools', 'call', 'ninjaone:acme:run_script', '--args', '{"id":11,"type":"SCRIPT","script_id":101,"run_as":"system"}'], {env})
    assert.equal(refused.code, 7)
    const run = await sandbox.run(['tools', 'call', 'ninjaone:acme:run_script', '--args', '{"id":11,"type":"SCRIPT","script_id":101,"run_as":"system","parameters":"-Days 7"}', '--yes', '--json'], {env})
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(run.json().structuredContent.queued, true)
    assert.match(run.json().structuredContent.note, /list_device_jobs/)
    const sent = acme.requests.at(-1)!
    assert.equal(sent.method, 'POST')
    assert.equal(sent.pathname, '/v2/device/11/script/run')
    assert.equal(sent.headers['content-type'], 'application/json')
    assert.deepEqual(sent.body, {id: 101, parameters: '-Days 7', runAs: 'system', type: 'SCRIPT'})
    const jobs = await sandbox.run(['tools', 'call', 'ninjaone:acme:list_device_jobs', '--args', '{"id":11}', '--json'], {env})
    assert.deepEqual(jobs.json().structuredContent.result.map((j: {jobStatus: string; subject: string}) => [j.subject, j.jobStatus]), [['Run Clear temp files', 'START_REQUESTED']])

    // A vendor refusal is a tool error in NinjaOne's words.
    const offline = await sandbox.run(['tools', 'call', 'ninjaone:acme:reboot_device', '--args', '{"id":13,"mode":"NORMAL","reason":"patches"}', '--yes', '--json'], {env})
    assert.equal(offline.code, 1)
    assert.match(offline.json().content[0].text, /NinjaOne answered HTTP 400: Device 13 is offline/)
    assert.equal(acme.requests.at(-1)!.pathname, '/v2/device/13/reboot/NORMAL')
    assert.deepEqual(acme.requests.at(-1)!.body, {reason: 'patches'})

    // A ticket, then a comment as the multipart `comment` part NinjaOne takes.
    const ticket = await sandbox.run(
      ['tools', 'call', 'ninjaone:acme:create_ticket', '--args', '{"org_id":1,"ticket_form_id":1,"subject":"Disk almost full on HDG-DC01","status":"1000","device_id":11,"description":"C: below 10%"}', '--yes', '--json'],
      {env},
    )
    assert.equal(ticket.code, 0, ticket.stderr)
    const ticketId = ticket.json().structuredContent.id
    assert.deepEqual(acme.requests.at(-1)!.body, {clientId: 1, description: {body: 'C: below 10%'}, nodeId: 11, status: '1000', subject: 'Disk almost full on HDG-DC01', ticketFormId: 1})
    const comment = await sandbox.run(['tools', 'call', 'ninjaone:acme:add_ticket_comment', '--args', JSON.stringify({body: 'Cleared temp files.', id: ticketId, public: false}), '--yes', '--json'], {env})
    assert.equal(comment.code, 0, comment.stderr)
    assert.match(String(acme.requests.at(-1)!.headers['content-type']), /^multipart\/form-data; boundary=/)
    assert.deepEqual(acme.tickets.get(ticketId)!.comments, [{body: 'Cleared temp files.', public: false}])
  })

  it('refreshes an expired token, and waits out a 429 with Retry-After', async () => {
    assert.equal((await connect('acme', acme)).code, 0)
    const first = bearerOf(acme)
    assert.ok(storedSecrets().includes(first), 'the token is kept with the secrets')
    assert.ok(!configText().includes(first), 'never in the config file')
    acme.expireTokens()
    const issued = acme.tokensIssued
    const orgs = await call('ninjaone:acme:list_orgs', {})
    assert.equal(orgs.code, 0, orgs.stderr)
    assert.deepEqual(orgs.json().structuredContent.items.map((o: {name: string}) => o.name), ['Harbor Dental Group', 'Northline Architecture', 'Old Prospect Ltd'])
    assert.equal(acme.tokensIssued, issued + 1, 'one new token after the 401')
    const renewed = bearerOf(acme)
    assert.notEqual(renewed, first)
    assert.ok(storedSecrets().includes(renewed) && !storedSecrets().includes(first), 'the new token replaced the old one')

    acme.rateLimitNext(1, 1)
    const before = acme.requests.length
    const limited = await call('ninjaone:acme:get_device', {id: 21})
    assert.equal(limited.code, 0, limited.stderr)
    assert.equal(limited.json().structuredContent.systemName, 'NLA-MBP-07')
    assert.equal(acme.requests.length - before, 2, 'one 429, then the retry')
  })

  it('keeps two connections apart, and disconnect leaves no secret and says where to revoke', async () => {
    assert.equal((await connect('acme', acme)).code, 0)
    const acmeToken = bearerOf(acme)
    assert.equal((await connect('globex', globex)).code, 0)
    const seen = globex.requests.length
    await call('ninjaone:globex:list_alerts', {filter: 'org = 2'})
    const alerts = globex.requests.at(-1)!
    assert.equal(globex.requests.length, seen + 1)
    assert.deepEqual(alerts.query, {df: 'org = 2'})
    assert.ok(acme.requests.every((r) => r.body === undefined || !JSON.stringify(r.body).includes(globex.credentials.clientSecret)))
    assert.ok(!acme.requests.some((r) => r.headers.authorization === alerts.headers.authorization))

    const gone = await sandbox.run(['disconnect', 'acme', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.match(gone.json().revokeAt, /Administration → Apps → API/)
    const left = storedSecrets()
    assert.ok(!left.includes(acme.credentials.clientSecret) && !left.includes(acmeToken))
    assert.ok(left.includes(globex.credentials.clientSecret))
    assert.deepEqual((await sandbox.run(['tools', 'list', 'ninjaone:*:run_script', '--json'])).json().map((t: {name: string}) => t.name), ['ninjaone:globex:run_script'])
  })
})
