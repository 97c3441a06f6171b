// ConnectWise RMM through the real CLI against its emulator: client credentials as a JSON body at /v1/token, refusals
// a person acts on (wrong key or region, scopes not given, a key locked by 423 at connect and at refresh), reads and a
// script run as the platform API takes them ({endpoints} pages, 404 as no devices, the task id back), a token refreshed
// after it expired, a 429 waited out, two connections apart.
import assert from 'node:assert/strict'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {type CwRmmEmulator, startConnectWiseRmmEmulator} from '../../helpers/vendors/connectwise-rmm.js'

const SCOPE = 'platform.companies.read platform.sites.read platform.devices.read platform.automation.create'
const HARBOR = '5b1d0c2e-0000-4000-8000-000000000001'
const OLD_PROSPECT = '5b1d0c2e-0000-4000-8000-000000000003'
const SCRIPT = '51a74346-e19b-11e7-9809-0800279505d9'

describe('app connectwise-rmm (end to end, emulator)', function () {
  let acme: CwRmmEmulator
  let globex: CwRmmEmulator
  /** A key given only the read scopes. */
  let readOnly: CwRmmEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  before(async () => {
    ;[acme, globex, readOnly] = await Promise.all([
      startConnectWiseRmmEmulator(),
      startConnectWiseRmmEmulator(),
      startConnectWiseRmmEmulator({scopes: ['platform.companies.read', 'platform.devices.read']}),
    ])
  })
  after(() => Promise.all([acme, globex, readOnly].map((vendor) => vendor.close())))
  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(() => {
    sandbox.cleanup()
    acme.unlockKey()
  })

  const connect = (name: string, vendor: CwRmmEmulator, secret = vendor.credentials.clientSecret) =>
    sandbox.run(
      ['connect', 'connectwise-rmm', '--name', name, '--field', `instance=${vendor.origin}`, '--field', `client-id=${vendor.credentials.clientId}`, '--secret-stdin', 'client-secret', '--insecure-storage', '--json'],
      {input: secret},
    )
  const call = (tool: string, args: unknown, extra: string[] = []) => sandbox.run(['tools', 'call', tool, '--args', JSON.stringify(args), '--json', ...extra])
  const storedSecrets = () => sandbox.storeText('secrets.json')
  const configText = () => sandbox.storeText('config.json')
  const bearerOf = (vendor: CwRmmEmulator) => String(vendor.requests.at(-1)!.headers.authorization).replace(/^Bearer /, '')

  it('is in the catalog as an rmm app with its field keys and regions', async () => {
    const catalog = await sandbox.run(['integrations', 'catalog', '--search', 'connectwise rmm', '--json'])
    assert.equal(catalog.code, 0, catalog.stderr)
    const [app] = catalog.json()
    assert.deepEqual([app.id, app.category, app.auth], ['connectwise-rmm', 'rmm', 'oauth-client-credentials'])
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
        ['na', 'https://openapi.service.itsupport247.net'],
        ['eu', 'https://openapi.service.euplatform.connectwise.com'],
        ['au', 'https://openapi.service.auplatform.connectwise.com'],
      ],
    )
  })

  it('refuses a wrong secret (region named), scopes the key lacks and a locked key (423), with exit 3 and nothing saved', async () => {
    const wrong = await connect('acme', acme, 'not-the-secret')
    assert.equal(wrong.code, 3, wrong.stderr)
    assert.match(wrong.json().error.message, /^ConnectWise RMM refused the client ID and secret\. .*region \(na, eu, au\)\. \(HTTP 401: Invalid client credentials from https:\/\/127\.0\.0\.1:\d+\/v1\/token\)$/)
    assert.ok(!wrong.stdout.includes('not-the-secret') && !wrong.stderr.includes('not-the-secret'))
    // The token request is a JSON body, not a form.
    const token = acme.requests.at(-1)!
    assert.deepEqual([token.method, token.pathname, token.headers['content-type']], ['POST', '/v1/token', 'application/json'])
    assert.deepEqual(token.body, {client_id: acme.credentials.clientId, client_secret: 'not-the-secret', grant_type: 'client_credentials', scope: SCOPE})

    const scopes = await connect('acme', readOnly)
    assert.equal(scopes.code, 3)
    assert.match(scopes.json().error.message, /refused the scopes asked for: the key was not given them\..*--field scope=.*\(HTTP 400: Scope not granted to this key: platform\.sites\.read platform\.automation\.create/)

    acme.lockKey()
    const locked = await connect('acme', acme)
    assert.equal(locked.code, 3)
    assert.match(locked.json().error.message, /^ConnectWise RMM has locked this API key after too many sign-ins\. .*\(HTTP 423: The API key is locked after too many sign-in attempts/)
    assert.match(locked.json().error.hint, /^Nothing was saved\./)
    assert.equal(storedSecrets(), '')
    assert.ok(!configText().includes('connectwise-rmm'))
  })

  it('connects, and reads and runs a script as the platform API takes them', async () => {
    const connected = await connect('acme', acme)
    assert.equal(connected.code, 0, connected.stderr)
    assert.deepEqual(
      Object.fromEntries(connected.json().tools.map((t: {name: string; permission: string}) => [t.name.replace('connectwise-rmm:acme:', ''), t.permission])),
      {get_device: 'auto', list_companies: 'auto', list_company_devices: 'auto', list_devices: 'auto', list_sites: 'auto', run_script: 'approval_needed'},
    )

    const before = acme.requests.length
    const devices = await call('connectwise-rmm:acme:list_devices', {limit: 2})
    assert.equal(devices.code, 0, devices.stderr)
    assert.deepEqual(devices.json().structuredContent.items.map((d: {friendlyName: string}) => d.friendlyName), ['HDG-DC01', 'HDG-FRONTDESK'])
    assert.equal(devices.json().structuredContent.more, true, 'the Link header says there is more')
    assert.deepEqual(acme.requests.slice(before).map((r) => [r.pathname, r.query]), [['/api/platform/v1/device/endpoints', {limit: '2'}]])
    const none = await call('connectwise-rmm:acme:list_company_devices', {company_id: OLD_PROSPECT})
    assert.equal(none.code, 0, none.stderr)
    assert.deepEqual(none.json().structuredContent, {count: 0, items: [], more: false})
    const sites = await call('connectwise-rmm:acme:list_sites', {company_id: HARBOR})
    assert.deepEqual(sites.json().structuredContent.result.map((s: {name: string}) => s.name), ['Main office', 'Imaging suite'])

    const endpointId = devices.json().structuredContent.items[0].endpointId
    const run = await call('connectwise-rmm:acme:run_script', {endpoint_ids: [endpointId], template_id: SCRIPT}, ['--yes'])
    assert.equal(run.code, 0, run.stderr)
    const sent = acme.requests.at(-1)!
    assert.deepEqual([sent.method, sent.pathname, sent.headers['content-type']], ['POST', '/api/platform/v2/automation/endpoints/schedule-tasks', 'application/json'])
    assert.deepEqual(sent.body, {schedule: {regularity: 'RunNow'}, targetType: 'MANAGED_ENDPOINT', targets: [endpointId], templateID: SCRIPT, templateType: 'script'})
    assert.deepEqual(run.json().structuredContent, {taskId: acme.scheduledTasks.at(-1)!.taskId})
  })

  it('refreshes an expired token, says so when the key is locked meanwhile, and waits out a 429', async () => {
    assert.equal((await connect('acme', acme)).code, 0)
    const first = bearerOf(acme)
    acme.expireTokens()
    const issued = acme.tokensIssued
    const companies = await call('connectwise-rmm:acme:list_companies', {})
    assert.equal(companies.code, 0, companies.stderr)
    assert.equal(companies.json().structuredContent.result.length, 3)
    assert.equal(acme.tokensIssued, issued + 1)
    assert.ok(!storedSecrets().includes(first) && storedSecrets().includes(bearerOf(acme)), 'the new token replaced the old one')

    acme.rateLimitNext(1, 1)
    const before = acme.requests.length
    const waited = await call('connectwise-rmm:acme:get_device', {endpoint_id: 'e0e0e0e0-0000-4000-8000-000000000003'})
    assert.equal(waited.code, 0, waited.stderr)
    assert.equal(waited.json().structuredContent.availability, 'Offline')
    assert.equal(acme.requests.length - before, 2, 'one 429, then the retry')

    acme.expireTokens()
    acme.lockKey()
    const locked = await call('connectwise-rmm:acme:list_companies', {})
    assert.equal(locked.code, 3)
    assert.match(locked.json().error.message, /^ConnectWise RMM has locked this API key after too many sign-ins\./)
    assert.match(locked.json().error.hint, /mcpctl connect acme/)
  })

  it('keeps two connections apart, and disconnect leaves no secret and says where to revoke', async () => {
    assert.equal((await connect('acme', acme)).code, 0)
    const acmeToken = bearerOf(acme)
    assert.equal((await connect('globex', globex)).code, 0)
    const before = acme.requests.length
    await call('connectwise-rmm:globex:list_companies', {})
    assert.equal(acme.requests.length, before, 'globex calls never reach acme')
    assert.notEqual(globex.requests.at(-1)!.headers.authorization, `Bearer ${acmeToken}`)

    const gone = await sandbox.run(['disconnect', 'acme', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.match(gone.json().revokeAt, /Integrations → API Access/)
    const left = storedSecrets()
    assert.ok(!left.includes(acme.credentials.clientSecret) && !left.includes(acmeToken))
    assert.ok(left.includes(globex.credentials.clientSecret))
  })
})
