// IT Glue through the real CLI against its emulator: the model end-to-end test for a catalog app (one app = one
// definition in src/core/sources/catalog/apps/, one emulator in test/helpers/vendors/, one test like this one).
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {freePort} from '../../helpers/free-port.js'
import {type ItGlueEmulator, JSON_API, startItGlueEmulator} from '../../helpers/vendors/it-glue.js'

describe('app it-glue (end to end, emulator)', function () {
  // Each test runs the CLI several times; a loaded machine makes each run slow.
  this.timeout(120_000)

  let acmeVendor: ItGlueEmulator
  let globexVendor: ItGlueEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  const connect = (name: string, vendor: ItGlueEmulator, key: string, extra: string[] = []) =>
    sandbox.run(['connect', 'it-glue', '--name', name, '--field', `instance=${vendor.origin}`, '--secret-stdin', 'api-key', '--insecure-storage', '--json', ...extra], {input: key})
  const storedSecrets = () => sandbox.storeText('secrets.json')
  const config = () => readFileSync(join(sandbox.dir, 'config.json'), 'utf8')

  beforeEach(async () => {
    ;[acmeVendor, globexVendor] = await Promise.all([startItGlueEmulator({extraOrganizations: 60}), startItGlueEmulator()])
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(async () => {
    sandbox.cleanup()
    await Promise.all([acmeVendor.close(), globexVendor.close()])
  })

  it('is in the catalog with its field keys, presets and connected badge', async () => {
    const before = await sandbox.run(['integrations', 'catalog', '--category', 'documentation', '--json'])
    assert.equal(before.code, 0, before.stderr)
    const app = before.json().find((a: {id: string}) => a.id === 'it-glue')
    assert.equal(app.auth, 'api-key')
    assert.deepEqual(app.connected, [])
    assert.deepEqual(
      app.fields.map((f: {key: string; secret: boolean}) => [f.key, f.secret]),
      [
        ['instance', false],
        ['api-key', true],
      ],
    )
    assert.deepEqual(app.fields[0].presets.map((p: {value: string}) => p.value), ['us', 'eu', 'au'])
    assert.equal((await connect('acme', acmeVendor, acmeVendor.apiKey)).code, 0)
    const after = (await sandbox.run(['integrations', 'catalog', '--search', 'glue', '--json'])).json()
    assert.deepEqual(after[0].connected, ['acme'])
  })

  it('refuses a wrong key with exit 3 and saves nothing; an unreachable vendor exits 4', async () => {
    const refused = await connect('acme', acmeVendor, 'ITG.wrong-key')
    assert.equal(refused.code, 3, refused.stderr)
    assert.match(refused.json().error.message, /IT Glue refused the API key.*region.*HTTP 401: Unauthorized resource access/)
    assert.ok(!refused.stdout.includes('ITG.wrong-key'))
    assert.equal(storedSecrets(), '')
    assert.ok(!existsSync(join(sandbox.dir, 'config.json')) || !config().includes('acme'))
    // The verification request is the documented one, in the documented format.
    const verify = acmeVendor.requests[0]
    assert.equal(verify.path, '/organizations?page%5Bsize%5D=1')
    assert.equal(verify.headers['x-api-key'], 'ITG.wrong-key')
    assert.equal(verify.headers['content-type'], JSON_API)

    const port = await freePort()
    const unreachable = await sandbox.run(['connect', 'it-glue', '--field', `instance=https://127.0.0.1:${port}`, '--secret-env', 'api-key=ITG_KEY', '--json'], {env: {ITG_KEY: 'ITG.x'}})
    assert.equal(unreachable.code, 4, unreachable.stderr)
    assert.match(unreachable.json().error.message, /Cannot reach https:\/\/127\.0\.0\.1:\d+: connection refused/)
  })

  it('without a terminal names the flag for each missing field', async () => {
    const missing = await sandbox.run(['connect', 'it-glue', '--field', `instance=${acmeVendor.origin}`])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /--secret-stdin api-key or --secret-env api-key=VAR/)
    const region = await sandbox.run(['connect', 'it-glue', '--secret-env', 'api-key=ITG_KEY'], {env: {ITG_KEY: 'x'}})
    assert.match(region.stderr, /--field instance=<us\|eu\|au\|https:/)
    const onCommandLine = await sandbox.run(['connect', 'it-glue', '--field', 'api-key=ITG.secret'])
    assert.equal(onCommandLine.code, 2)
    assert.match(onCommandLine.stderr, /api-key is a secret/)
    assert.equal(acmeVendor.requests.length, 0)
  })

  it('connects, seeds read → auto and the password reveal → approval_needed, and calls the vendor as documented', async () => {
    const connected = await connect('acme', acmeVendor, acmeVendor.apiKey)
    assert.equal(connected.code, 0, connected.stderr)
    const result = connected.json()
    assert.deepEqual(
      Object.fromEntries(result.tools.map((t: {name: string; permission: string}) => [t.name, t.permission])),
      {
        'it-glue:acme:get_password': 'approval_needed',
        'it-glue:acme:list_passwords': 'auto',
        'it-glue:acme:org_configurations': 'auto',
        'it-glue:acme:search_orgs': 'auto',
      },
    )
    assert.deepEqual(result.secretStorage, {'api-key': 'file'})
    assert.ok(!config().includes(acmeVendor.apiKey), 'the key is not in the config file')
    assert.ok(storedSecrets().includes(acmeVendor.apiKey))

    const search = await sandbox.run(['tools', 'call', 'it-glue:acme:search_orgs', '--args', '{"name":"Acme Corporation"}', '--json'])
    assert.equal(search.code, 0, search.stderr)
    assert.deepEqual(search.json().structuredContent, {
      count: 1,
      items: [{id: '1001', name: 'Acme Corporation', 'organization-status-name': 'Active', 'organization-type-name': 'Customer', 'short-name': 'acme', type: 'organizations'}],
      more: false,
    })
    const seen = acmeVendor.requests.at(-1)!
    assert.equal(seen.method, 'GET')
    assert.equal(seen.pathname, '/organizations')
    assert.deepEqual(seen.query, {'filter[name]': 'Acme Corporation', 'page[size]': '50'})
    assert.equal(seen.headers['x-api-key'], acmeVendor.apiKey)
    assert.equal(seen.headers['content-type'], JSON_API)

    // Paging follows links.next only as far as the limit asks.
    const paged = await sandbox.run(['tools', 'call', 'it-glue:acme:search_orgs', '--args', '{"limit":45}', '--json'])
    assert.equal(paged.json().structuredContent.count, 45)
    assert.equal(paged.json().structuredContent.more, true)
    const all = await sandbox.run(['tools', 'call', 'it-glue:acme:org_configurations', '--args', '{"org_id":"1001"}', '--json'])
    assert.deepEqual(all.json().structuredContent.items.map((c: {name: string}) => c.name), ['ACME-DC01', 'ACME-FW'])

    // The sensitive tool needs approval; approved, it asks the vendor to reveal the password.
    const refused = await sandbox.run(['tools', 'call', 'it-glue:acme:get_password', '--args', '{"id":"701"}'])
    assert.notEqual(refused.code, 0)
    const revealed = await sandbox.run(['tools', 'call', 'it-glue:acme:get_password', '--args', '{"id":"701"}', '--yes', '--json'])
    assert.equal(revealed.json().structuredContent.password, 'Tr0ub4dor&3')
    assert.deepEqual(acmeVendor.requests.at(-1)!.query, {show_password: 'true'})
  })

  it('turns vendor errors into tool errors, honours 429 Retry-After, and checks arguments against the schema', async () => {
    assert.equal((await connect('acme', acmeVendor, acmeVendor.apiKey)).code, 0)
    const missing = await sandbox.run(['tools', 'call', 'it-glue:acme:org_configurations', '--args', '{"org_id":"9999"}', '--json'])
    assert.equal(missing.code, 1)
    assert.equal(missing.json().isError, true)
    assert.match(missing.json().content[0].text, /IT Glue answered HTTP 404: Couldn't find the record with id 9999/)

    const invalid = await sandbox.run(['tools', 'call', 'it-glue:acme:org_configurations', '--args', '{}', '--json'])
    assert.equal(invalid.json().isError, true)
    assert.match(invalid.json().content[0].text, /Invalid arguments for org_configurations/)

    acmeVendor.rateLimitNext(1, 1)
    const before = acmeVendor.requests.length
    const limited = await sandbox.run(['tools', 'call', 'it-glue:acme:search_orgs', '--args', '{"name":"Globex Ltd"}', '--json'])
    assert.equal(limited.code, 0, limited.stderr)
    assert.equal(limited.json().structuredContent.items[0].name, 'Globex Ltd')
    assert.equal(acmeVendor.requests.length - before, 2, 'one 429, then the retry')
  })

  it('keeps two connections apart: each calls its own instance with its own key, policies per connection', async () => {
    assert.equal((await connect('acme', acmeVendor, acmeVendor.apiKey)).code, 0)
    assert.equal((await connect('globex', globexVendor, globexVendor.apiKey)).code, 0)
    await sandbox.run(['policy', 'set', 'it-glue:globex:list_passwords', 'disabled'])

    await sandbox.run(['tools', 'call', 'it-glue:globex:search_orgs', '--args', '{}'])
    assert.equal(globexVendor.requests.at(-1)!.headers['x-api-key'], globexVendor.apiKey)
    assert.ok(acmeVendor.requests.every((r) => r.headers['x-api-key'] !== globexVendor.apiKey))
    const listed = (await sandbox.run(['tools', 'list', 'it-glue:*:list_passwords', '--json'])).json()
    assert.deepEqual(listed.map((t: {name: string; permission: string}) => [t.name, t.permission]), [
      ['it-glue:acme:list_passwords', 'auto'],
      ['it-glue:globex:list_passwords', 'disabled'],
    ])
  })

  it('replaces a key in place keeping policies, and disconnect leaves no secret behind', async () => {
    assert.equal((await connect('acme', acmeVendor, acmeVendor.apiKey)).code, 0)
    assert.equal((await connect('globex', globexVendor, globexVendor.apiKey)).code, 0)
    await sandbox.run(['policy', 'set', 'it-glue:globex:list_passwords', 'disabled'])

    // connect <name> on an app connection: a wrong new key changes nothing; a right one replaces the old, policies kept.
    const wrong = await sandbox.run(['connect', 'globex', '--secret-stdin', 'api-key', '--json'], {input: 'ITG.nope'})
    assert.equal(wrong.code, 3)
    assert.ok(storedSecrets().includes(globexVendor.apiKey))
    const rotated = await sandbox.run(['connect', 'globex', '--secret-stdin', 'api-key', '--json'], {input: globexVendor.apiKey})
    assert.equal(rotated.code, 0, rotated.stderr)
    assert.equal(rotated.json().replaced, true)
    assert.equal(storedSecrets().split(globexVendor.apiKey).length - 1, 1, 'the old copy of the key is gone')
    assert.equal((await sandbox.run(['tools', 'list', 'it-glue:globex:list_passwords', '--json'])).json()[0].permission, 'disabled')

    const gone = await sandbox.run(['disconnect', 'acme', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.match(gone.json().revokeAt, /Account → Settings → API Keys/)
    assert.equal(gone.json().removed.secrets, 1)
    assert.ok(!storedSecrets().includes(acmeVendor.apiKey))
    assert.ok(storedSecrets().includes(globexVendor.apiKey))
    assert.deepEqual((await sandbox.run(['integrations', 'list', '--json'])).json().map((i: {app: string; kind: string; name: string}) => [i.name, i.kind, i.app]), [['globex', 'app', 'it-glue']])
  })
})
