// The N-central emulator accepts N-central's documented requests and refuses malformed ones, so app tests against it mean something.
import assert from 'node:assert/strict'

import {type NCentralEmulator, startNCentralEmulator} from './n-central.js'

interface TokenPair {
  tokens: {access: {expirySeconds: number; token: string}; refresh: {expirySeconds: number; token: string}}
}

describe('N-central emulator', () => {
  let nc: NCentralEmulator
  afterEach(async () => nc?.close())

  const authenticate = (jwt: string, headers: Record<string, string> = {}) =>
    fetch(`${nc.origin}/api/auth/authenticate`, {headers: {authorization: `Bearer ${jwt}`, ...headers}, method: 'POST'})

  const signIn = async () => {
    const response = await authenticate(nc.credentials.jwt)
    assert.equal(response.status, 200)
    return (await response.json()) as TokenPair
  }

  const refresh = (body: string, contentType = 'text/plain') =>
    fetch(`${nc.origin}/api/auth/refresh`, {body, headers: {'content-type': contentType}, method: 'POST'})

  const call = (token: string, path: string, init: RequestInit = {}) => fetch(`${nc.origin}${path}`, {...init, headers: {authorization: `Bearer ${token}`, ...init.headers}})

  const postJson = (token: string, path: string, body: unknown) =>
    call(token, path, {body: JSON.stringify(body), headers: {'content-type': 'application/json'}, method: 'POST'})

  it('exchanges the User-API JWT for a 1 h access and a 25 h refresh token and validates on 127.0.0.1', async () => {
    nc = await startNCentralEmulator()
    assert.match(nc.origin, /^https:\/\/127\.0\.0\.1:\d+$/)
    const {tokens} = await signIn()
    assert.equal(tokens.access.expirySeconds, 3600)
    assert.equal(tokens.refresh.expirySeconds, 90_000)
    const validate = await call(tokens.access.token, '/api/auth/validate')
    assert.equal(validate.status, 200)
    assert.equal(nc.requests[0].headers.authorization, `Bearer ${nc.credentials.jwt}`)
    assert.equal((await fetch(`${nc.origin}/api/health`)).status, 200)
  })

  it('refuses a wrong JWT, the JWT used as an access token, and a user with MFA on', async () => {
    nc = await startNCentralEmulator()
    assert.equal((await authenticate('not-the-jwt')).status, 401)
    assert.equal((await fetch(`${nc.origin}/api/auth/authenticate`, {method: 'POST'})).status, 401)
    assert.equal((await call(nc.credentials.jwt, '/api/devices')).status, 401, 'the JWT itself is not an access token')
    nc.mfaEnabled = true
    const mfa = await authenticate(nc.credentials.jwt)
    assert.equal(mfa.status, 403)
    assert.match(((await mfa.json()) as {message: string}).message, /multi-factor/)
    assert.equal(nc.tokensIssued, 0)
  })

  it('shortens lifetimes with the expiry-override headers', async () => {
    nc = await startNCentralEmulator()
    const short = (await (await authenticate(nc.credentials.jwt, {'x-access-expiry-override': '120s', 'x-refresh-expiry-override': '30m'})).json()) as TokenPair
    assert.equal(short.tokens.access.expirySeconds, 120)
    assert.equal(short.tokens.refresh.expirySeconds, 1800)
    assert.equal((await authenticate(nc.credentials.jwt, {'x-access-expiry-override': 'soon'})).status, 400)
  })

  it('refreshes with the refresh token as text/plain after the access token expires, and refuses other bodies', async () => {
    nc = await startNCentralEmulator()
    const {tokens} = await signIn()
    nc.expireTokens()
    assert.equal((await call(tokens.access.token, '/api/devices')).status, 401)
    assert.equal((await refresh(JSON.stringify({refreshToken: tokens.refresh.token}), 'application/json')).status, 415)
    assert.equal((await refresh(tokens.access.token)).status, 401, 'an access token is not a refresh token')
    const renewed = await refresh(tokens.refresh.token)
    assert.equal(renewed.status, 200)
    const next = (await renewed.json()) as TokenPair
    assert.equal((await call(next.tokens.access.token, '/api/devices')).status, 200)
    nc.expireRefreshTokens()
    assert.equal((await refresh(next.tokens.refresh.token)).status, 401, 'expired refresh: authenticate again')
  })

  it('pages devices, filters and active issues as {data, pageNumber, pageSize, totalItems, totalPages}', async () => {
    nc = await startNCentralEmulator()
    const token = (await signIn()).tokens.access.token
    const devices = (await (await call(token, '/api/devices?pageNumber=2&pageSize=2')).json()) as {data: Array<{longName: string}>} & Record<string, unknown>
    assert.deepEqual({...devices, data: devices.data.map((d) => d.longName)}, {data: ['HDG-XRAY', 'NLA-FS01'], pageNumber: 2, pageSize: 2, totalItems: 5, totalPages: 3})
    const servers = (await (await call(token, '/api/devices?filterId=501&sortBy=longName&sortOrder=desc')).json()) as {data: Array<{longName: string}>}
    assert.deepEqual(servers.data.map((d) => d.longName), ['NLA-FS01', 'HDG-DC01'])
    assert.equal((await call(token, '/api/devices?pageSize=1001')).status, 400)
    assert.equal((await call(token, '/api/devices?filterId=999')).status, 400)
    const one = (await (await call(token, '/api/devices/2000011')).json()) as {data: {customerName: string}}
    assert.equal(one.data.customerName, 'Northline Architecture')
    assert.equal((await call(token, '/api/devices/1')).status, 404)
    const filters = (await (await call(token, '/api/device-filters?viewScope=ALL')).json()) as {data: Array<{filterId: number}>}
    assert.deepEqual(filters.data.map((f) => f.filterId), [501, 502])
    assert.equal((await call(token, '/api/device-filters?viewScope=mine')).status, 400)
    const issues = async (orgUnit: number) => ((await (await call(token, `/api/org-units/${orgUnit}/active-issues`)).json()) as {data: unknown[]}).data.length
    assert.deepEqual([await issues(50), await issues(100), await issues(1011)], [3, 2, 1])
    assert.equal((await call(token, '/api/org-units/77/active-issues')).status, 404)
    assert.equal((await call(token, '/api/active-issues')).status, 404, 'there is no global route')
  })

  it('starts a direct task with 201 {data: {taskId}}, reports Queued, Running, Completed, and refuses malformed tasks', async () => {
    nc = await startNCentralEmulator()
    const token = (await signIn()).tokens.access.token
    const good = {credential: {type: 'LocalSystem'}, customerId: 100, deviceId: 2_000_001, itemId: 77, name: 'Clear temp', parameters: [{name: 'days', value: '7'}], taskType: 'Script'}
    const created = await postJson(token, '/api/scheduled-tasks/direct', good)
    assert.equal(created.status, 201)
    const {taskId} = ((await created.json()) as {data: {taskId: number}}).data
    const statuses = []
    for (let read = 0; read < 3; read++) statuses.push(((await (await call(token, `/api/scheduled-tasks/${taskId}/status`)).json()) as {data: {status: string}}).data.status)
    assert.deepEqual(statuses, ['Queued', 'Running', 'Completed'])
    const malformed: unknown[] = [
      {...good, taskType: 'PowerShell'},
      {...good, customerId: 101},
      {...good, deviceId: 1},
      {...good, itemId: 'clear-temp'},
      {...good, name: undefined},
      {...good, credential: 'LocalSystem'},
    ]
    for (const body of malformed) assert.equal((await postJson(token, '/api/scheduled-tasks/direct', body)).status, 400, JSON.stringify(body))
    assert.equal((await call(token, '/api/scheduled-tasks/1/status')).status, 404)
  })

  it('creates a customer under a service organization and refuses one without a name', async () => {
    nc = await startNCentralEmulator()
    const token = (await signIn()).tokens.access.token
    const created = await postJson(token, '/api/service-orgs/50/customers', {contactEmail: 'it@newco.example', customerName: 'NewCo', licenseType: 'Professional'})
    assert.equal(created.status, 201)
    assert.equal(((await created.json()) as {data: {customerId: number}}).data.customerId, 200)
    assert.equal((await postJson(token, '/api/service-orgs/50/customers', {contactEmail: 'x'})).status, 400)
    assert.equal((await postJson(token, '/api/service-orgs/50/customers', {customerName: 'X', licenseType: 'Gold'})).status, 400)
    assert.equal((await postJson(token, '/api/service-orgs/51/customers', {customerName: 'X'})).status, 404)
  })

  it('answers 429 with Retry-After on demand', async () => {
    nc = await startNCentralEmulator()
    const token = (await signIn()).tokens.access.token
    nc.rateLimitNext(1, 2)
    const limited = await call(token, '/api/devices')
    assert.equal(limited.status, 429)
    assert.equal(limited.headers.get('retry-after'), '2')
  })
})
