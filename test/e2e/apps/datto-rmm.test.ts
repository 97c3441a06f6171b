// Datto RMM through the real CLI against its emulator: the public-client password grant, refusals a person acts on
// (wrong key, wrong platform or region, API access off), reads and writes as the API v2 documents them (pageDetails
// paging, a quick job whose uid get_job reads, an alert resolved), a token refreshed after it expired, and the
// account's rate limit: a 429 waited out, one that persists and the AWS edge's lasting 403 reported as such.
import assert from 'node:assert/strict'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {DATTO_PLATFORMS, type DattoCredentials, type DattoEmulator, startDattoRmmEmulator} from '../../helpers/vendors/datto-rmm.js'

const PUBLIC_CLIENT = `Basic ${Buffer.from('public-client:public').toString('base64')}`

describe('app datto-rmm (end to end, emulator)', function () {
  let acme: DattoEmulator
  let globex: DattoEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  before(async () => {
    ;[acme, globex] = await Promise.all([startDattoRmmEmulator(), startDattoRmmEmulator({platform: 'merlot'})])
  })
  after(() => Promise.all([acme.close(), globex.close()]))
  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(() => {
    sandbox.cleanup()
    acme.apiAccessEnabled = true
    acme.unblockEdge()
  })

  const connect = (name: string, vendor: DattoEmulator, credentials: DattoCredentials = vendor.credentials) =>
    sandbox.run(
      ['connect', 'datto-rmm', '--name', name, '--field', `instance=${vendor.origin}`, '--field', `api-key=${credentials.apiKey}`, '--secret-stdin', 'api-secret', '--insecure-storage', '--json'],
      {input: credentials.apiSecret},
    )
  const call = (tool: string, args: unknown, extra: string[] = []) => sandbox.run(['tools', 'call', tool, '--args', JSON.stringify(args), '--json', ...extra])
  const text = (result: {json(): {content: {text: string}[]}}) => result.json().content[0].text
  const storedSecrets = () => sandbox.storeText('secrets.json')
  const configText = () => sandbox.storeText('config.json')
  const bearerOf = (vendor: DattoEmulator) => String(vendor.requests.at(-1)!.headers.authorization).replace(/^Bearer /, '')

  it('is in the catalog as an rmm app with the password grant, its field keys and platforms', async () => {
    const catalog = await sandbox.run(['integrations', 'catalog', '--search', 'datto', '--json'])
    assert.equal(catalog.code, 0, catalog.stderr)
    const [app] = catalog.json()
    assert.deepEqual([app.id, app.category, app.auth], ['datto-rmm', 'rmm', 'oauth-password'])
    assert.deepEqual(
      app.fields.map((f: {key: string; required: boolean; secret: boolean}) => [f.key, f.secret, f.required]),
      [
        ['instance', false, true],
        ['api-key', false, true],
        ['api-secret', true, true],
      ],
    )
    assert.deepEqual(app.fields[0].presets.map((p: {value: string}) => p.value), [...DATTO_PLATFORMS])
    assert.equal(app.fields[0].presets[1].url, 'https://merlot-api.centrastage.net')
  })

  it('refuses a wrong secret and a key of another platform as "wrong platform or region", and API access off, with exit 3 and nothing saved', async () => {
    const wrong = await connect('acme', acme, {...acme.credentials, apiSecret: 'not-the-secret'})
    assert.equal(wrong.code, 3, wrong.stderr)
    assert.match(wrong.json().error.message, /^Datto RMM refused the API key and secret\. .*\(wrong platform or region\)\..*\(HTTP 401: Bad credentials from https:\/\/127\.0\.0\.1:\d+\/auth\/oauth\/token\)$/)
    assert.ok(!wrong.stdout.includes('not-the-secret') && !wrong.stderr.includes('not-the-secret'))
    // The token request is Datto's: the public client in Basic, the key and secret as a form password grant.
    const token = acme.requests.at(-1)!
    assert.equal(token.headers.authorization, PUBLIC_CLIENT)
    assert.equal(token.headers['content-type'], 'application/x-www-form-urlencoded')
    assert.deepEqual(token.body, {grant_type: 'password', password: 'not-the-secret', username: acme.credentials.apiKey})

    const otherPlatform = await connect('acme', acme, acme.otherPlatformCredentials)
    assert.equal(otherPlatform.code, 3)
    assert.match(otherPlatform.json().error.message, /a key made on another platform fails here \(wrong platform or region\)\. The platform is the first part of your Datto RMM web address/)

    acme.apiAccessEnabled = false
    const disabled = await connect('acme', acme)
    assert.equal(disabled.code, 3)
    assert.match(disabled.json().error.message, /^Datto RMM refused API access for this account: .*Setup → Global Settings → Access Control \(Enable API Access\).*\(HTTP 403: API access is disabled for this account/)
    assert.equal(storedSecrets(), '')
    assert.ok(!configText().includes('datto-rmm'))
  })

  it('connects, and reads and writes as API v2 documents: pageDetails paging, a quick job followed by its uid, an alert resolved', async () => {
    const connected = await connect('acme', acme)
    assert.equal(connected.code, 0, connected.stderr)
    assert.deepEqual(
      Object.fromEntries(connected.json().tools.map((t: {name: string; permission: string}) => [t.name.replace('datto-rmm:acme:', ''), t.permission])),
      {
        get_device: 'auto',
        get_job: 'auto',
        list_components: 'auto',
        list_devices: 'auto',
        list_sites: 'auto',
        open_alerts: 'auto',
        resolve_alert: 'approval_needed',
        run_quickjob: 'approval_needed',
        software_audit: 'auto',
      },
    )

    // Pages follow pageDetails.nextPageUrl only as far as the limit asks.
    const before = acme.requests.length
    const devices = await call('datto-rmm:acme:list_devices', {device_type: 'Desktop', limit: 1})
    assert.equal(devices.code, 0, devices.stderr)
    assert.deepEqual(devices.json().structuredContent.items.map((d: {hostname: string}) => d.hostname), ['HDG-FRONTDESK'])
    assert.equal(devices.json().structuredContent.more, true)
    assert.deepEqual(acme.requests.slice(before).map((r) => [r.method, r.pathname, r.query]), [['GET', '/api/v2/account/devices', {deviceType: 'Desktop', max: '1'}]])

    const job = await call('datto-rmm:acme:run_quickjob', {component_uid: 'comp-51-cleartemp', device_uid: 'dev-9001-hdg-dc01', job_name: 'Clear temp', variables: [{name: 'days', value: '14'}]}, ['--yes'])
    assert.equal(job.code, 0, job.stderr)
    const seen = acme.requests.at(-1)!
    assert.deepEqual([seen.method, seen.pathname, seen.headers['content-type']], ['PUT', '/api/v2/device/dev-9001-hdg-dc01/quickjob', 'application/json'])
    assert.deepEqual(seen.body, {jobComponent: {componentUid: 'comp-51-cleartemp', variables: [{name: 'days', value: '14'}]}, jobName: 'Clear temp'})
    const jobUid = job.json().structuredContent.job.uid
    assert.ok(acme.jobs.has(jobUid))
    const status = await call('datto-rmm:acme:get_job', {job_uid: jobUid})
    assert.deepEqual([status.json().structuredContent.uid, status.json().structuredContent.status], [jobUid, 'active'])

    const resolved = await call('datto-rmm:acme:resolve_alert', {alert_uid: 'alert-7f02'}, ['--yes'])
    assert.deepEqual(resolved.json().structuredContent, {resolved: true})
    assert.deepEqual([acme.requests.at(-1)!.method, acme.requests.at(-1)!.pathname], ['POST', '/api/v2/alert/alert-7f02/resolve'])
    assert.ok(acme.resolvedAlerts.has('alert-7f02'))
    const unknown = await call('datto-rmm:acme:get_device', {device_uid: 'dev-0000'})
    assert.equal(unknown.code, 1)
    assert.match(text(unknown), /Datto RMM answered HTTP 404: Device dev-0000 not found/)
  })

  it('refreshes an expired token; waits out a short 429, and reports a lasting 429 and the edge\'s lasting 403 with the account\'s limit', async () => {
    assert.equal((await connect('acme', acme)).code, 0)
    const first = bearerOf(acme)
    acme.expireTokens()
    const issued = acme.tokensIssued
    const sites = await call('datto-rmm:acme:list_sites', {name: 'north'})
    assert.equal(sites.code, 0, sites.stderr)
    assert.deepEqual(sites.json().structuredContent.items.map((s: {name: string}) => s.name), ['Northline Architecture'])
    assert.equal(acme.tokensIssued, issued + 1)
    const renewed = bearerOf(acme)
    assert.ok(storedSecrets().includes(renewed) && !storedSecrets().includes(first), 'the new token replaced the old one')

    acme.rateLimitNext(1, 1)
    let before = acme.requests.length
    const waited = await call('datto-rmm:acme:get_device', {device_uid: 'dev-9003-nla-mbp-07'})
    assert.equal(waited.code, 0, waited.stderr)
    assert.equal(acme.requests.length - before, 2, 'one 429, then the retry')

    // A Retry-After longer than the bounded wait is not waited for: the error says so, with the account-wide limit.
    acme.rateLimitNext(1, 45)
    before = acme.requests.length
    const limited = await call('datto-rmm:acme:open_alerts', {})
    assert.equal(limited.code, 1)
    assert.equal(
      text(limited),
      'Datto RMM is rate-limiting these requests (HTTP 429: Too Many Requests). Its limit: 600 requests per 60 s, counted across the whole account (every user and key). It asks to wait 45 s before trying again.',
    )
    assert.equal(acme.requests.length - before, 1)

    acme.blockAtEdge()
    before = acme.requests.length
    const blocked = await call('datto-rmm:acme:open_alerts', {})
    assert.equal(blocked.code, 1)
    assert.match(text(blocked), /^Datto RMM's AWS edge \(DDoS protection\) is blocking requests from this address \(HTTP 403, still after 2 retries over 3 s\); .*Its limit: 600 requests per 60 s.*Wait several minutes/)
    assert.equal(acme.requests.length - before, 3, 'two bounded retries')
  })

  it('keeps two connections apart, and disconnect leaves no secret and says where to revoke', async () => {
    assert.equal((await connect('acme', acme)).code, 0)
    const acmeToken = bearerOf(acme)
    assert.equal((await connect('globex', globex)).code, 0)
    const before = acme.requests.length
    const audit = await call('datto-rmm:globex:software_audit', {device_uid: 'dev-9005-opl-fs01'})
    assert.deepEqual(audit.json().structuredContent.items.map((s: {name: string}) => s.name), ['Google Chrome', 'Microsoft 365 Apps for business', '7-Zip 23.01 (x64)'])
    assert.equal(acme.requests.length, before, 'globex calls never reach acme')
    assert.notEqual(globex.requests.at(-1)!.headers.authorization, `Bearer ${acmeToken}`)

    const gone = await sandbox.run(['disconnect', 'acme', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.match(gone.json().revokeAt, /Setup → Users → the API user/)
    const left = storedSecrets()
    assert.ok(!left.includes(acme.credentials.apiSecret) && !left.includes(acmeToken))
    assert.ok(left.includes(globex.credentials.apiSecret))
  })
})
