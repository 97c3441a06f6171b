// The ConnectWise Automate emulator accepts Automate's documented requests and refuses malformed ones, so app tests against it mean something.
import assert from 'node:assert/strict'

import {type AutomateEmulator, startConnectWiseAutomateEmulator} from './connectwise-automate.js'

describe('ConnectWise Automate emulator', () => {
  let cwa: AutomateEmulator
  afterEach(async () => cwa?.close())

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${cwa.origin}/cwa/api/v1${path}`, {body, headers: {clientid: cwa.credentials.clientId, 'content-type': 'application/json', ...headers}, method: 'POST'})

  const signIn = async (extra: Record<string, string> = {}) => {
    const {password, username} = cwa.credentials
    const response = await post('/apitoken', JSON.stringify({password, username, ...extra}))
    assert.equal(response.status, 200)
    return (await response.json()) as {AccessToken: null | string; ExpirationDate: null | string; IsTwoFactorRequired: boolean}
  }

  const call = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${cwa.origin}/cwa/api/v1${path}`, {...init, headers: {authorization: `Bearer ${token}`, clientid: cwa.credentials.clientId, ...init.headers}})

  const json = async <T>(response: Promise<Response>) => (await (await response).json()) as T

  it('signs in with {username, password} and the ClientId header, then serves the verification request on 127.0.0.1', async () => {
    cwa = await startConnectWiseAutomateEmulator()
    assert.match(cwa.origin, /^https:\/\/127\.0\.0\.1:\d+$/)
    const token = await signIn()
    assert.equal(token.IsTwoFactorRequired, false)
    assert.ok(Date.parse(token.ExpirationDate!) > Date.now() + 3500 * 1000)
    const time = await call(token.AccessToken!, '/DatabaseServerTime')
    assert.equal(time.status, 200)
    assert.match((await time.json()) as string, /^\d{4}-\d\d-\d\dT/)
    assert.deepEqual(cwa.requests[0].body, {password: cwa.credentials.password, username: cwa.credentials.username})
  })

  it('refuses every request without the registered ClientId, sign-in included', async () => {
    cwa = await startConnectWiseAutomateEmulator()
    const {password, username} = cwa.credentials
    const body = JSON.stringify({password, username})
    assert.equal((await post('/apitoken', body, {clientid: ''})).status, 401)
    const unregistered = await post('/apitoken', body, {clientid: '00000000-0000-0000-0000-000000000000'})
    assert.equal(unregistered.status, 401)
    assert.match(((await unregistered.json()) as {Message: string}).Message, /ClientId/)
    const token = (await signIn()).AccessToken!
    assert.equal((await fetch(`${cwa.origin}/cwa/api/v1/Computers`, {headers: {authorization: `Bearer ${token}`}})).status, 401)
    assert.equal(cwa.tokensIssued, 1)
  })

  it('refuses malformed and wrong sign-ins', async () => {
    cwa = await startConnectWiseAutomateEmulator()
    const {password, username} = cwa.credentials
    const cases: Array<[string, Promise<Response>, number]> = [
      ['wrong password', post('/apitoken', JSON.stringify({password: 'nope', username})), 401],
      ['form body', post('/apitoken', new URLSearchParams({password, username}).toString(), {'content-type': 'application/x-www-form-urlencoded'}), 415],
      ['other keys', post('/apitoken', JSON.stringify({pass: password, user: username})), 400],
    ]
    for (const [title, pending, status] of cases) assert.equal((await pending).status, status, title)
    assert.equal(cwa.tokensIssued, 0)
  })

  it('says two-factor is required until the passcode comes with the credentials', async () => {
    cwa = await startConnectWiseAutomateEmulator({twoFactorPasscode: '424242'})
    assert.deepEqual(await signIn(), {AccessToken: null, ExpirationDate: null, IsTwoFactorRequired: true})
    const {password, username} = cwa.credentials
    assert.equal((await post('/apitoken', JSON.stringify({password, TwoFactorPasscode: '000000', username}))).status, 401)
    const token = await signIn({TwoFactorPasscode: '424242'})
    assert.equal(typeof token.AccessToken, 'string')
    cwa.twoFactorPasscode = undefined
    assert.equal(typeof (await signIn()).AccessToken, 'string')
  })

  it('refreshes a live token sent as a bare JSON string, and refuses other bodies and expired tokens', async () => {
    cwa = await startConnectWiseAutomateEmulator()
    const token = (await signIn()).AccessToken!
    const refreshed = await post('/apitoken/refresh', JSON.stringify(token))
    assert.equal(refreshed.status, 200)
    const next = ((await refreshed.json()) as {AccessToken: string}).AccessToken
    assert.notEqual(next, token)
    assert.equal((await call(next, '/Clients')).status, 200)
    assert.equal((await post('/apitoken/refresh', token)).status, 400, 'unquoted token')
    assert.equal((await post('/apitoken/refresh', JSON.stringify({token}))).status, 400, 'object body')
    assert.equal((await post('/apitoken/refresh', JSON.stringify('never-issued'))).status, 401)
    cwa.expireTokens()
    assert.equal((await call(next, '/Clients')).status, 401)
    assert.equal((await post('/apitoken/refresh', JSON.stringify(next))).status, 401, 'expired: sign in again')
  })

  it('refreshes an expired token when the server allows it', async () => {
    cwa = await startConnectWiseAutomateEmulator({refreshAfterExpiry: true})
    const token = (await signIn()).AccessToken!
    cwa.expireTokens()
    assert.equal((await post('/apitoken/refresh', JSON.stringify(token))).status, 200)
  })

  it('lists computers, clients and tickets as bare arrays with condition, ids, orderby and paging, case-insensitively', async () => {
    cwa = await startConnectWiseAutomateEmulator()
    const token = (await signIn()).AccessToken!
    const names = async (path: string) => (await json<Array<{Name: string}>>(call(token, path))).map((row) => row.Name)
    assert.deepEqual(await names(`/Computers?condition=${encodeURIComponent("ClientID = 1 and Name like '%DC%'")}`), ['HDG-DC01'])
    assert.deepEqual(await names('/computers?ids=201,301'), ['NLA-DC01', 'OPL-FS01'])
    assert.deepEqual(await names('/Computers?pagesize=2&page=2&orderby=Name%20desc'), ['HDG-XRAY', 'HDG-FRONTDESK'])
    assert.deepEqual(await names(`/Clients?condition=${encodeURIComponent("Name contains 'north'")}`), ['Northline Architecture'])
    assert.equal((await json<unknown[]>(call(token, '/tickets'))).length, 2)
    assert.equal((await call(token, '/Computers?pagesize=5000')).status, 400)
    assert.equal((await call(token, `/Computers?condition=${encodeURIComponent('Name ~ DC')}`)).status, 400)
    assert.equal((await call(token, `/Computers?condition=${encodeURIComponent("Colour = 'red'")}`)).status, 400)
    assert.equal((await json<{Name: string}>(call(token, '/Computers/102'))).Name, 'HDG-FRONTDESK')
    assert.equal((await call(token, '/Computers/999')).status, 404)
  })

  it('runs a command, returns its id, and reports Pending, Executing, then Success with output', async () => {
    cwa = await startConnectWiseAutomateEmulator()
    const token = (await signIn()).AccessToken!
    const send = (path: string, body: unknown) => call(token, path, {body: JSON.stringify(body), headers: {'content-type': 'application/json'}, method: 'POST'})
    const sent = await send('/Computers/101/CommandExecute', {Command: {Id: 2}, ComputerId: 101, Parameters: ['cmd.exe!!! /c ipconfig']})
    assert.equal(sent.status, 200)
    const command = (await sent.json()) as {Id: number; Status: string}
    assert.equal(command.Status, 'Pending')
    const statuses = []
    for (let read = 0; read < 3; read++) statuses.push((await json<{Status: string}>(call(token, `/Computers/101/CommandExecute/${command.Id}`))).Status)
    assert.deepEqual(statuses, ['Pending', 'Executing', 'Success'])
    const polled = await json<Array<{Output: string; Status: string}>>(call(token, `/Computers/101/CommandExecute?ids=${command.Id}`))
    assert.equal(polled[0].Status, 'Success')
    assert.match(polled[0].Output, /completed/)
    assert.equal((await send('/Computers/101/CommandExecute', {Command: {Id: 2}, ComputerId: 102, Parameters: []})).status, 400)
    assert.equal((await send('/Computers/101/CommandExecute', {Command: {Id: 9999}, ComputerId: 101})).status, 400)
    assert.equal((await send('/Computers/101/CommandExecute', {Command: {Id: 2}, Parameters: 'ipconfig'})).status, 400)
    assert.equal((await call(token, `/Computers/102/CommandExecute/${command.Id}`)).status, 404)

    const prompt = await send('/computers/102/CommandPrompt', {CommandText: 'Get-Service spooler', Directory: 'C:\\Windows\\Temp', RunAsAdmin: true, UsePowerShell: true})
    assert.equal(prompt.status, 200)
    assert.equal(((await prompt.json()) as {Status: string}).Status, 'Pending')
    assert.equal((await send('/computers/102/CommandPrompt', {UsePowerShell: true})).status, 400)
    assert.equal((await send('/computers/102/CommandPrompt', {CommandText: 'x', UsePowerShell: 'yes'})).status, 400)
  })

  it('answers 429 with Retry-After on demand', async () => {
    cwa = await startConnectWiseAutomateEmulator()
    const token = (await signIn()).AccessToken!
    cwa.rateLimitNext(1, 5)
    const limited = await call(token, '/Computers')
    assert.equal(limited.status, 429)
    assert.equal(limited.headers.get('retry-after'), '5')
    assert.equal((await call(token, '/Computers')).status, 200)
  })
})
