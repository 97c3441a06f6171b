// ConnectWise PSA through the real CLI against its emulator: the codebase looked up at /login/companyinfo, Basic
// `company+public:private` with the clientId header on every call, JSON-Patch updates, Link-header paging.
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {type ConnectWiseEmulator, startConnectWiseEmulator} from '../../helpers/vendors/connectwise-psa.js'

describe('app connectwise-psa (end to end, emulator)', function () {
  // Each CLI process costs seconds on a loaded machine; the long test runs about ten.
  this.timeout(180_000)
  let acmeVendor: ConnectWiseEmulator
  let globexVendor: ConnectWiseEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  const fields = (vendor: ConnectWiseEmulator, company = vendor.credentials.company) => [
    '--field',
    `instance=${vendor.origin}`,
    '--field',
    `company=${company}`,
    '--field',
    `public-key=${vendor.credentials.publicKey}`,
    '--field',
    `client-id=${vendor.credentials.clientId}`,
  ]
  const connect = (name: string, vendor: ConnectWiseEmulator, privateKey = vendor.credentials.privateKey, company?: string) =>
    sandbox.run(['connect', 'connectwise-psa', '--name', name, ...fields(vendor, company), '--secret-stdin', 'private-key', '--insecure-storage', '--json'], {
      input: privateKey,
    })
  const call = (tool: string, args: unknown, ...extra: string[]) => sandbox.run(['tools', 'call', tool, '--args', JSON.stringify(args), '--json', ...extra])
  const storedSecrets = () => sandbox.storeText('secrets.json')
  const config = () => (existsSync(join(sandbox.dir, 'config.json')) ? readFileSync(join(sandbox.dir, 'config.json'), 'utf8') : '')
  const basic = (vendor: ConnectWiseEmulator) => {
    const {company, privateKey, publicKey} = vendor.credentials
    return `Basic ${Buffer.from(`${company}+${publicKey}:${privateKey}`).toString('base64')}`
  }

  before(async () => {
    ;[acmeVendor, globexVendor] = await Promise.all([startConnectWiseEmulator(), startConnectWiseEmulator({codebase: 'v2025_1/', company: 'globex'})])
  })
  after(() => Promise.all([acmeVendor.close(), globexVendor.close()]))
  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(() => sandbox.cleanup())

  it('is in the catalog with its field keys and presets; refuses a wrong key or an unknown company with exit 3, saving nothing', async () => {
    const catalog = await sandbox.run(['integrations', 'catalog', '--category', 'psa', '--json'])
    const app = catalog.json().find((a: {id: string}) => a.id === 'connectwise-psa')
    assert.equal(app.auth, 'basic')
    assert.deepEqual(
      app.fields.map((f: {key: string; required: boolean; secret: boolean}) => [f.key, f.secret, f.required]),
      [
        ['instance', false, true],
        ['company', false, true],
        ['public-key', false, true],
        ['private-key', true, true],
        ['client-id', false, true],
      ],
    )
    assert.deepEqual(app.fields[0].presets.map((p: {url: string; value: string}) => [p.value, p.url]), [
      ['na', 'https://api-na.myconnectwise.net'],
      ['eu', 'https://api-eu.myconnectwise.net'],
      ['au', 'https://api-au.myconnectwise.net'],
    ])

    const start = acmeVendor.requests.length
    const wrongKey = await connect('acme', acmeVendor, 'not-the-private-key')
    assert.equal(wrongKey.code, 3, wrongKey.stderr)
    assert.match(wrongKey.json().error.message, /ConnectWise PSA refused the API key\. Check the company ID, the public and private keys .* \(HTTP 401: UserNotAuthenticated\)/)
    const [lookup, verify] = acmeVendor.requests.slice(start)
    assert.equal(lookup.pathname, '/login/companyinfo/acme')
    assert.equal(lookup.headers.authorization, undefined, 'the codebase lookup carries no credentials')
    assert.equal(verify.pathname, '/v4_6_release/apis/3.0/system/info')
    const {company, publicKey} = acmeVendor.credentials
    assert.equal(verify.headers.authorization, `Basic ${Buffer.from(`${company}+${publicKey}:not-the-private-key`).toString('base64')}`)
    assert.equal(verify.headers.clientid, acmeVendor.credentials.clientId)

    const unknownCompany = await connect('acme', acmeVendor, acmeVendor.credentials.privateKey, 'initech')
    assert.equal(unknownCompany.code, 3, unknownCompany.stderr)
    assert.match(unknownCompany.json().error.message, /does not know this company ID at this site\. Check the company ID .* and the instance: na, eu, au/)
    assert.equal(acmeVendor.requests.at(-1)!.pathname, '/login/companyinfo/initech', 'nothing is sent with credentials after the failed lookup')
    assert.equal(storedSecrets(), '')
    assert.ok(!config().includes('acme'))
  })

  it('connects, seeds its tools, and reads and writes tickets exactly as the API documents', async () => {
    const connected = await connect('acme', acmeVendor)
    assert.equal(connected.code, 0, connected.stderr)
    assert.deepEqual(connected.json().fields, {
      'client-id': acmeVendor.credentials.clientId,
      codebase: 'v4_6_release/',
      company: 'acme',
      instance: acmeVendor.origin,
      'public-key': acmeVendor.credentials.publicKey,
    })
    assert.deepEqual(Object.fromEntries(connected.json().tools.map((t: {name: string; permission: string}) => [t.name.split(':')[2], t.permission])), {
      add_ticket_note: 'approval_needed',
      create_ticket: 'approval_needed',
      get_ticket: 'auto',
      get_ticket_notes: 'auto',
      list_configurations: 'auto',
      list_tickets: 'auto',
      log_time: 'approval_needed',
      search_companies: 'auto',
      update_ticket: 'approval_needed',
    })
    assert.ok(!config().includes(acmeVendor.credentials.privateKey), 'the private key is not in the config file')

    // A list: conditions passed through, pageSize from limit, one page only, `more` from the Link header's rel="next".
    let start = acmeVendor.requests.length
    const listed = await call('connectwise-psa:acme:list_tickets', {conditions: 'board/id=1 and status/name="New"', limit: 2, orderBy: 'id asc'})
    assert.equal(listed.code, 0, listed.stderr)
    assert.deepEqual(listed.json().structuredContent.items.map((t: {id: number}) => t.id), [1001, 1007])
    assert.equal(listed.json().structuredContent.more, true)
    assert.deepEqual(JSON.parse(listed.json().content[0].text).items[0].summary, 'Printer offline in reception')
    const [list] = acmeVendor.requests.slice(start)
    assert.equal(acmeVendor.requests.length - start, 1)
    assert.equal(list.pathname, '/v4_6_release/apis/3.0/service/tickets')
    assert.deepEqual(list.query, {conditions: 'board/id=1 and status/name="New"', orderBy: 'id asc', pageSize: '2'})
    assert.equal(list.headers.authorization, basic(acmeVendor))
    assert.equal(list.headers.clientid, acmeVendor.credentials.clientId)

    // Writes need approval (--yes here); the emulator sees the documented bodies.
    const created = await call('connectwise-psa:acme:create_ticket', {board_id: 1, company_id: 250, description: 'Paper jam', summary: 'Printer jammed'}, '--yes')
    assert.equal(created.code, 0, created.stderr)
    const ticket = created.json().structuredContent
    assert.deepEqual(acmeVendor.requests.at(-1)!.body, {board: {id: 1}, company: {id: 250}, initialDescription: 'Paper jam', summary: 'Printer jammed'})
    assert.equal(acmeVendor.requests.at(-1)!.headers['content-type'], 'application/json')

    const updated = await call('connectwise-psa:acme:update_ticket', {id: ticket.id, status_id: 507, summary: 'Printer fixed'}, '--yes')
    assert.equal(updated.code, 0, updated.stderr)
    const patch = acmeVendor.requests.at(-1)!
    assert.equal(patch.method, 'PATCH')
    assert.equal(patch.pathname, `/v4_6_release/apis/3.0/service/tickets/${ticket.id}`)
    assert.deepEqual(patch.body, [
      {op: 'replace', path: 'status', value: {id: 507}},
      {op: 'replace', path: 'summary', value: 'Printer fixed'},
    ])
    assert.deepEqual(updated.json().structuredContent.status, {id: 507})

    const timed = await call('connectwise-psa:acme:log_time', {actual_hours: 0.5, notes: 'Cleared the jam', ticket_id: ticket.id, time_start: '2026-01-05T09:00:00Z'}, '--yes')
    assert.equal(timed.code, 0, timed.stderr)
    assert.deepEqual(acmeVendor.requests.at(-1)!.body, {actualHours: 0.5, chargeToId: ticket.id, chargeToType: 'ServiceTicket', notes: 'Cleared the jam', timeStart: '2026-01-05T09:00:00Z'})

    // A vendor error is a tool error quoting ConnectWise; a 429 is retried after its Retry-After.
    const missing = await call('connectwise-psa:acme:get_ticket', {id: 999_999})
    assert.equal(missing.code, 1)
    assert.equal(missing.json().isError, true)
    assert.equal(missing.json().content[0].text, 'ConnectWise PSA answered HTTP 404: Ticket with id 999999 was not found.')
    acmeVendor.rateLimitNext(1, 1)
    start = acmeVendor.requests.length
    const notes = await call('connectwise-psa:acme:get_ticket_notes', {id: 1001})
    assert.equal(notes.code, 0, notes.stderr)
    assert.deepEqual(notes.json().structuredContent.items.map((n: {text: string}) => n.text), ['Customer called in.', 'Driver reinstalled.'])
    assert.equal(acmeVendor.requests.length - start, 2, 'one 429, then the retry')
  })

  it('keeps two connections apart (own codebase, own keys), and disconnect leaves no secret behind', async () => {
    assert.equal((await connect('acme', acmeVendor)).code, 0)
    assert.equal((await connect('globex', globexVendor)).code, 0)
    const start = globexVendor.requests.length
    const companies = await call('connectwise-psa:globex:search_companies', {conditions: 'name like "Glo%"'})
    assert.equal(companies.code, 0, companies.stderr)
    assert.deepEqual(companies.json().structuredContent.items.map((c: {name: string}) => c.name), ['Globex Ltd'])
    const seen = globexVendor.requests.slice(start)
    assert.deepEqual(seen.map((r) => r.pathname), ['/v2025_1/apis/3.0/company/companies'])
    assert.equal(seen[0].headers.authorization, basic(globexVendor))
    assert.ok(acmeVendor.requests.every((r) => r.headers.authorization !== basic(globexVendor)))

    const gone = await sandbox.run(['disconnect', 'acme', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.match(gone.json().revokeAt, /System → Members → API Members → .* API Keys/)
    assert.ok(!storedSecrets().includes(acmeVendor.credentials.privateKey))
    assert.ok(storedSecrets().includes(globexVendor.credentials.privateKey))
    assert.ok(!config().includes(acmeVendor.credentials.publicKey))
  })
})
