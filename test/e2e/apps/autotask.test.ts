// Autotask through the real CLI against its emulator: the zone found by ZoneInformation (asked without credentials),
// the three credential headers on every call, POSTed filter queries with MaxRecords, updates by PATCH with the id in
// the body, and Autotask's `{"errors": [...]}` answers as tool errors.
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {type AutotaskEmulator, startAutotaskEmulator} from '../../helpers/vendors/autotask.js'

describe('app autotask (end to end, emulator)', function () {
  // Each CLI process costs seconds on a loaded machine; the long test runs about ten.
  this.timeout(180_000)
  let acmeVendor: AutotaskEmulator
  let globexVendor: AutotaskEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  /** The lookup host stands for webservices.autotask.net: the connection must find its zone from there. */
  const lookupHost = (vendor: AutotaskEmulator) => `${vendor.origin}/atservicesrest`
  const connect = (name: string, vendor: AutotaskEmulator, secret = vendor.credentials.secret, username = vendor.credentials.username) =>
    sandbox.run(
      [
        'connect',
        'autotask',
        '--name',
        name,
        '--field',
        `username=${username}`,
        '--field',
        `integration-code=${vendor.credentials.integrationCode}`,
        '--field',
        `instance=${lookupHost(vendor)}`,
        '--secret-stdin',
        'secret',
        '--insecure-storage',
        '--json',
      ],
      {input: secret},
    )
  const call = (tool: string, args: unknown, ...extra: string[]) => sandbox.run(['tools', 'call', tool, '--args', JSON.stringify(args), '--json', ...extra])
  const storedSecrets = () => sandbox.storeText('secrets.json')
  const config = () => (existsSync(join(sandbox.dir, 'config.json')) ? readFileSync(join(sandbox.dir, 'config.json'), 'utf8') : '')
  const zone = (vendor: AutotaskEmulator) => vendor.zoneUrl.replace(/\/$/, '')

  before(async () => {
    ;[acmeVendor, globexVendor] = await Promise.all([startAutotaskEmulator(), startAutotaskEmulator()])
  })
  after(() => Promise.all([acmeVendor.close(), globexVendor.close()]))
  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(() => sandbox.cleanup())

  it('is in the catalog with its field keys; refuses a wrong secret or an unknown user with exit 3, saving nothing', async () => {
    const catalog = await sandbox.run(['integrations', 'catalog', '--search', 'autotask', '--json'])
    const [app] = catalog.json()
    assert.equal(app.auth, 'api-key')
    assert.deepEqual(
      app.fields.map((f: {key: string; required: boolean; secret: boolean}) => [f.key, f.secret, f.required]),
      [
        ['username', false, true],
        ['secret', true, true],
        ['integration-code', false, true],
        ['instance', false, false],
      ],
    )

    const start = acmeVendor.requests.length
    const wrong = await connect('acme', acmeVendor, 'not-the-secret')
    assert.equal(wrong.code, 3, wrong.stderr)
    assert.match(wrong.json().error.message, /Autotask refused the API user's credentials\. Check the username, the secret and the integration code .*\(HTTP 401\)/)
    const [lookup, verify] = acmeVendor.requests.slice(start)
    assert.equal(lookup.origin, acmeVendor.origin)
    assert.equal(lookup.pathname, '/atservicesrest/V1.0/ZoneInformation')
    assert.deepEqual(lookup.query, {user: acmeVendor.credentials.username})
    assert.equal(lookup.headers.secret, undefined, 'the zone lookup carries no credentials')
    assert.equal(verify.path, '/ATServicesRest/V1.0/Version')
    assert.notEqual(verify.origin, acmeVendor.origin, 'verified in the zone ZoneInformation named')
    assert.equal(verify.headers.apiintegrationcode, acmeVendor.credentials.integrationCode)
    assert.equal(verify.headers.username, acmeVendor.credentials.username)
    assert.equal(verify.headers.secret, 'not-the-secret')

    const unknown = await connect('acme', acmeVendor, acmeVendor.credentials.secret, 'nobody@acme.example')
    assert.equal(unknown.code, 3, unknown.stderr)
    assert.match(unknown.json().error.message, /Autotask does not know this API username\. .*HTTP 500: Zone information could not be determined/)
    assert.equal(storedSecrets(), '')
    assert.ok(!config().includes('acme'))
  })

  it('connects in the discovered zone, and queries, creates, updates and annotates tickets as documented', async () => {
    const connected = await connect('acme', acmeVendor)
    assert.equal(connected.code, 0, connected.stderr)
    assert.equal(connected.json().fields.instance, acmeVendor.zoneUrl, 'the zone ZoneInformation named')
    assert.deepEqual(connected.json().tools.filter((t: {permission: string}) => t.permission === 'auto').map((t: {name: string}) => t.name.split(':')[2]).sort(), [
      'get_ticket',
      'list_configuration_items',
      'list_notes',
      'search_companies',
      'search_tickets',
    ])
    assert.ok(!config().includes(acmeVendor.credentials.secret))

    let start = acmeVendor.requests.length
    const found = await call('autotask:acme:search_tickets', {company_id: 29_683_500, limit: 3, status: 1})
    assert.equal(found.code, 0, found.stderr)
    const result = found.json().structuredContent
    assert.equal(result.count, 3)
    assert.equal(result.more, true)
    assert.equal(result.items[0].title, 'Server backup failed')
    const [query] = acmeVendor.requests.slice(start)
    assert.equal(acmeVendor.requests.length - start, 1)
    assert.equal(query.method, 'POST')
    assert.equal(query.origin + query.pathname, `${zone(acmeVendor)}/V1.0/Tickets/query`)
    assert.deepEqual(query.body, {
      MaxRecords: 3,
      filter: [
        {field: 'id', op: 'exist'},
        {field: 'companyID', op: 'eq', value: 29_683_500},
        {field: 'status', op: 'eq', value: 1},
      ],
    })
    assert.equal(query.headers.secret, acmeVendor.credentials.secret)

    const created = await call('autotask:acme:create_ticket', {company_id: 29_683_501, priority: 2, queue_id: 29_682_833, status: 1, title: 'VPN down'}, '--yes')
    assert.equal(created.code, 0, created.stderr)
    const {itemId} = created.json().structuredContent
    assert.deepEqual(acmeVendor.requests.at(-1)!.body, {companyID: 29_683_501, priority: 2, queueID: 29_682_833, status: 1, title: 'VPN down'})

    const updated = await call('autotask:acme:update_ticket', {id: itemId, status: 5}, '--yes')
    assert.equal(updated.code, 0, updated.stderr)
    const patch = acmeVendor.requests.at(-1)!
    assert.equal(patch.method, 'PATCH')
    assert.equal(patch.pathname, '/ATServicesRest/V1.0/Tickets')
    assert.deepEqual(patch.body, {id: itemId, status: 5})

    const noted = await call('autotask:acme:add_ticket_note', {description: 'Tunnel restarted.', note_type: 1, publish: 1, ticket_id: itemId, title: 'Fix'}, '--yes')
    assert.equal(noted.code, 0, noted.stderr)
    assert.equal(acmeVendor.requests.at(-1)!.pathname, `/ATServicesRest/V1.0/Tickets/${itemId}/Notes`)
    const notes = await call('autotask:acme:list_notes', {ticket_id: itemId})
    assert.deepEqual(notes.json().structuredContent.items.map((n: {title: string}) => n.title), ['Fix'])

    // Autotask's errors come back as a tool error listing each of its messages; a 429 is retried after Retry-After.
    const refused = await call('autotask:acme:log_time', {hours_worked: 1, ticket_id: 1}, '--yes')
    assert.equal(refused.code, 1)
    assert.equal(refused.json().isError, true)
    assert.equal(refused.json().content[0].text, 'Autotask answered HTTP 500: Value does not reference an existing entity for ticketID 1.')
    acmeVendor.rateLimitNext(1, 1)
    start = acmeVendor.requests.length
    const companies = await call('autotask:acme:search_companies', {name: 'globex'})
    assert.equal(companies.code, 0, companies.stderr)
    assert.deepEqual(companies.json().structuredContent.items.map((c: {companyName: string}) => c.companyName), ['Globex Ltd'])
    assert.equal(acmeVendor.requests.length - start, 2, 'one 429, then the retry')
  })

  it('keeps two connections apart, replaces a secret asking the stored zone, and disconnect leaves no secret', async () => {
    assert.equal((await connect('acme', acmeVendor)).code, 0)
    assert.equal((await connect('globex', globexVendor)).code, 0)
    const items = await call('autotask:globex:list_configuration_items', {company_id: 29_683_500})
    assert.deepEqual(items.json().structuredContent.items.map((c: {referenceTitle: string}) => c.referenceTitle), ['ACME-DC01', 'ACME-NAS'])
    assert.equal(globexVendor.requests.at(-1)!.headers.secret, globexVendor.credentials.secret)
    assert.ok(acmeVendor.requests.every((r) => r.headers.secret !== globexVendor.credentials.secret))

    // connect <name>: the zone lookup goes to the stored zone, not to webservices.autotask.net.
    const start = globexVendor.requests.length
    const replaced = await sandbox.run(['connect', 'globex', '--secret-stdin', 'secret', '--json'], {input: globexVendor.credentials.secret})
    assert.equal(replaced.code, 0, replaced.stderr)
    assert.equal(replaced.json().replaced, true)
    assert.equal(globexVendor.requests[start].origin + globexVendor.requests[start].pathname, `${zone(globexVendor)}/V1.0/ZoneInformation`)

    const gone = await sandbox.run(['disconnect', 'acme', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.match(gone.json().revokeAt, /Resources\/Users → the API user/)
    assert.ok(!storedSecrets().includes(acmeVendor.credentials.secret))
    assert.equal(storedSecrets().split(globexVendor.credentials.secret).length - 1, 1)
  })
})
