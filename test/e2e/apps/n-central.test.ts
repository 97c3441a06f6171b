// N-central through the real CLI against its emulator: the User-API JWT exchanged at /api/auth/authenticate, refusals
// a person acts on (a wrong JWT, an API user with MFA on), a device list paged by pageNumber/pageSize, a script run as a
// direct task whose status is read back, an expired access token renewed with the refresh token (text/plain), a 429
// waited out, two connections apart, disconnect leaving no secret.
import assert from 'node:assert/strict'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {type NCentralEmulator, startNCentralEmulator} from '../../helpers/vendors/n-central.js'

describe('app n-central (end to end, emulator)', function () {
  let acme: NCentralEmulator
  let globex: NCentralEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  before(async () => {
    ;[acme, globex] = await Promise.all([startNCentralEmulator(), startNCentralEmulator()])
  })
  after(() => Promise.all([acme, globex].map((vendor) => vendor.close())))
  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(() => {
    sandbox.cleanup()
    acme.mfaEnabled = false
  })

  const connect = (name: string, vendor: NCentralEmulator, jwt = vendor.credentials.jwt) =>
    sandbox.run(['connect', 'n-central', '--name', name, '--field', `instance=${vendor.origin}`, '--secret-stdin', 'jwt', '--insecure-storage', '--json'], {input: jwt})
  const call = (tool: string, args: unknown, extra: string[] = []) => sandbox.run(['tools', 'call', tool, '--args', JSON.stringify(args), '--json', ...extra])
  const storedSecrets = () => sandbox.storeText('secrets.json')
  const configText = () => sandbox.storeText('config.json')
  const bearerOf = (vendor: NCentralEmulator) => String(vendor.requests.at(-1)!.headers.authorization).replace(/^Bearer /, '')

  it('refuses a wrong JWT and an API user with MFA on, with exit 3 and nothing saved', async () => {
    const wrong = await connect('acme', acme, 'eyJ.not-the-jwt.x')
    assert.equal(wrong.code, 3, wrong.stderr)
    assert.match(wrong.json().error.message, /^N-central refused the User-API token \(JWT\)\. Generate a new one under Administration → User Management → Users → .*\(HTTP 401: .*\/api\/auth\/authenticate\)$/)
    assert.match(wrong.json().error.hint, /^Nothing was saved\./)
    assert.ok(!wrong.stdout.includes('not-the-jwt') && !wrong.stderr.includes('not-the-jwt'))
    const exchange = acme.requests.at(-1)!
    assert.deepEqual([exchange.method, exchange.pathname, exchange.headers.authorization, exchange.rawBody], ['POST', '/api/auth/authenticate', 'Bearer eyJ.not-the-jwt.x', ''])

    acme.mfaEnabled = true
    const mfa = await connect('acme', acme)
    assert.equal(mfa.code, 3)
    assert.match(mfa.json().error.message, /multi-factor authentication must be off\. Turn MFA off for that user/)
    assert.equal(storedSecrets(), '')
    assert.ok(!configText().includes('n-central'))
  })

  it('connects, lists devices by pageNumber and pageSize, runs a script and reads its status, creates a customer', async () => {
    const connected = await connect('acme', acme)
    assert.equal(connected.code, 0, connected.stderr)
    assert.deepEqual(
      Object.fromEntries(connected.json().tools.map((t: {name: string; permission: string}) => [t.name.replace('n-central:acme:', ''), t.permission])),
      {
        create_customer: 'approval_needed',
        get_device: 'auto',
        get_task_status: 'auto',
        list_active_issues: 'auto',
        list_device_filters: 'auto',
        list_devices: 'auto',
        run_script: 'approval_needed',
      },
    )
    assert.deepEqual(acme.requests.slice(-2).map((r) => r.pathname), ['/api/auth/authenticate', '/api/auth/validate'])

    const before = acme.requests.length
    const devices = await call('n-central:acme:list_devices', {filter_id: 502, limit: 2})
    assert.equal(devices.code, 0, devices.stderr)
    assert.deepEqual(devices.json().structuredContent.items.map((d: {longName: string}) => d.longName), ['HDG-FRONTDESK', 'HDG-XRAY'])
    assert.equal(devices.json().structuredContent.more, true)
    assert.deepEqual(acme.requests.slice(before).map((r) => [r.pathname, r.query]), [['/api/devices', {filterId: '502', pageNumber: '1', pageSize: '2'}]])

    const device = devices.json().structuredContent.items[0]
    const run = await call('n-central:acme:run_script', {customer_id: device.customerId, device_id: device.deviceId, item_id: 77, name: 'Clear temp', task_type: 'Script'}, ['--yes'])
    assert.equal(run.code, 0, run.stderr)
    const sent = acme.requests.at(-1)!
    assert.deepEqual([sent.method, sent.pathname, sent.headers['content-type']], ['POST', '/api/scheduled-tasks/direct', 'application/json'])
    assert.deepEqual(sent.body, {customerId: 100, deviceId: 2_000_002, itemId: 77, name: 'Clear temp', taskType: 'Script'})
    const {taskId} = run.json().structuredContent
    assert.equal(taskId, [...acme.tasks.keys()].at(-1))
    const status = await call('n-central:acme:get_task_status', {task_id: taskId})
    assert.deepEqual([status.json().structuredContent.status, status.json().structuredContent.deviceName], ['Queued', 'HDG-FRONTDESK'])

    const customer = await call('n-central:acme:create_customer', {customer_name: 'Lakeside Vet', license_type: 'Professional', so_id: 50}, ['--yes'])
    assert.equal(customer.code, 0, customer.stderr)
    assert.deepEqual(acme.requests.at(-1)!.body, {customerName: 'Lakeside Vet', licenseType: 'Professional'})
    assert.equal(customer.json().structuredContent.customerId, acme.customers.at(-1)!.customerId)
  })

  it('renews an expired access token with the refresh token as text/plain, and waits out a 429', async () => {
    assert.equal((await connect('acme', acme)).code, 0)
    const first = bearerOf(acme)
    const stored = JSON.parse(Object.values(JSON.parse(storedSecrets()) as Record<string, string>).find((value) => value.includes('refreshToken'))!) as {refreshToken: string}
    acme.expireTokens()
    const before = acme.requests.length
    const issues = await call('n-central:acme:list_active_issues', {org_unit_id: 100})
    assert.equal(issues.code, 0, issues.stderr)
    assert.deepEqual(issues.json().structuredContent.items.map((i: {serviceName: string}) => i.serviceName), ['Disk Space', 'Agent Status'])
    const [refused, refresh] = acme.requests.slice(before)
    assert.equal(refused.pathname, '/api/org-units/100/active-issues')
    assert.deepEqual([refresh.pathname, refresh.headers['content-type'], refresh.rawBody], ['/api/auth/refresh', 'text/plain', stored.refreshToken])
    assert.ok(!storedSecrets().includes(first) && storedSecrets().includes(bearerOf(acme)), 'the new token replaced the old one')

    acme.rateLimitNext(1, 1)
    const mark = acme.requests.length
    const waited = await call('n-central:acme:get_device', {device_id: 2_000_011})
    assert.equal(waited.code, 0, waited.stderr)
    assert.equal(waited.json().structuredContent.longName, 'NLA-FS01')
    assert.equal(acme.requests.length - mark, 2, 'one 429, then the retry')
  })

  it('keeps two connections apart, and disconnect leaves no secret and says where to revoke', async () => {
    assert.equal((await connect('acme', acme)).code, 0)
    const acmeToken = bearerOf(acme)
    assert.equal((await connect('globex', globex)).code, 0)
    const before = acme.requests.length
    assert.equal((await call('n-central:globex:list_device_filters', {})).code, 0)
    assert.equal(acme.requests.length, before, 'globex calls never reach acme')

    const gone = await sandbox.run(['disconnect', 'acme', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.match(gone.json().revokeAt, /API Access/)
    const left = storedSecrets()
    assert.ok(!left.includes(acme.credentials.jwt) && !left.includes(acmeToken))
    assert.ok(left.includes(globex.credentials.jwt))
  })
})
