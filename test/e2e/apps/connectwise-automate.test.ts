// ConnectWise Automate through the real CLI against its emulator: the JSON sign-in at /cwa/api/v1/apitoken with the
// ClientId header on every request, a wrong password and a second factor reported as such (the code used once and
// never saved), computers filtered by condition, a command line run and its status read back, a token renewed at
// /apitoken/refresh (a bare JSON string) or, once expired, by signing in again, a 429 waited out, two connections
// apart, disconnect leaving no secret.
import assert from 'node:assert/strict'

import {testCa} from '../../helpers/ca.js'
import {cliSandbox} from '../../helpers/cli.js'
import {runInPty} from '../../helpers/pty.js'
import {type AutomateEmulator, startConnectWiseAutomateEmulator} from '../../helpers/vendors/connectwise-automate.js'

describe('app connectwise-automate (end to end, emulator)', function () {
  let acme: AutomateEmulator
  /** A server that still renews a token once it has expired. */
  let globex: AutomateEmulator
  let sandbox: ReturnType<typeof cliSandbox>

  before(async () => {
    ;[acme, globex] = await Promise.all([startConnectWiseAutomateEmulator(), startConnectWiseAutomateEmulator({refreshAfterExpiry: true})])
  })
  after(() => Promise.all([acme, globex].map((vendor) => vendor.close())))
  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(() => {
    sandbox.cleanup()
    acme.twoFactorPasscode = undefined
  })

  const connect = (name: string, vendor: AutomateEmulator, password = vendor.credentials.password, extra: string[] = []) =>
    sandbox.run(
      [
        'connect',
        'connectwise-automate',
        '--name',
        name,
        '--field',
        `instance=${vendor.origin}`,
        '--field',
        `client-id=${vendor.credentials.clientId}`,
        '--field',
        `username=${vendor.credentials.username}`,
        '--secret-stdin',
        'password',
        '--insecure-storage',
        '--json',
        ...extra,
      ],
      {input: password},
    )
  const call = (tool: string, args: unknown, extra: string[] = []) => sandbox.run(['tools', 'call', tool, '--args', JSON.stringify(args), '--json', ...extra])
  const storedSecrets = () => sandbox.storeText('secrets.json')
  const configText = () => sandbox.storeText('config.json')
  const bearerOf = (vendor: AutomateEmulator) => String(vendor.requests.at(-1)!.headers.authorization).replace(/^Bearer /, '')

  it('refuses a wrong password, and reports a second factor asked for, with exit 3 and nothing saved; the code is used once, never saved', async () => {
    const wrong = await connect('acme', acme, 'not-the-password')
    assert.equal(wrong.code, 3, wrong.stderr)
    assert.match(wrong.json().error.message, /^ConnectWise Automate refused the sign-in: check the username and password .*\(HTTP 401: Invalid username or password\. from https:\/\/127\.0\.0\.1:\d+\/cwa\/api\/v1\/apitoken\)$/)
    assert.ok(!wrong.stdout.includes('not-the-password') && !wrong.stderr.includes('not-the-password'))
    const signIn = acme.requests.at(-1)!
    assert.deepEqual([signIn.method, signIn.headers['content-type'], signIn.headers.clientid], ['POST', 'application/json', acme.credentials.clientId])
    assert.deepEqual(signIn.body, {password: 'not-the-password', username: acme.credentials.username})

    acme.twoFactorPasscode = '482913'
    const asked = await connect('acme', acme)
    assert.equal(asked.code, 3, asked.stderr)
    assert.match(asked.json().error.message, /^ConnectWise Automate asks for a two-factor code to sign in "acme"\.$/)
    assert.match(asked.json().error.hint, /^Nothing was saved\. Pass the current code with --field two-factor-code=CODE, or connect a user without two-factor sign-in\.$/)
    assert.equal(storedSecrets(), '')
    assert.ok(!configText().includes('connectwise-automate'))

    const withCode = await connect('acme', acme, undefined, ['--field', 'two-factor-code=482913'])
    assert.equal(withCode.code, 0, withCode.stderr)
    assert.deepEqual(acme.requests.at(-2)!.body, {password: acme.credentials.password, TwoFactorPasscode: '482913', username: acme.credentials.username})
    assert.ok(!configText().includes('482913') && !storedSecrets().includes('482913'), 'the one-time code is not kept')
  })

  it('asks a terminal for the two-factor code when the server wants one, and connects with it', async () => {
    acme.twoFactorPasscode = '615243'
    const {clientId, password, username} = acme.credentials
    const args = ['connect', 'connectwise-automate', '--name', 'acme', '--field', `instance=${acme.origin}`, '--field', `client-id=${clientId}`, '--field', `username=${username}`]
    const term = runInPty([...args, '--secret-env', 'password=CWA_PASSWORD', '--insecure-storage'], {...sandbox.env, CWA_PASSWORD: password})
    await term.waitFor('Two-factor code')
    term.write('615243\r')
    assert.equal(await term.exit, 0, term.output())
    const signIns = acme.requests.filter((r) => r.pathname === '/cwa/api/v1/apitoken').slice(-2)
    assert.deepEqual(signIns.map((r) => r.body), [{password, username}, {password, TwoFactorPasscode: '615243', username}])
    assert.ok(!configText().includes('615243'), 'the one-time code is not kept')
  })

  it('connects, lists computers by condition, runs a command line and reads its status, with the ClientId on every request', async () => {
    const start = acme.requests.length
    const connected = await connect('acme', acme)
    assert.equal(connected.code, 0, connected.stderr)
    assert.deepEqual(
      Object.fromEntries(connected.json().tools.map((t: {name: string; permission: string}) => [t.name.replace('connectwise-automate:acme:', ''), t.permission])),
      {
        get_command_status: 'auto',
        get_computer: 'auto',
        list_clients: 'auto',
        list_computers: 'auto',
        list_tickets: 'auto',
        run_command: 'approval_needed',
        run_command_prompt: 'approval_needed',
      },
    )

    const before = acme.requests.length
    const computers = await call('connectwise-automate:acme:list_computers', {condition: "ClientID = 1 and Status = 'Online'", limit: 5, orderby: 'Name desc'})
    assert.equal(computers.code, 0, computers.stderr)
    assert.deepEqual(computers.json().structuredContent.items.map((c: {Name: string}) => c.Name), ['HDG-FRONTDESK', 'HDG-DC01'])
    assert.deepEqual(acme.requests.slice(before).map((r) => [r.pathname, r.query]), [['/cwa/api/v1/Computers', {condition: "ClientID = 1 and Status = 'Online'", orderby: 'Name desc', page: '1', pagesize: '5'}]])

    const run = await call('connectwise-automate:acme:run_command_prompt', {command_text: 'Get-Service Spooler', computer_id: 101, run_as_admin: false, use_powershell: true}, ['--yes'])
    assert.equal(run.code, 0, run.stderr)
    const sent = acme.requests.at(-1)!
    assert.deepEqual([sent.method, sent.pathname, sent.headers['content-type']], ['POST', '/cwa/api/v1/Computers/101/CommandPrompt', 'application/json'])
    assert.deepEqual(sent.body, {CommandText: 'Get-Service Spooler', RunAsAdmin: false, UsePowerShell: true})
    const commandId = run.json().structuredContent.Id
    assert.equal(commandId, [...acme.commands.keys()].at(-1))
    const status = await call('connectwise-automate:acme:get_command_status', {command_id: commandId, computer_id: 101})
    assert.equal(status.json().structuredContent.Status, 'Pending')
    for (const request of acme.requests.slice(start)) assert.equal(request.headers.clientid, acme.credentials.clientId, `${request.method} ${request.pathname}`)
  })

  it('renews a token at /apitoken/refresh, signs in again once the server refuses to renew an expired one, and waits out a 429', async () => {
    assert.equal((await connect('globex', globex)).code, 0)
    const first = bearerOf(globex)
    globex.expireTokens()
    let before = globex.requests.length
    const clients = await call('connectwise-automate:globex:list_clients', {})
    assert.equal(clients.code, 0, clients.stderr)
    assert.equal(clients.json().structuredContent.count, 3)
    const [, refresh] = globex.requests.slice(before)
    assert.deepEqual([refresh.pathname, refresh.headers['content-type'], refresh.rawBody], ['/cwa/api/v1/apitoken/refresh', 'application/json', JSON.stringify(first)])
    assert.ok(!storedSecrets().includes(first) && storedSecrets().includes(bearerOf(globex)), 'the new token replaced the old one')

    assert.equal((await connect('acme', acme)).code, 0)
    acme.expireTokens()
    before = acme.requests.length
    const tickets = await call('connectwise-automate:acme:list_tickets', {condition: "Status = 'Open'"})
    assert.equal(tickets.code, 0, tickets.stderr)
    assert.deepEqual(tickets.json().structuredContent.items.map((t: {TicketID: number}) => t.TicketID), [7002])
    assert.deepEqual(acme.requests.slice(before).map((r) => r.pathname), ['/cwa/api/v1/tickets', '/cwa/api/v1/apitoken/refresh', '/cwa/api/v1/apitoken', '/cwa/api/v1/tickets'])

    acme.rateLimitNext(1, 1)
    before = acme.requests.length
    const waited = await call('connectwise-automate:acme:get_computer', {computer_id: 201})
    assert.equal(waited.code, 0, waited.stderr)
    assert.equal(waited.json().structuredContent.Name, 'NLA-DC01')
    assert.deepEqual(acme.requests.at(-1)!.query, {ids: '201'})
    assert.equal(acme.requests.length - before, 2, 'one 429, then the retry')
  })

  it('keeps two connections apart, and disconnect leaves no secret and says where to revoke', async () => {
    assert.equal((await connect('acme', acme)).code, 0)
    const acmeToken = bearerOf(acme)
    assert.equal((await connect('globex', globex)).code, 0)
    const before = acme.requests.length
    assert.equal((await call('connectwise-automate:globex:list_clients', {})).code, 0)
    assert.equal(acme.requests.length, before, 'globex calls never reach acme')

    const gone = await sandbox.run(['disconnect', 'acme', '--yes', '--json'])
    assert.equal(gone.code, 0, gone.stderr)
    assert.match(gone.json().revokeAt, /change the password/)
    const left = storedSecrets()
    assert.ok(!left.includes(acme.credentials.password) && !left.includes(acmeToken))
    assert.ok(left.includes(globex.credentials.password))
  })
})
