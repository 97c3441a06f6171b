// The ConnectWise RMM emulator accepts the documented requests and refuses malformed ones, so app tests against it mean something.
import assert from 'node:assert/strict'

import {type CwRmmEmulator, startConnectWiseRmmEmulator} from './connectwise-rmm.js'

const READ = 'platform.companies.read platform.sites.read platform.devices.read'
const SCRIPT = '51a74346-e19b-11e7-9809-0800279505d9'

describe('ConnectWise RMM emulator', () => {
  let cw: CwRmmEmulator
  afterEach(async () => cw?.close())

  const tokenRequest = (body: unknown, contentType = 'application/json') =>
    fetch(`${cw.origin}/v1/token`, {
      body: contentType === 'application/json' ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString(),
      headers: {'content-type': contentType},
      method: 'POST',
    })

  const grant = (scope = `${READ} platform.automation.create`) => ({
    client_id: cw.credentials.clientId,
    client_secret: cw.credentials.clientSecret,
    grant_type: 'client_credentials',
    scope,
  })

  const signIn = async (scope?: string) => {
    const response = await tokenRequest(grant(scope))
    assert.equal(response.status, 200)
    return ((await response.json()) as {access_token: string}).access_token
  }

  const call = (token: string, path: string, init: RequestInit = {}) => fetch(`${cw.origin}${path}`, {...init, headers: {authorization: `Bearer ${token}`, ...init.headers}})

  const schedule = (token: string, body: unknown) =>
    call(token, '/api/platform/v2/automation/endpoints/schedule-tasks', {body: JSON.stringify(body), headers: {'content-type': 'application/json'}, method: 'POST'})

  it('issues a token for the JSON client-credentials body and serves the verification request on 127.0.0.1', async () => {
    cw = await startConnectWiseRmmEmulator()
    assert.match(cw.origin, /^https:\/\/127\.0\.0\.1:\d+$/)
    const token = await signIn(READ)
    const companies = await call(token, '/api/platform/v1/company/companies')
    assert.equal(companies.status, 200)
    assert.equal(((await companies.json()) as unknown[]).length, 3)
    assert.deepEqual(cw.requests[0].body, grant(READ))
  })

  it('refuses token requests that differ from the documented JSON body', async () => {
    cw = await startConnectWiseRmmEmulator({scopes: ['platform.companies.read']})
    const cases: Array<[string, Promise<Response>, number]> = [
      ['form body', tokenRequest(grant('platform.companies.read'), 'application/x-www-form-urlencoded'), 400],
      ['wrong secret', tokenRequest({...grant('platform.companies.read'), client_secret: 'nope'}), 401],
      ['password grant', tokenRequest({...grant('platform.companies.read'), grant_type: 'password'}), 400],
      ['no scope', tokenRequest({...grant(), scope: undefined}), 400],
      ['scope not picked for the key', tokenRequest(grant('platform.companies.read platform.automation.create')), 400],
    ]
    for (const [title, pending, status] of cases) assert.equal((await pending).status, status, title)
    assert.equal(cw.tokensIssued, 0)
  })

  it('answers 423 for a locked key, and locks it after too many sign-ins', async () => {
    cw = await startConnectWiseRmmEmulator({signInLimit: 2})
    await signIn()
    assert.equal((await tokenRequest({...grant(), client_secret: 'typo'})).status, 401)
    const locked = await tokenRequest(grant())
    assert.equal(locked.status, 423)
    assert.match(((await locked.json()) as {message: string}).message, /locked/)
    cw.unlockKey()
    await signIn()
    cw.lockKey()
    assert.equal((await tokenRequest(grant())).status, 423)
  })

  it('answers 401 once tokens expire and 403 for a scope the token lacks', async () => {
    cw = await startConnectWiseRmmEmulator()
    const token = await signIn('platform.companies.read')
    assert.equal((await call(token, '/api/platform/v1/device/endpoints')).status, 403)
    cw.expireTokens()
    assert.equal((await call(token, '/api/platform/v1/company/companies')).status, 401)
  })

  it('lists sites per company and endpoints in {endpoints} pages, with 404 for none or past the last page', async () => {
    cw = await startConnectWiseRmmEmulator()
    const token = await signIn()
    const [harbor, northline, old] = (await (await call(token, '/api/platform/v1/company/companies')).json()) as Array<{id: string}>
    const sites = (await (await call(token, `/api/platform/v1/company/companies/${harbor.id}/sites`)).json()) as Array<{name: string}>
    assert.deepEqual(sites.map((site) => site.name), ['Main office', 'Imaging suite'])
    const first = await call(token, '/api/platform/v1/device/endpoints?limit=3')
    assert.equal(((await first.json()) as {endpoints: unknown[]}).endpoints.length, 3)
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1]
    assert.ok(next)
    const second = await call(token, new URL(next).pathname + new URL(next).search)
    assert.equal(((await second.json()) as {endpoints: unknown[]}).endpoints.length, 2)
    assert.equal(second.headers.get('link'), null)
    const byClient = (await (await call(token, `/api/platform/v1/device/clients/${northline.id}/endpoints`)).json()) as {endpoints: Array<{friendlyName: string}>}
    assert.deepEqual(byClient.endpoints.map((endpoint) => endpoint.friendlyName), ['NLA-WS-04', 'NLA-WS-05'])
    assert.equal((await call(token, `/api/platform/v1/device/endpoints?clientId=${old.id}`)).status, 404, 'a company without devices')
    const one = (await (await call(token, '/api/platform/v1/device/endpoints/e0e0e0e0-0000-4000-8000-000000000001')).json()) as {friendlyName: string}
    assert.equal(one.friendlyName, 'HDG-DC01')
    assert.equal((await call(token, '/api/platform/v1/device/endpoints/nope')).status, 404)
  })

  it('schedules a script to run now and returns the task id, refusing malformed tasks', async () => {
    cw = await startConnectWiseRmmEmulator()
    const token = await signIn()
    const good = {
      name: 'Clear temp files',
      schedule: {regularity: 'RunNow'},
      targets: ['e0e0e0e0-0000-4000-8000-000000000002'],
      targetType: 'MANAGED_ENDPOINT',
      templateID: SCRIPT,
      templateType: 'script',
    }
    const created = await schedule(token, good)
    assert.equal(created.status, 201)
    const {taskId} = (await created.json()) as {taskId: string}
    assert.equal(cw.scheduledTasks[0].taskId, taskId)
    const malformed: unknown[] = [
      {...good, templateID: 'nope'},
      {...good, templateType: 'policy'},
      {...good, targets: []},
      {...good, targets: ['nope']},
      {...good, targetType: 'SITE'},
      {...good, schedule: {regularity: 'Immediate'}},
    ]
    for (const body of malformed) assert.equal((await schedule(token, body)).status, 400, JSON.stringify(body))
    const readOnly = await signIn(READ)
    assert.equal((await schedule(readOnly, good)).status, 403)
  })

  it('answers 429 with Retry-After on demand', async () => {
    cw = await startConnectWiseRmmEmulator()
    const token = await signIn()
    cw.rateLimitNext(1, 3)
    const limited = await call(token, '/api/platform/v1/company/companies')
    assert.equal(limited.status, 429)
    assert.equal(limited.headers.get('retry-after'), '3')
  })
})
