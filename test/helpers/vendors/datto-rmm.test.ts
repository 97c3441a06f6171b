// The Datto RMM emulator accepts Datto's documented requests and refuses malformed ones, so app tests against it mean something.
import assert from 'node:assert/strict'

import {type DattoCredentials, type DattoEmulator, startDattoRmmEmulator} from './datto-rmm.js'

const PUBLIC_CLIENT = `Basic ${Buffer.from('public-client:public').toString('base64')}`

describe('Datto RMM emulator', () => {
  let datto: DattoEmulator
  afterEach(async () => datto?.close())

  const tokenRequest = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${datto.origin}/auth/oauth/token`, {
      body: new URLSearchParams(fields).toString(),
      headers: {authorization: PUBLIC_CLIENT, 'content-type': 'application/x-www-form-urlencoded', ...headers},
      method: 'POST',
    })

  const passwordGrant = ({apiKey, apiSecret}: DattoCredentials) => ({grant_type: 'password', password: apiSecret, username: apiKey})

  const signIn = async () => {
    const response = await tokenRequest(passwordGrant(datto.credentials))
    assert.equal(response.status, 200)
    return ((await response.json()) as {access_token: string}).access_token
  }

  const call = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${datto.origin}${path}`, {...init, headers: {authorization: `Bearer ${token}`, ...init.headers}})

  const quickJob = (token: string, deviceUid: string, body: unknown) =>
    call(token, `/api/v2/device/${deviceUid}/quickjob`, {body: JSON.stringify(body), headers: {'content-type': 'application/json'}, method: 'PUT'})

  it('issues a 100-hour token for the public-client password grant and serves the verification request on 127.0.0.1', async () => {
    datto = await startDattoRmmEmulator()
    assert.match(datto.origin, /^https:\/\/127\.0\.0\.1:\d+$/)
    const response = await tokenRequest(passwordGrant(datto.credentials))
    const token = (await response.json()) as {access_token: string; expires_in: number; token_type: string}
    assert.equal(token.expires_in, 360_000)
    assert.equal(token.token_type, 'bearer')
    const account = await call(token.access_token, '/api/v2/account')
    assert.equal(account.status, 200)
    assert.equal(((await account.json()) as {uid: string}).uid, 'a7c1e0b2')
    assert.deepEqual(datto.requests[0].body, passwordGrant(datto.credentials))
    assert.equal(datto.requests[0].headers.authorization, PUBLIC_CLIENT)
  })

  it('refuses token requests that differ from the documented grant, and a key from another platform like a wrong one', async () => {
    datto = await startDattoRmmEmulator()
    const good = passwordGrant(datto.credentials)
    const cases: Array<[string, Promise<Response>, number, string]> = [
      ['no Basic client', tokenRequest(good, {authorization: ''}), 401, 'unauthorized'],
      ['another Basic client', tokenRequest(good, {authorization: `Basic ${Buffer.from('public-client:secret').toString('base64')}`}), 401, 'unauthorized'],
      ['client credentials grant', tokenRequest({...good, grant_type: 'client_credentials'}), 400, 'unsupported_grant_type'],
      ['wrong secret', tokenRequest({...good, password: 'nope'}), 401, 'invalid_grant'],
      ['key of another platform', tokenRequest(passwordGrant(datto.otherPlatformCredentials)), 401, 'invalid_grant'],
      [
        'JSON body',
        fetch(`${datto.origin}/auth/oauth/token`, {body: JSON.stringify(good), headers: {authorization: PUBLIC_CLIENT, 'content-type': 'application/json'}, method: 'POST'}),
        400,
        'invalid_request',
      ],
    ]
    for (const [title, pending, status, code] of cases) {
      const response = await pending
      assert.equal(response.status, status, title)
      assert.equal(((await response.json()) as {error: string}).error, code, title)
    }
    assert.equal(datto.tokensIssued, 0)
  })

  it('refuses a sign-in while API access is disabled in Global Settings', async () => {
    datto = await startDattoRmmEmulator({apiAccessEnabled: false})
    const refused = await tokenRequest(passwordGrant(datto.credentials))
    assert.equal(refused.status, 403)
    assert.equal(((await refused.json()) as {error: string}).error, 'access_denied')
    datto.apiAccessEnabled = true
    await signIn()
  })

  it('answers 401 with the spec error body once tokens expire', async () => {
    datto = await startDattoRmmEmulator()
    const token = await signIn()
    datto.expireTokens()
    const expired = await call(token, '/api/v2/account/components')
    assert.equal(expired.status, 401)
    assert.deepEqual({...((await expired.json()) as object), timestamp: 0}, {error: 'Unauthorized', path: '/v2/account/components', status: 401, timestamp: 0})
    assert.equal((await call(await signIn(), '/api/v2/account/components')).status, 200)
  })

  it('pages lists with page and max until nextPageUrl is null, and filters like the spec', async () => {
    datto = await startDattoRmmEmulator()
    const token = await signIn()
    const first = (await (await call(token, '/api/v2/account/devices?max=4&page=0')).json()) as {devices: Array<{uid: string}>; pageDetails: Record<string, unknown>}
    assert.equal(first.devices.length, 4)
    assert.deepEqual({...first.pageDetails, nextPageUrl: typeof first.pageDetails.nextPageUrl}, {count: 4, nextPageUrl: 'string', prevPageUrl: null, totalCount: 6})
    const next = new URL(first.pageDetails.nextPageUrl as string)
    assert.equal(next.origin, datto.origin)
    const second = (await (await call(token, next.pathname + next.search)).json()) as {devices: unknown[]; pageDetails: {nextPageUrl: unknown}}
    assert.equal(second.devices.length, 2)
    assert.equal(second.pageDetails.nextPageUrl, null)
    const servers = (await (await call(token, '/api/v2/account/devices?deviceType=serv')).json()) as {devices: Array<{hostname: string}>}
    assert.deepEqual(servers.devices.map((d) => d.hostname), ['HDG-DC01', 'OPL-FS01'])
    const sites = (await (await call(token, '/api/v2/account/sites?siteName=north')).json()) as {sites: Array<{name: string}>}
    assert.deepEqual(sites.sites.map((s) => s.name), ['Northline Architecture'])
    assert.equal((await call(token, '/api/v2/account/devices?page=first')).status, 400)
    assert.equal((await call(token, '/api/v2/device/dev-9001-hdg-dc01')).status, 200)
    assert.equal((await call(token, '/api/v2/device/nope')).status, 404)
    const software = (await (await call(token, '/api/v2/audit/device/dev-9001-hdg-dc01/software')).json()) as {software: unknown[]}
    assert.equal(software.software.length, 3)
  })

  it('resolves an open alert, which then leaves the open list', async () => {
    datto = await startDattoRmmEmulator()
    const token = await signIn()
    const open = async () => ((await (await call(token, '/api/v2/account/alerts/open?max=250&page=0')).json()) as {alerts: Array<{alertUid: string}>}).alerts.map((a) => a.alertUid)
    assert.deepEqual(await open(), ['alert-7f01', 'alert-7f02', 'alert-7f03', 'alert-7f04'])
    const resolved = await call(token, '/api/v2/alert/alert-7f02/resolve', {method: 'POST'})
    assert.equal(resolved.status, 200)
    assert.deepEqual(await open(), ['alert-7f01', 'alert-7f03', 'alert-7f04'])
    assert.equal((await call(token, '/api/v2/alert/alert-nope/resolve', {method: 'POST'})).status, 404)
    assert.equal((await call(token, '/api/v2/alert/alert-7f01/resolve')).status, 404, 'GET is not the resolve method')
  })

  it('starts a quick job with a PUT, returns its uid, moves it from active to completed, and refuses malformed jobs', async () => {
    datto = await startDattoRmmEmulator()
    const token = await signIn()
    const started = await quickJob(token, 'dev-9002-hdg-frontdesk', {jobComponent: {componentUid: 'comp-51-cleartemp', variables: [{name: 'days', value: '14'}]}, jobName: 'Clear temp'})
    assert.equal(started.status, 200)
    const {job} = (await started.json()) as {job: {status: string; uid: string}}
    assert.equal(job.status, 'active')
    const statuses = []
    for (let read = 0; read < 4; read++) statuses.push(((await (await call(token, `/api/v2/job/${job.uid}`)).json()) as {status: string}).status)
    assert.deepEqual(statuses, ['active', 'active', 'completed', 'completed'])
    const malformed: Array<[unknown, number]> = [
      [{jobComponent: {componentUid: 'comp-51-cleartemp'}}, 400],
      [{jobComponent: {componentUid: 'comp-99'}, jobName: 'x'}, 404],
      [{jobComponent: {componentUid: 'comp-51-cleartemp', variables: [{name: 'hours', value: '1'}]}, jobName: 'x'}, 400],
      [{jobComponent: {componentUid: 'comp-51-cleartemp', variables: {days: '1'}}, jobName: 'x'}, 400],
    ]
    for (const [body, status] of malformed) assert.equal((await quickJob(token, 'dev-9002-hdg-frontdesk', body)).status, status, JSON.stringify(body))
    const post = await call(token, '/api/v2/device/dev-9002-hdg-frontdesk/quickjob', {body: '{}', headers: {'content-type': 'application/json'}, method: 'POST'})
    assert.equal(post.status, 404, 'quick jobs are PUT')
    assert.equal((await call(token, '/api/v2/job/nope')).status, 404)
  })

  it('counts requests across the account and answers 429 with Retry-After past the limit', async () => {
    datto = await startDattoRmmEmulator({accountLimit: {requests: 3, windowSeconds: 60}})
    const token = await signIn()
    const other = await signIn()
    assert.equal((await call(token, '/api/v2/account')).status, 200)
    const over = await call(other, '/api/v2/account')
    assert.equal(over.status, 429, 'the two tokens share the account limit (two sign-ins and one call used it up)')
    assert.ok(Number(over.headers.get('retry-after')) >= 1)
    assert.equal(((await over.json()) as {status: number}).status, 429)
  })

  it('answers 429 on demand, and the lasting edge 403 until it is lifted', async () => {
    datto = await startDattoRmmEmulator()
    const token = await signIn()
    datto.rateLimitNext(1, 30)
    const limited = await call(token, '/api/v2/account')
    assert.equal(limited.status, 429)
    assert.equal(limited.headers.get('retry-after'), '30')
    datto.blockAtEdge()
    for (const path of ['/api/v2/account', '/api/v2/account/sites']) {
      const blocked = await call(token, path)
      assert.equal(blocked.status, 403)
      assert.match(await blocked.text(), /<h1>403 Forbidden<\/h1>/)
    }
    assert.equal((await tokenRequest(passwordGrant(datto.credentials))).status, 403)
    datto.unblockEdge()
    assert.equal((await call(token, '/api/v2/account')).status, 200)
  })
})
