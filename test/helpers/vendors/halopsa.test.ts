// Guards the HaloPSA emulator's fidelity: with plain fetch, the documented requests are answered in the vendor's shapes
// and the malformed ones are refused the way Halo refuses them (reference §2).
import assert from 'node:assert/strict'

import {type HaloEmulator, startHaloEmulator} from './halopsa.js'

const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  headers: {'content-type': 'application/x-www-form-urlencoded'},
  method: 'POST',
})

describe('vendor emulator: HaloPSA', function () {
  let halo: HaloEmulator

  const tokenFor = async (emulator: HaloEmulator, scope = 'all') => {
    const info = await (await fetch(`${emulator.origin}/api/authinfo`)).json()
    const tenant = info.tenant_id ? `?tenant=${info.tenant_id}` : ''
    const response = await fetch(
      `${info.auth_url}/token${tenant}`,
      form({client_id: emulator.credentials.clientId, client_secret: emulator.credentials.clientSecret, grant_type: 'client_credentials', scope}),
    )
    assert.equal(response.status, 200)
    return response.json() as Promise<{access_token: string; expires_in: number; refresh_token: string; token_type: string}>
  }
  let bearer: string
  const api = (path: string, init: RequestInit & {headers?: Record<string, string>} = {}) =>
    fetch(`${halo.origin}${path}`, {...init, headers: {authorization: `Bearer ${bearer}`, ...init.headers}})
  const post = (path: string, body: unknown) => api(path, {body: JSON.stringify(body), headers: {'content-type': 'application/json'}, method: 'POST'})

  beforeEach(async () => {
    halo = await startHaloEmulator()
    bearer = (await tokenFor(halo)).access_token
  })
  afterEach(() => halo.close())

  it('discovers the auth URL, issues a client-credentials token for scope=all, and answers the verification request', async () => {
    const info = await (await fetch(`${halo.origin}/api/authinfo`)).json()
    assert.equal(info.auth_url, `${halo.origin}/auth`)
    const token = halo.requests.find((request) => request.pathname === '/auth/token')
    assert.deepEqual(token?.body, {client_id: halo.credentials.clientId, client_secret: halo.credentials.clientSecret, grant_type: 'client_credentials', scope: 'all'})

    const verify = await api('/api/Client?pageinate=true&page_size=1')
    assert.equal(verify.status, 200)
    const body = await verify.json()
    assert.equal(body.record_count, 3)
    assert.equal(body.clients.length, 1)
    // Without pageinate=true, page_size has no effect.
    assert.equal((await (await api('/api/Client?page_size=1')).json()).clients.length, 3)
  })

  it('refuses a wrong secret with 401, a JSON token request, and an unknown scope', async () => {
    const wrong = await fetch(`${halo.authUrl}/token`, form({client_id: halo.credentials.clientId, client_secret: 'nope', grant_type: 'client_credentials', scope: 'all'}))
    assert.equal(wrong.status, 401)
    assert.equal((await wrong.json()).error, 'invalid_client')
    const json = await fetch(`${halo.authUrl}/token`, {
      body: JSON.stringify({client_id: halo.credentials.clientId, client_secret: halo.credentials.clientSecret, grant_type: 'client_credentials'}),
      headers: {'content-type': 'application/json'},
      method: 'POST',
    })
    assert.equal(json.status, 400)
    const scope = await fetch(`${halo.authUrl}/token`, form({client_id: halo.credentials.clientId, client_secret: halo.credentials.clientSecret, grant_type: 'client_credentials', scope: 'everything'}))
    assert.equal(scope.status, 400)
    assert.equal((await scope.json()).error, 'invalid_scope')
  })

  it('refuses every call made with a token issued without scope=all (or the matching granular scope)', async () => {
    bearer = (await tokenFor(halo, '')).access_token
    assert.equal((await api('/api/Client?pageinate=true&page_size=1')).status, 403)
    bearer = (await tokenFor(halo, 'read:tickets')).access_token
    assert.equal((await api('/api/Tickets')).status, 200)
    assert.equal((await post('/api/Tickets', [{summary: 'x'}])).status, 403)
    assert.equal((await api('/api/Asset')).status, 403)
  })

  it('answers 401 without a token and for an expired one, and a refresh token or new grant gets back in', async () => {
    assert.equal((await fetch(`${halo.origin}/api/Tickets`)).status, 401)
    const {refresh_token: refreshToken} = await tokenFor(halo)
    halo.expireTokens()
    const expired = await api('/api/Tickets')
    assert.equal(expired.status, 401)
    assert.match(expired.headers.get('www-authenticate') ?? '', /invalid_token/)
    const refreshed = await fetch(
      `${halo.authUrl}/token`,
      form({client_id: halo.credentials.clientId, client_secret: halo.credentials.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken}),
    )
    assert.equal(refreshed.status, 200)
    bearer = (await refreshed.json()).access_token
    assert.equal((await api('/api/Tickets')).status, 200)
  })

  it('requires ?tenant= on a hosted instance with a separate auth server, and serves the /auth/token fallback', async () => {
    const hosted = await startHaloEmulator({separateAuthServer: true, tenant: 'acmemsp'})
    try {
      const info = await (await fetch(`${hosted.origin}/api/authinfo`)).json()
      assert.deepEqual(info, {auth_url: hosted.authUrl, tenant_id: 'acmemsp'})
      assert.notEqual(new URL(hosted.authUrl).origin, hosted.origin)
      const fields = {client_id: hosted.credentials.clientId, client_secret: hosted.credentials.clientSecret, grant_type: 'client_credentials', scope: 'all'}
      assert.equal((await fetch(`${hosted.authUrl}/token`, form(fields))).status, 401)
      assert.equal((await fetch(`${hosted.authUrl}/token?tenant=acmemsp`, form(fields))).status, 200)
      assert.equal((await fetch(`${hosted.origin}/auth/token?tenant=acmemsp`, form(fields))).status, 200)
    } finally {
      await hosted.close()
    }
  })

  it('lists tickets as {record_count, tickets} with filters and page_no paging, and gets one as the bare object', async () => {
    const page = await (await api('/api/Tickets?client_id=12&pageinate=true&page_size=2&page_no=2')).json()
    assert.equal(page.record_count, 6)
    assert.deepEqual(page.tickets.map((ticket: {id: number}) => ticket.id), [2005, 2007])
    const ticket = await (await api('/api/Tickets/2001')).json()
    assert.equal(ticket.summary, 'Outlook keeps asking for a password')
    assert.equal((await api('/api/Tickets/1')).status, 404)
    const actions = await (await api('/api/Actions?ticket_id=2001')).json()
    assert.equal(actions.record_count, 2)
    assert.equal(actions.actions[1].hiddenfromuser, true)
  })

  it('creates and updates tickets and adds notes only from JSON-array bodies', async () => {
    const created = await post('/api/Tickets', [{client_id: 13, details: 'Cannot print', summary: 'Printer'}])
    assert.equal(created.status, 201)
    const ticket = await created.json()
    assert.equal(ticket.client_id, 13)
    assert.deepEqual(halo.requests.at(-1)?.body, [{client_id: 13, details: 'Cannot print', summary: 'Printer'}])

    const updated = await post('/api/Tickets', [{id: ticket.id, status_id: 9}])
    assert.equal((await updated.json()).status_id, 9)
    assert.equal(halo.data.tickets.find((row) => row.id === ticket.id)?.summary, 'Printer')

    const note = await post('/api/Actions', [{hiddenfromuser: true, note: 'Replaced toner', ticket_id: ticket.id}])
    assert.equal(note.status, 201)

    const object = await post('/api/Tickets', {summary: 'Not an array'})
    assert.equal(object.status, 400)
    assert.match(await object.text(), /JSON array/)
    assert.equal((await post('/api/Tickets', [{id: 424_242, status_id: 2}])).status, 400)
    assert.equal((await post('/api/Actions', [{note: 'orphan', ticket_id: 1}])).status, 400)
    const text = await api('/api/Tickets', {body: '[{"summary":"x"}]', headers: {'content-type': 'text/plain'}, method: 'POST'})
    assert.equal(text.status, 415)
  })

  it('searches clients, assets and KB articles', async () => {
    assert.deepEqual((await (await api('/api/Client?search=globex')).json()).clients.map((client: {id: number}) => client.id), [13])
    assert.equal((await (await api('/api/Asset?client_id=12')).json()).record_count, 2)
    const articles = await (await api('/api/KBArticle?search=outlook')).json()
    assert.deepEqual(articles.articles.map((article: {id: number}) => article.id), [41])
    assert.equal((await (await api('/api/KBArticle/42')).json()).name, 'Reset your password')
  })

  it('answers 429 with Retry-After for the next N API requests when told to', async () => {
    halo.rateLimitNext(1, 2)
    const limited = await api('/api/Tickets')
    assert.equal(limited.status, 429)
    assert.equal(limited.headers.get('retry-after'), '2')
    assert.equal((await api('/api/Tickets')).status, 200)
  })

  it('has no /api/authinfo when told so', async () => {
    const old = await startHaloEmulator({authInfo: false})
    try {
      assert.equal((await fetch(`${old.origin}/api/authinfo`)).status, 404)
    } finally {
      await old.close()
    }
  })
})
