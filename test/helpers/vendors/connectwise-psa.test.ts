// Guards the ConnectWise PSA emulator's fidelity: with plain fetch, the documented requests are answered in the vendor's
// shapes and the malformed ones are refused the way ConnectWise refuses them (reference §1).
import assert from 'node:assert/strict'

import {type ConnectWiseEmulator, startConnectWiseEmulator} from './connectwise-psa.js'

describe('vendor emulator: ConnectWise PSA', function () {
  let cw: ConnectWiseEmulator
  let basic: string

  const call = (path: string, init: RequestInit & {headers?: Record<string, string>} = {}) =>
    fetch(`${cw.apiBase}${path}`, {
      ...init,
      headers: {authorization: basic, clientId: cw.credentials.clientId, ...init.headers},
    })
  const send = (method: string, path: string, body: unknown) =>
    call(path, {body: JSON.stringify(body), headers: {'content-type': 'application/json'}, method})

  beforeEach(async () => {
    cw = await startConnectWiseEmulator()
    const {company, privateKey, publicKey} = cw.credentials
    basic = `Basic ${Buffer.from(`${company}+${publicKey}:${privateKey}`).toString('base64')}`
  })
  afterEach(() => cw.close())

  it('announces the codebase at /login/companyinfo/{company} without credentials, and null for an unknown company', async () => {
    const info = await (await fetch(`${cw.origin}/login/companyinfo/${cw.credentials.company.toUpperCase()}`)).json()
    assert.equal(info.Codebase, 'v4_6_release/')
    assert.equal(`${cw.origin}/${info.Codebase}apis/3.0`, cw.apiBase)
    const unknown = await fetch(`${cw.origin}/login/companyinfo/nobody`)
    assert.equal(unknown.status, 200)
    assert.equal(await unknown.json(), null)
  })

  it('answers the verification request with Basic company+public:private and the clientId header', async () => {
    const response = await call('/system/info')
    assert.equal(response.status, 200)
    assert.match((await response.json()).version, /^v\d{4}\./)
    const recorded = cw.requests.at(-1)
    assert.equal(recorded?.pathname, '/v4_6_release/apis/3.0/system/info')
    assert.equal(recorded?.headers.clientid, cw.credentials.clientId)
  })

  it('refuses wrong keys, a missing Authorization, a missing clientId header and another codebase', async () => {
    const {company, publicKey} = cw.credentials
    const wrong = await call('/system/info', {headers: {authorization: `Basic ${Buffer.from(`${company}+${publicKey}:nope`).toString('base64')}`}})
    assert.equal(wrong.status, 401)
    assert.deepEqual(await wrong.json(), {code: 'ConnectWiseApi', message: 'UserNotAuthenticated'})
    // public:private without the company prefix is the classic mistake.
    const noCompany = await call('/system/info', {headers: {authorization: `Basic ${Buffer.from(`${publicKey}:${cw.credentials.privateKey}`).toString('base64')}`}})
    assert.equal(noCompany.status, 401)
    const bare = await fetch(`${cw.apiBase}/system/info`, {headers: {clientId: cw.credentials.clientId}})
    assert.equal(bare.status, 401)
    assert.equal((await bare.json()).code, 'Unauthorized')
    const noClientId = await fetch(`${cw.apiBase}/system/info`, {headers: {authorization: basic}})
    assert.equal(noClientId.status, 401)
    assert.match((await noClientId.json()).message, /clientId/)
    const otherCodebase = await fetch(`${cw.origin}/v2017_3/apis/3.0/system/info`, {headers: {authorization: basic, clientId: cw.credentials.clientId}})
    assert.equal(otherCodebase.status, 404)
  })

  it('lists tickets as a bare array filtered by conditions and paged with a Link header', async () => {
    const filtered = await (await call(`/service/tickets?conditions=${encodeURIComponent('board/id=1 and status/id=505')}`)).json()
    assert.ok(Array.isArray(filtered) && filtered.length > 0)
    assert.ok(filtered.every((ticket: {board: {id: number}; status: {id: number}}) => ticket.board.id === 1 && ticket.status.id === 505))
    const like = await (await call(`/service/tickets?conditions=${encodeURIComponent('summary like "Printer%" or summary contains "ticket 3"')}`)).json()
    assert.deepEqual(like.map((ticket: {id: number}) => ticket.id), [1001, 1003, 1030])

    const first = await call('/service/tickets?pageSize=10&page=1&fields=id,summary,board/name')
    const rows = await first.json()
    assert.equal(rows.length, 10)
    assert.deepEqual(Object.keys(rows[0]).sort(), ['board', 'id', 'summary'])
    const link = first.headers.get('link') ?? ''
    assert.match(link, /rel="next"/)
    assert.match(link, /rel="last"/)
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? ''
    assert.equal(new URL(next).searchParams.get('page'), '2')
    const second = await call(next.slice(cw.apiBase.length))
    assert.equal((await second.json())[0].id, 1011)
    assert.match(second.headers.get('link') ?? '', /rel="prev"/)
    const last = await call('/service/tickets?pageSize=10&page=3')
    assert.doesNotMatch(last.headers.get('link') ?? '', /rel="next"/)
    assert.equal((await (await call('/service/tickets/count')).json()).count, 30)

    const broken = await call(`/service/tickets?conditions=${encodeURIComponent('board/id = and')}`)
    assert.equal(broken.status, 400)
    assert.equal((await broken.json()).code, 'InvalidObject')
  })

  it('pages forward-only with pageId when asked', async () => {
    const page = await call('/service/tickets?pageSize=25', {headers: {'pagination-type': 'forward-only'}})
    const rows = await page.json()
    const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1] ?? ''
    assert.equal(new URL(next).searchParams.get('pageId'), String(rows.at(-1).id))
    const rest = await (await call(next.slice(cw.apiBase.length), {headers: {'pagination-type': 'forward-only'}})).json()
    assert.equal(rest.length, 5)
  })

  it('gets one ticket as the bare object and 404s an unknown one in the error shape', async () => {
    assert.equal((await (await call('/service/tickets/1001')).json()).summary, 'Printer offline in reception')
    const missing = await call('/service/tickets/99')
    assert.equal(missing.status, 404)
    assert.equal((await missing.json()).code, 'NotFound')
  })

  it('creates a ticket with summary, board and company, and refuses a missing field or a non-JSON body', async () => {
    const created = await send('POST', '/service/tickets', {board: {id: 1}, company: {id: 251}, summary: 'VPN down'})
    assert.equal(created.status, 201)
    const ticket = await created.json()
    assert.equal(ticket.company.identifier, 'Globex')
    assert.ok(cw.data.tickets.some((row) => row.id === ticket.id))
    assert.deepEqual(cw.requests.at(-1)?.body, {board: {id: 1}, company: {id: 251}, summary: 'VPN down'})

    const invalid = await send('POST', '/service/tickets', {board: {id: 1}, summary: 'No company'})
    assert.equal(invalid.status, 400)
    const error = await invalid.json()
    assert.equal(error.code, 'InvalidObject')
    assert.deepEqual(error.errors.map((entry: {field: string}) => entry.field), ['company'])

    const form = await call('/service/tickets', {body: 'summary=x', headers: {'content-type': 'application/x-www-form-urlencoded'}, method: 'POST'})
    assert.equal(form.status, 415)
  })

  it('updates a ticket with a JSON-Patch array and refuses a plain object', async () => {
    const patched = await send('PATCH', '/service/tickets/1002', [{op: 'replace', path: 'status', value: {id: 507}}])
    assert.equal(patched.status, 200)
    assert.deepEqual((await patched.json()).status, {id: 507})
    const plain = await send('PATCH', '/service/tickets/1002', {status: {id: 506}})
    assert.equal(plain.status, 400)
    assert.match((await plain.json()).message, /JSON-Patch array/)
  })

  it('adds and lists ticket notes', async () => {
    const added = await send('POST', '/service/tickets/1003/notes', {internalAnalysisFlag: true, text: 'Rebooted the switch'})
    assert.equal(added.status, 201)
    assert.equal((await added.json()).ticketId, 1003)
    const notes = await (await call('/service/tickets/1003/notes')).json()
    assert.deepEqual(notes.map((note: {text: string}) => note.text), ['Rebooted the switch'])
    assert.equal((await send('POST', '/service/tickets/1003/notes', {internalAnalysisFlag: true})).status, 400)
    assert.equal((await send('POST', '/service/tickets/4242/notes', {text: 'x'})).status, 404)
  })

  it('searches companies, lists configurations and logs time', async () => {
    const companies = await (await call(`/company/companies?conditions=${encodeURIComponent('name contains "globex"')}`)).json()
    assert.deepEqual(companies.map((company: {identifier: string}) => company.identifier), ['Globex'])
    const configurations = await (await call(`/company/configurations?conditions=${encodeURIComponent('company/id=250')}`)).json()
    assert.equal(configurations.length, 2)

    const time = await send('POST', '/time/entries', {actualHours: 0.5, chargeToId: 1001, chargeToType: 'ServiceTicket', timeStart: '2026-01-05T09:00:00Z'})
    assert.equal(time.status, 201)
    assert.equal(cw.data.timeEntries.length, 1)
    assert.equal((await send('POST', '/time/entries', {actualHours: 1})).status, 400)
    assert.equal((await send('POST', '/time/entries', {chargeToId: 5, chargeToType: 'ServiceTicket', timeStart: '2026-01-05T09:00:00Z'})).status, 400)
  })

  it('answers 429 with Retry-After for the next N requests when told to, then recovers', async () => {
    cw.rateLimitNext(2, 3)
    const first = await call('/system/info')
    assert.equal(first.status, 429)
    assert.equal(first.headers.get('retry-after'), '3')
    assert.equal((await call('/system/info')).status, 429)
    assert.equal((await call('/system/info')).status, 200)
  })
})
