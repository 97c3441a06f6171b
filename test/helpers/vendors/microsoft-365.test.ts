// Guards the Microsoft 365 emulator's fidelity: with plain fetch, Entra's client-credentials and authorization-code +
// PKCE flows and the documented Graph calls work, and the malformed ones are refused the way Microsoft refuses them
// (reference §4).
import assert from 'node:assert/strict'
import {createHash, randomBytes} from 'node:crypto'

import {followAuthorization} from '../oauth/browser.js'
import {type MicrosoftEmulator, passwordMethodId, startMicrosoftEmulator} from './microsoft-365.js'

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  body: new URLSearchParams(fields).toString(),
  headers: {'content-type': 'application/x-www-form-urlencoded', ...headers},
  method: 'POST',
})

const redirectUri = 'http://127.0.0.1:53682/callback'

describe('vendor emulator: Microsoft 365 (Entra ID + Graph)', function () {
  let m365: MicrosoftEmulator

  const appToken = async () => {
    const {clientId, clientSecret} = m365.credentials
    const response = await fetch(m365.tokenUrl, form({client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default'}))
    assert.equal(response.status, 200)
    return (await response.json()).access_token as string
  }

  /** Run the delegated flow to the end like mcpctl would: authorize (PKCE S256), then redeem the code. */
  const delegated = async (scope = 'offline_access openid https://graph.microsoft.com/.default') => {
    const verifier = randomBytes(32).toString('base64url')
    const authorize = new URL(m365.authorizeUrl)
    for (const [key, value] of Object.entries({
      client_id: m365.credentials.clientId,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope,
      state: 'state-123',
    })) authorize.searchParams.set(key, value)
    const {callbackUrl} = await followAuthorization(authorize, {deliver: false})
    const callback = new URL(callbackUrl)
    assert.equal(callback.searchParams.get('state'), 'state-123')
    const code = callback.searchParams.get('code') ?? ''
    const response = await fetch(m365.tokenUrl, form({client_id: m365.credentials.clientId, code, code_verifier: verifier, grant_type: 'authorization_code', redirect_uri: redirectUri}))
    return {body: await response.json(), code, response, verifier}
  }

  const graph = (token: string, path: string, init: RequestInit & {headers?: Record<string, string>} = {}) =>
    fetch(path.startsWith('https://') ? path : `${m365.origin}/v1.0${path}`, {...init, headers: {authorization: `Bearer ${token}`, ...init.headers}})
  const json = (token: string, method: string, path: string, body: unknown) =>
    graph(token, path, {body: JSON.stringify(body), headers: {'content-type': 'application/json'}, method})

  beforeEach(async () => {
    m365 = await startMicrosoftEmulator()
  })
  afterEach(() => m365.close())

  it('issues an app-only token for {graph}/.default (secret in the form or Basic) and answers the verification request', async () => {
    const token = await appToken()
    const recorded = m365.requests.at(-1)
    assert.equal(recorded?.pathname, `/${m365.credentials.tenant}/oauth2/v2.0/token`)
    assert.equal(recorded?.origin, m365.loginUrl)
    const org = await (await graph(token, '/organization')).json()
    assert.equal(org.value[0].id, m365.credentials.tenant)

    const {clientId, clientSecret} = m365.credentials
    const basic = await fetch(
      `${m365.loginUrl}/${m365.credentials.tenantDomain}/oauth2/v2.0/token`,
      form({grant_type: 'client_credentials', scope: `${m365.origin}/.default`}, {authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`}),
    )
    const body = await basic.json()
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'ext_expires_in', 'token_type'])
  })

  it("refuses a wrong secret, an unknown app or tenant, a scope without /.default and a JSON body in Entra's error shape", async () => {
    const {clientId, clientSecret} = m365.credentials
    const base = {client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default'}
    const wrong = await fetch(m365.tokenUrl, form({...base, client_secret: 'nope'}))
    assert.equal(wrong.status, 401)
    const error = await wrong.json()
    assert.equal(error.error, 'invalid_client')
    assert.deepEqual(error.error_codes, [7_000_215])
    assert.match(error.error_description, /^AADSTS7000215: /)

    const app = await fetch(m365.tokenUrl, form({...base, client_id: '11111111-2222-3333-4444-555555555555'}))
    assert.equal(app.status, 400)
    assert.equal((await app.json()).error, 'unauthorized_client')
    const tenant = await fetch(`${m365.loginUrl}/fabrikam.onmicrosoft.com/oauth2/v2.0/token`, form(base))
    assert.deepEqual((await tenant.json()).error_codes, [90_002])
    const scope = await fetch(m365.tokenUrl, form({...base, scope: 'User.Read.All'}))
    assert.equal((await scope.json()).error, 'invalid_scope')
    const jsonBody = await fetch(m365.tokenUrl, {body: JSON.stringify(base), headers: {'content-type': 'application/json'}, method: 'POST'})
    assert.equal(jsonBody.status, 400)
    assert.deepEqual((await jsonBody.json()).error_codes, [900_144])
  })

  it('answers 401 InvalidAuthenticationToken with a Bearer challenge without a token and for an expired one', async () => {
    const none = await fetch(`${m365.origin}/v1.0/organization`)
    assert.equal(none.status, 401)
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer /)
    assert.equal((await none.json()).error.code, 'InvalidAuthenticationToken')
    const token = await appToken()
    m365.expireTokens()
    const expired = await graph(token, '/organization')
    assert.equal(expired.status, 401)
    const body = await expired.json()
    assert.match(body.error.message, /expired/)
    assert.ok(body.error.innerError['request-id'])
  })

  it('answers 403 Authorization_RequestDenied when the permission was not consented', async () => {
    m365.setApplicationPermissions(['User.Read.All'])
    const token = await appToken()
    const denied = await graph(token, '/organization')
    assert.equal(denied.status, 403)
    assert.equal((await denied.json()).error.code, 'Authorization_RequestDenied')
    // Disabling needs User.EnableDisableAccount.All as well as User.Read.All.
    assert.equal((await json(token, 'PATCH', `/users/${m365.data.users[1].id}`, {accountEnabled: false})).status, 403)
  })

  it('runs the authorization-code flow with PKCE S256, with a refresh token for offline_access', async () => {
    const {body, code, response, verifier} = await delegated()
    assert.equal(response.status, 200)
    assert.ok(body.refresh_token)
    assert.ok(body.id_token)
    assert.equal((await (await graph(body.access_token, `/users/${m365.signedInUser.userPrincipalName}`)).json()).id, m365.signedInUser.id)

    // The code is single-use.
    const again = await fetch(m365.tokenUrl, form({client_id: m365.credentials.clientId, code, code_verifier: verifier, grant_type: 'authorization_code', redirect_uri: redirectUri}))
    assert.equal((await again.json()).error, 'invalid_grant')

    // Expired access token → 401; the refresh token gets a working one.
    m365.expireTokens()
    assert.equal((await graph(body.access_token, '/organization')).status, 401)
    const refreshed = await fetch(m365.tokenUrl, form({client_id: m365.credentials.clientId, grant_type: 'refresh_token', refresh_token: body.refresh_token}))
    const renewed = await refreshed.json()
    assert.equal(refreshed.status, 200)
    assert.ok(renewed.refresh_token)
    assert.equal((await graph(renewed.access_token, '/organization')).status, 200)

    // revokeSignInSessions for the signed-in user invalidates its refresh tokens.
    assert.equal((await graph(renewed.access_token, `/users/${m365.signedInUser.id}/revokeSignInSessions`, {method: 'POST'})).status, 200)
    const revoked = await fetch(m365.tokenUrl, form({client_id: m365.credentials.clientId, grant_type: 'refresh_token', refresh_token: renewed.refresh_token}))
    assert.equal((await revoked.json()).error, 'invalid_grant')
  })

  it('gives no refresh token without offline_access, and refuses a wrong verifier, a missing challenge and denied consent', async () => {
    const {body} = await delegated('https://graph.microsoft.com/User.Read')
    assert.equal(body.refresh_token, undefined)
    assert.equal(body.scope, 'https://graph.microsoft.com/User.Read')

    const authorize = new URL(m365.authorizeUrl)
    const params = {client_id: m365.credentials.clientId, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', redirect_uri: redirectUri, response_type: 'code', scope: 'User.Read', state: 's'}
    for (const [key, value] of Object.entries(params)) authorize.searchParams.set(key, value)
    const code = new URL((await followAuthorization(authorize, {deliver: false})).callbackUrl).searchParams.get('code') ?? ''
    const mismatch = await fetch(m365.tokenUrl, form({client_id: m365.credentials.clientId, code, code_verifier: 'y'.repeat(43), grant_type: 'authorization_code', redirect_uri: redirectUri}))
    assert.deepEqual((await mismatch.json()).error_codes, [501_481])

    authorize.searchParams.delete('code_challenge')
    assert.equal(new URL((await followAuthorization(authorize, {deliver: false})).callbackUrl).searchParams.get('error'), 'invalid_request')
    authorize.searchParams.set('code_challenge', 'x'.repeat(43))
    m365.denyConsent(true)
    assert.equal(new URL((await followAuthorization(authorize, {deliver: false})).callbackUrl).searchParams.get('error'), 'access_denied')
    authorize.searchParams.set('redirect_uri', 'https://evil.example/callback')
    assert.equal((await fetch(authorize)).status, 400)
  })

  it('lists users with $filter, $select and $top, paging with @odata.nextLink, and enforces ConsistencyLevel for advanced queries', async () => {
    const token = await appToken()
    const page = await (await graph(token, "/users?$filter=startswith(displayName,'a')&$select=displayName,accountEnabled&$top=1")).json()
    assert.deepEqual(page.value, [{accountEnabled: true, displayName: 'Adele Vance'}])
    assert.match(page['@odata.context'], /users\(displayName,accountEnabled\)$/)
    assert.match(page['@odata.nextLink'], /\$skiptoken=/)
    const next = await (await graph(token, page['@odata.nextLink'])).json()
    assert.deepEqual(next.value, [{accountEnabled: true, displayName: 'Alex Wilber'}])
    assert.equal(next['@odata.nextLink'], undefined)

    const endsWith = "/users?$filter=endswith(mail,'@contoso.onmicrosoft.com')&$count=true&$top=5"
    const refused = await graph(token, endsWith)
    assert.equal(refused.status, 400)
    assert.equal((await refused.json()).error.code, 'Request_UnsupportedQuery')
    const advanced = await graph(token, endsWith, {headers: {ConsistencyLevel: 'eventual'}})
    const first = await advanced.json()
    assert.equal(first['@odata.count'], 8)
    // The header must be sent again on every page.
    assert.equal((await graph(token, first['@odata.nextLink'])).status, 400)
    assert.equal((await graph(token, first['@odata.nextLink'], {headers: {ConsistencyLevel: 'eventual'}})).status, 200)

    assert.equal((await graph(token, '/users?$skip=2')).status, 400)
    assert.equal((await graph(token, '/users?$top=1000')).status, 400)
    assert.equal((await graph(token, "/users?$filter=nosuch eq 'x'")).status, 400)
    const disabled = await (await graph(token, '/users?$filter=accountEnabled eq false&$select=userPrincipalName')).json()
    assert.equal(disabled.value.length, 1)
  })

  it('gets one user with the default property set, by id or userPrincipalName, and 404s an unknown one', async () => {
    const token = await appToken()
    const user = m365.data.users[2]
    const byUpn = await (await graph(token, `/users/${encodeURIComponent(user.userPrincipalName)}`)).json()
    assert.equal(byUpn.id, user.id)
    assert.equal(byUpn.accountEnabled, undefined, 'accountEnabled is not in the default property set')
    assert.equal((await (await graph(token, `/users/${user.id}?$select=accountEnabled`)).json()).accountEnabled, true)
    const missing = await graph(token, '/users/nobody@contoso.onmicrosoft.com')
    assert.equal(missing.status, 404)
    assert.equal((await missing.json()).error.code, 'Request_ResourceNotFound')
  })

  it('disables a user (204), lists memberships, adds a group member once, and revokes sessions with an app-only token', async () => {
    const token = await appToken()
    const user = m365.data.users[5]
    assert.equal((await json(token, 'PATCH', `/users/${user.id}`, {accountEnabled: false})).status, 204)
    assert.equal(user.accountEnabled, false)
    assert.equal((await graph(token, `/users/${user.id}`, {body: '{"accountEnabled":true}', method: 'PATCH'})).status, 400)
    assert.equal((await json(token, 'PATCH', `/users/${user.id}`, {passwordProfile: {}})).status, 400)

    const group = m365.data.groups[2]
    const reference = {'@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user.id}`}
    assert.equal((await json(token, 'POST', `/groups/${group.id}/members/$ref`, reference)).status, 204)
    const twice = await json(token, 'POST', `/groups/${group.id}/members/$ref`, reference)
    assert.equal(twice.status, 400)
    assert.match((await twice.json()).error.message, /already exist/)
    assert.equal((await json(token, 'POST', `/groups/${group.id}/members/$ref`, {'@odata.id': user.id})).status, 400)

    const groups = await (await graph(token, `/users/${user.id}/memberOf`)).json()
    assert.deepEqual(groups.value.map((entry: {'@odata.type': string; displayName: string}) => [entry['@odata.type'], entry.displayName]), [['#microsoft.graph.group', 'VPN Users']])

    const revoked = await (await graph(token, `/users/${user.id}/revokeSignInSessions`, {method: 'POST'})).json()
    assert.equal(revoked.value, true)
  })

  it('refuses resetPassword and licenseDetails to app-only tokens and serves them to delegated ones', async () => {
    const app = await appToken()
    const user = m365.data.users[1]
    const resetPath = `/users/${user.id}/authentication/methods/${passwordMethodId}/resetPassword`
    assert.equal((await json(app, 'POST', resetPath, {newPassword: 'Correct-Horse-7'})).status, 403)
    assert.equal((await graph(app, `/users/${user.id}/licenseDetails`)).status, 403)

    const {body} = await delegated()
    const reset = await json(body.access_token, 'POST', resetPath, {newPassword: 'Correct-Horse-7'})
    assert.equal(reset.status, 202)
    const location = reset.headers.get('location') ?? ''
    assert.equal((await (await graph(body.access_token, location)).json()).status, 'succeeded')
    const generated = await graph(body.access_token, resetPath, {method: 'POST'})
    assert.equal(generated.status, 202)
    assert.ok((await generated.json()).newPassword, 'a Microsoft-generated password comes back when none was sent')

    const licenses = await (await graph(body.access_token, `/users/${user.id}/licenseDetails`)).json()
    assert.equal(licenses.value[0].skuPartNumber, 'SPE_E3')
  })

  it('answers 429 TooManyRequests with Retry-After when told to', async () => {
    const token = await appToken()
    m365.rateLimitNext(1, 5)
    const limited = await graph(token, '/organization')
    assert.equal(limited.status, 429)
    assert.equal(limited.headers.get('retry-after'), '5')
    assert.equal((await limited.json()).error.code, 'TooManyRequests')
    assert.equal((await graph(token, '/organization')).status, 200)
  })
})
