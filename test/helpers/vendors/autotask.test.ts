// Guards the Autotask emulator's fidelity: with plain fetch, zone discovery, the three credential headers and the
// documented entity requests work, and the malformed ones are refused the way Autotask refuses them (reference §3).
import assert from 'node:assert/strict'

import {type AutotaskEmulator, startAutotaskEmulator} from './autotask.js'

describe('vendor emulator: Autotask', function () {
  let at: AutotaskEmulator
  let headers: Record<string, string>

  const call = (path: string, init: RequestInit & {headers?: Record<string, string>} = {}) =>
    fetch(`${at.zoneUrl}V1.0${path}`, {...init, headers: {...headers, ...init.headers}})
  const send = (method: string, path: string, body: unknown) =>
    call(path, {body: JSON.stringify(body), headers: {'content-type': 'application/json'}, method})

  beforeEach(async () => {
    at = await startAutotaskEmulator()
    headers = {ApiIntegrationCode: at.credentials.integrationCode, Secret: at.credentials.secret, UserName: at.credentials.username}
  })
  afterEach(() => at.close())

  it('finds the zone from the username without credentials, and 500s an unknown user', async () => {
    const zone = await (await fetch(`${at.origin}/atservicesrest/V1.0/ZoneInformation?user=${encodeURIComponent(at.credentials.username)}`)).json()
    assert.equal(zone.url, at.zoneUrl)
    assert.deepEqual(Object.keys(zone).sort(), ['ci', 'url', 'webUrl', 'zoneName'])
    const unknown = await fetch(`${at.origin}/atservicesrest/V1.0/ZoneInformation?user=nobody%40example.com`)
    assert.equal(unknown.status, 500)
    assert.deepEqual(await unknown.json(), {errors: ['Zone information could not be determined']})
  })

  it('answers the verification request with the three headers in the right zone', async () => {
    const version = await call('/Version')
    assert.equal(version.status, 200)
    assert.deepEqual(Object.keys(await version.json()).sort(), ['build', 'customerType', 'majorVersion', 'minorVersion'])
    const recorded = at.requests.at(-1)
    assert.equal(recorded?.headers.apiintegrationcode, at.credentials.integrationCode)
    assert.equal(recorded?.pathname, '/ATServicesRest/V1.0/Version')
  })

  it('refuses a missing header, a wrong secret and the wrong zone with 401', async () => {
    for (const missing of ['ApiIntegrationCode', 'UserName', 'Secret']) {
      const partial = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== missing))
      assert.equal((await fetch(`${at.zoneUrl}V1.0/Version`, {headers: partial})).status, 401, `without ${missing}`)
    }
    assert.equal((await call('/Version', {headers: {Secret: 'nope'}})).status, 401)
    const otherZone = await fetch(`${at.origin}/ATServicesRest/V1.0/Version`, {headers})
    assert.equal(otherZone.status, 401)
  })

  it('queries tickets with filter bodies and pages with nextPageUrl', async () => {
    const active = await (await send('POST', '/Tickets/query', {filter: [{field: 'IsActive', op: 'eq', value: true}], MaxRecords: 5})).json()
    assert.equal(active.items.length, 5)
    assert.ok(active.items.every((ticket: {isActive: boolean}) => ticket.isActive))
    assert.equal(active.pageDetails.count, 5)
    assert.equal(active.pageDetails.requestCount, 5)
    const next = await (await fetch(active.pageDetails.nextPageUrl, {headers})).json()
    assert.equal(next.items.length, 3)
    assert.equal(next.pageDetails.nextPageUrl, null)
    assert.notEqual(next.pageDetails.prevPageUrl, null)

    const grouped = await (
      await send('POST', '/Tickets/query', {
        filter: [{items: [{field: 'title', op: 'contains', value: 'backup'}, {field: 'id', op: 'in', value: [7002, 7003]}], op: 'or'}],
        IncludeFields: ['title'],
      })
    ).json()
    assert.deepEqual(grouped.items, [{id: 7001, title: 'Server backup failed'}, {id: 7002, title: 'Ticket 2'}, {id: 7003, title: 'Ticket 3'}])

    assert.equal((await send('POST', '/Tickets/query', {MaxRecords: 5})).status, 500)
    const badOp = await send('POST', '/Tickets/query', {filter: [{field: 'id', op: 'like', value: 1}]})
    assert.equal(badOp.status, 500)
    assert.match((await badOp.json()).errors[0], /operator/)
    assert.equal((await send('POST', '/Tickets/query', {filter: [{field: 'id', op: 'exist'}], MaxRecords: 501})).status, 500)
  })

  it('gets one ticket as {item}, and {item: null} for an unknown id', async () => {
    assert.equal((await (await call('/Tickets/7001')).json()).item.title, 'Server backup failed')
    assert.deepEqual(await (await call('/Tickets/1')).json(), {item: null})
  })

  it('creates a ticket ({itemId}), refuses missing or null fields with 500, and needs a JSON body', async () => {
    const created = await send('POST', '/Tickets', {companyID: 29_683_501, priority: 2, QueueID: 29_682_833, status: 1, title: 'New laptop'})
    assert.equal(created.status, 200)
    const {itemId} = await created.json()
    assert.equal(at.data.Tickets.find((ticket) => ticket.id === itemId)?.queueID, 29_682_833)

    const missing = await send('POST', '/Tickets', {companyID: 29_683_501, title: 'No status'})
    assert.equal(missing.status, 500)
    assert.deepEqual((await missing.json()).errors, ['priority is required.', 'status is required.'])
    assert.equal((await send('POST', '/Tickets', {companyID: 29_683_501, priority: 2, queueID: null, status: 1, title: 'x'})).status, 500)
    assert.equal((await call('/Tickets', {body: 'title=x', headers: {'content-type': 'application/x-www-form-urlencoded'}, method: 'POST'})).status, 415)
  })

  it('updates a ticket with PATCH and the id in the body, not the path', async () => {
    const updated = await send('PATCH', '/Tickets', {id: 7002, status: 5})
    assert.deepEqual(await updated.json(), {itemId: 7002})
    assert.equal(at.data.Tickets.find((ticket) => ticket.id === 7002)?.status, 5)
    assert.equal((await send('PATCH', '/Tickets', {status: 5})).status, 500)
    assert.equal((await send('PATCH', '/Tickets/7002', {status: 5})).status, 404)
  })

  it('adds a note under the ticket (not at /TicketNotes), and lists notes by query', async () => {
    const added = await send('POST', '/Tickets/7003/Notes', {Description: 'Replaced the disk.', NoteType: 1, Publish: 1, Title: 'Fix'})
    assert.equal(added.status, 200)
    assert.equal((await send('POST', '/TicketNotes', {description: 'x', noteType: 1, publish: 1, ticketID: 7003, title: 'x'})).status, 404)
    assert.equal((await send('POST', '/Tickets/7003/Notes', {Title: 'No body'})).status, 500)
    const notes = await (await send('POST', '/TicketNotes/query', {filter: [{field: 'ticketID', op: 'eq', value: 7003}]})).json()
    assert.deepEqual(notes.items.map((note: {title: string}) => note.title), ['Fix'])
  })

  it('queries companies and configuration items, and logs time within 0 < hours ≤ 24', async () => {
    const companies = await (await send('POST', '/Companies/query', {filter: [{field: 'companyName', op: 'beginsWith', value: 'glob'}]})).json()
    assert.deepEqual(companies.items.map((company: {id: number}) => company.id), [29_683_501])
    const cis = await (await send('POST', '/ConfigurationItems/query', {filter: [{field: 'isActive', op: 'eq', value: true}]})).json()
    assert.equal(cis.items.length, 2)
    assert.equal((await send('POST', '/TimeEntries', {hoursWorked: 1.5, resourceID: 29_682_885, ticketID: 7001})).status, 200)
    assert.equal((await send('POST', '/TimeEntries', {hoursWorked: 25, ticketID: 7001})).status, 500)
    assert.equal((await send('POST', '/TimeEntries', {hoursWorked: 0, ticketID: 7001})).status, 500)
  })

  it('answers 429 with Retry-After for the next N requests when told to', async () => {
    at.rateLimitNext(1, 4)
    const limited = await call('/Version')
    assert.equal(limited.status, 429)
    assert.equal(limited.headers.get('retry-after'), '4')
    assert.ok(Array.isArray((await limited.json()).errors))
    assert.equal((await call('/Version')).status, 200)
  })
})
