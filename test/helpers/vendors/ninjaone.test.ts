// The NinjaOne emulator accepts NinjaOne's documented requests and refuses malformed ones, so app tests against it mean something.
import assert from 'node:assert/strict'

import {type NinjaOneEmulator, startNinjaOneEmulator} from './ninjaone.js'

describe('NinjaOne emulator', () => {
  let ninja: NinjaOneEmulator
  afterEach(async () => ninja?.close())

  const tokenRequest = (fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded') =>
    fetch(`${ninja.origin}/ws/oauth/token`, {
      body: contentType === 'application/json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
      headers: {'content-type': contentType},
      method: 'POST',
    })

  const signIn = async (scope = 'monitoring management control') => {
    const {clientId, clientSecret} = ninja.credentials
    const response = await tokenRequest({client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials', scope})
    assert.equal(response.status, 200)
    return ((await response.json()) as {access_token: string}).access_token
  }

  const call = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${ninja.origin}${path}`, {...init, headers: {authorization: `Bearer ${token}`, ...init.headers}})

  const postJson = (token: string, path: string, body: unknown) =>
    call(token, path, {body: JSON.stringify(body), headers: {'content-type': 'application/json'}, method: 'POST'})

  it('issues a token for the documented client-credentials form and serves the verification request on 127.0.0.1', async () => {
    ninja = await startNinjaOneEmulator({tokenLifetimeSeconds: 120})
    assert.match(ninja.origin, /^https:\/\/127\.0\.0\.1:\d+$/)
    const {clientId, clientSecret} = ninja.credentials
    const response = await tokenRequest({client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials', scope: 'monitoring management'})
    const token = (await response.json()) as Record<string, unknown>
    assert.deepEqual({...token, access_token: typeof token.access_token}, {access_token: 'string', expires_in: 120, scope: 'monitoring management', token_type: 'Bearer'})
    const orgs = await call(token.access_token as string, '/v2/organizations?pageSize=1')
    assert.equal(orgs.status, 200)
    assert.deepEqual(((await orgs.json()) as Array<{id: number}>).map((org) => org.id), [1])
    const recorded = ninja.requests[0]
    assert.equal(recorded.pathname, '/ws/oauth/token')
    assert.deepEqual(recorded.body, {client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials', scope: 'monitoring management'})
    assert.deepEqual(ninja.requests[1].query, {pageSize: '1'})
  })

  it('refuses token requests that differ from the documented form', async () => {
    ninja = await startNinjaOneEmulator()
    const {clientId, clientSecret} = ninja.credentials
    const good = {client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials', scope: 'monitoring'}
    const cases: Array<[string, Promise<Response>, number, string]> = [
      ['JSON body', tokenRequest(good, 'application/json'), 400, 'invalid_request'],
      ['wrong secret', tokenRequest({...good, client_secret: 'nope'}), 401, 'invalid_client'],
      ['password grant', tokenRequest({...good, grant_type: 'password'}), 400, 'unsupported_grant_type'],
      ['no scope', tokenRequest({...good, scope: ''}), 400, 'invalid_scope'],
      ['unknown scope', tokenRequest({...good, scope: 'monitoring offline_access'}), 400, 'invalid_scope'],
    ]
    for (const [title, pending, status, code] of cases) {
      const response = await pending
      assert.equal(response.status, status, title)
      assert.equal(((await response.json()) as {error: string}).error, code, title)
    }
    assert.equal(ninja.tokensIssued, 0)
  })

  it('refuses an app without the client-credentials grant, and a scope the app was not given', async () => {
    ninja = await startNinjaOneEmulator({clientCredentialsEnabled: false})
    const {clientId, clientSecret} = ninja.credentials
    const refused = await tokenRequest({client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials', scope: 'monitoring'})
    assert.equal(refused.status, 400)
    assert.equal(((await refused.json()) as {error: string}).error, 'unauthorized_client')
    await ninja.close()
    ninja = await startNinjaOneEmulator({scopes: ['monitoring']})
    const readOnly = await signIn('monitoring')
    const write = await postJson(readOnly, '/v2/device/11/reboot/NORMAL', {reason: 'patch'})
    assert.equal(write.status, 403)
    const wider = {client_id: ninja.credentials.clientId, client_secret: ninja.credentials.clientSecret, grant_type: 'client_credentials', scope: 'management'}
    assert.equal((await tokenRequest(wider)).status, 400)
  })

  it('answers 401 without a token or once tokens expire, so a client can re-authenticate', async () => {
    ninja = await startNinjaOneEmulator()
    assert.equal((await fetch(`${ninja.origin}/v2/devices`)).status, 401)
    const token = await signIn()
    assert.equal((await call(token, '/v2/devices')).status, 200)
    ninja.expireTokens()
    const expired = await call(token, '/v2/devices')
    assert.equal(expired.status, 401)
    assert.match(expired.headers.get('www-authenticate') ?? '', /invalid_token/)
    assert.equal((await call(await signIn(), '/v2/devices')).status, 200)
  })

  it('pages organizations and devices with pageSize and after, filters devices with df, and 404s unknown devices', async () => {
    ninja = await startNinjaOneEmulator()
    const token = await signIn()
    const ids = async (path: string) => ((await (await call(token, path)).json()) as Array<{id: number}>).map((item) => item.id)
    assert.deepEqual(await ids('/v2/devices?pageSize=2'), [11, 12])
    assert.deepEqual(await ids('/v2/devices?pageSize=2&after=12'), [13, 21])
    assert.deepEqual(await ids('/v2/devices?df=org%20%3D%201'), [11, 12, 13])
    assert.deepEqual(await ids('/v2/organizations?after=1'), [2, 3])
    assert.equal((await call(token, '/v2/devices?pageSize=0')).status, 400)
    assert.equal((await call(token, '/v2/devices?df=role%20%3D%20nonsense')).status, 400)
    const detail = (await (await call(token, '/v2/device/21')).json()) as Record<string, unknown>
    assert.equal(detail.systemName, 'NLA-MBP-07')
    const missing = await call(token, '/v2/device/999')
    assert.equal(missing.status, 404)
    assert.equal(((await missing.json()) as {resultCode: string}).resultCode, 'FAILURE')
    const alerts = (await (await call(token, '/v2/alerts?df=org%20%3D%201')).json()) as Array<{deviceId: number}>
    assert.deepEqual(alerts.map((alert) => alert.deviceId), [11, 13])
    assert.equal(((await (await call(token, '/v2/device/21/alerts')).json()) as unknown[]).length, 1)
  })

  it('runs a script as documented (204), shows it among the device jobs until it completes, and refuses malformed runs', async () => {
    ninja = await startNinjaOneEmulator()
    const token = await signIn()
    const run = await postJson(token, '/v2/device/11/script/run', {id: 101, parameters: '-Force', runAs: 'system', type: 'SCRIPT'})
    assert.equal(run.status, 204)
    const statuses: string[] = []
    for (let read = 0; read < 5; read++) {
      const jobs = (await (await call(token, '/v2/device/11/jobs')).json()) as Array<{jobStatus: string}>
      statuses.push(jobs.map((job) => job.jobStatus).join(',') || '(none)')
    }
    assert.deepEqual(statuses, ['START_REQUESTED', 'STARTED', 'IN_PROCESS', 'COMPLETED', '(none)'])
    const malformed: Array<[unknown, number]> = [
      [{id: 101, runAs: 'system', type: 'POWERSHELL'}, 400],
      [{runAs: 'system', type: 'SCRIPT'}, 400],
      [{id: 101, runAs: 'root', type: 'SCRIPT'}, 400],
      [{id: 999, runAs: 'system', type: 'SCRIPT'}, 404],
      [{runAs: 'system', type: 'ACTION', uid: 'nope'}, 404],
    ]
    for (const [body, status] of malformed) assert.equal((await postJson(token, '/v2/device/11/script/run', body)).status, status, JSON.stringify(body))
    const form = await call(token, '/v2/device/11/script/run', {body: 'id=101&type=SCRIPT&runAs=system', headers: {'content-type': 'application/x-www-form-urlencoded'}, method: 'POST'})
    assert.equal(form.status, 415)
    assert.equal((await postJson(token, '/v2/device/13/script/run', {id: 101, runAs: 'system', type: 'SCRIPT'})).status, 400, 'offline device')
  })

  it('reboots with a documented mode and refuses an unknown one', async () => {
    ninja = await startNinjaOneEmulator()
    const token = await signIn()
    assert.equal((await postJson(token, '/v2/device/12/reboot/FORCED', {reason: 'Windows updates'})).status, 204)
    assert.equal((await postJson(token, '/v2/device/12/reboot/SOFT', {reason: 'x'})).status, 400)
    assert.deepEqual(ninja.requests.at(-2)?.body, {reason: 'Windows updates'})
  })

  it('creates a ticket with its required fields and takes a comment only as the multipart `comment` part', async () => {
    ninja = await startNinjaOneEmulator()
    const token = await signIn()
    assert.equal((await postJson(token, '/v2/ticketing/ticket', {clientId: 1, subject: 'Printer jam'})).status, 400)
    const created = await postJson(token, '/v2/ticketing/ticket', {clientId: 1, description: {body: 'Tray 2', public: true}, status: '1000', subject: 'Printer jam', ticketFormId: 1})
    assert.equal(created.status, 200)
    const ticket = (await created.json()) as {id: number; subject: string}
    assert.equal(ticket.subject, 'Printer jam')

    const form = new FormData()
    form.set('comment', JSON.stringify({body: 'Cleared the jam', public: false}))
    assert.equal((await call(token, `/v2/ticketing/ticket/${ticket.id}/comment`, {body: form, method: 'POST'})).status, 204)
    assert.deepEqual(ninja.tickets.get(ticket.id)?.comments, [{body: 'Cleared the jam', public: false}])

    assert.equal((await postJson(token, `/v2/ticketing/ticket/${ticket.id}/comment`, {body: 'x', public: true})).status, 415, 'JSON body')
    const noPublic = new FormData()
    noPublic.set('comment', JSON.stringify({body: 'x'}))
    assert.equal((await call(token, `/v2/ticketing/ticket/${ticket.id}/comment`, {body: noPublic, method: 'POST'})).status, 400)
    assert.equal((await call(token, '/v2/ticketing/ticket/424242/comment', {body: form, method: 'POST'})).status, 404)
  })

  it('answers 429 with Retry-After on demand, then serves again', async () => {
    ninja = await startNinjaOneEmulator()
    const token = await signIn()
    ninja.rateLimitNext(2, 7)
    for (let attempt = 0; attempt < 2; attempt++) {
      const limited = await call(token, '/v2/organizations')
      assert.equal(limited.status, 429)
      assert.equal(limited.headers.get('retry-after'), '7')
    }
    assert.equal((await call(token, '/v2/organizations')).status, 200)
  })
})
