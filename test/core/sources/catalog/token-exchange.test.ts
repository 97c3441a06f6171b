// The token-exchange auth kind through AppClient, against two vendors whose token endpoints differ in every way the
// kind declares: N-central (a JWT in a header; nested tokens with lifetimes in seconds; the refresh token renewed as
// text/plain) and ConnectWise Automate (a JSON sign-in with a ClientId header on every request; a flat answer with an
// expiry date; the access token itself renewed as a bare JSON string; a second factor). The definitions here are
// test fixtures shaped like those vendors, not the apps.
import assert from 'node:assert/strict'

import {McpctlError} from '../../../../src/core/errors.js'
import {memoryTokenCache, TOKEN_REFRESH_MARGIN_MS} from '../../../../src/core/sources/catalog/auth.js'
import {AppDefinition, definitionProblems} from '../../../../src/core/sources/catalog/definition.js'
import {AppClient, resolveValues} from '../../../../src/core/sources/catalog/engine.js'
import {type AutomateEmulator, startConnectWiseAutomateEmulator} from '../../../helpers/vendors/connectwise-automate.js'
import {type NCentralEmulator, startNCentralEmulator} from '../../../helpers/vendors/n-central.js'

const common = {category: 'rmm', description: 'A token-exchange vendor for engine tests.', revokeAt: 'nowhere'} as const
const ping = (path: string) => ({class: 'read', description: 'Reads something small.', input: {properties: {}, type: 'object'}, name: 'ping', request: {method: 'GET', path}})

const jwtApp = AppDefinition.parse({
  ...common,
  api: '{instance}',
  auth: {
    exchange: {headers: {authorization: 'Bearer {jwt}'}, url: '{instance}/api/auth/authenticate'},
    kind: 'token-exchange',
    refresh: {text: '{refresh-token}', url: '{instance}/api/auth/refresh'},
    refusals: {'401': 'The JWT was refused.'},
    tokens: {access: '/tokens/access/token', expiresIn: '/tokens/access/expirySeconds', refresh: '/tokens/refresh/token', refreshExpiresIn: '/tokens/refresh/expirySeconds'},
  },
  fields: [
    {key: 'instance', label: 'Server', required: true, url: true},
    {key: 'jwt', label: 'JWT', required: true, secret: true},
  ],
  id: 'jwt-vendor',
  name: 'JWT Vendor',
  tools: [ping('/api/devices')],
  verify: {request: {method: 'GET', path: '/api/auth/validate'}},
})

const passwordApp = AppDefinition.parse({
  ...common,
  api: '{instance}/cwa/api/v1',
  auth: {
    exchange: {json: {password: '{password}', TwoFactorPasscode: '{code}', username: '{username}'}, url: '{instance}/cwa/api/v1/apitoken'},
    headers: {clientid: '{client-id}'},
    kind: 'token-exchange',
    refresh: {json: '{access-token}', url: '{instance}/cwa/api/v1/apitoken/refresh'},
    secondFactor: {field: 'code', when: '/IsTwoFactorRequired'},
    tokens: {access: '/AccessToken', expiresAt: '/ExpirationDate'},
  },
  fields: [
    {key: 'instance', label: 'Server', required: true, url: true},
    {key: 'client-id', label: 'Client ID', required: true},
    {key: 'username', label: 'User', required: true},
    {key: 'password', label: 'Password', required: true, secret: true},
    {key: 'code', label: 'Two-factor code', required: false, transient: true},
  ],
  id: 'password-vendor',
  name: 'Password Vendor',
  tools: [ping('/Computers')],
  verify: {request: {method: 'GET', path: '/DatabaseServerTime'}},
})

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => assert.fail('expected a refusal'),
    (error_: unknown) => error_,
  )
  assert.ok(error instanceof McpctlError)
  return error
}

const paths = (requests: Array<{method: string; pathname: string}>) => requests.map((r) => `${r.method} ${r.pathname}`)

describe('catalog engine: the token-exchange kind', () => {
  it('checks what a refresh names, the second factor\'s field, and one expiry', () => {
    assert.deepEqual(definitionProblems(jwtApp), [])
    assert.deepEqual(definitionProblems(passwordApp), [])
    const auth = jwtApp.auth as Extract<AppDefinition['auth'], {kind: 'token-exchange'}>
    const wrong = {...jwtApp, auth: {...auth, refresh: {text: '{refresh}', url: '{instance}/r'}, secondFactor: {field: 'jwt', when: '/x'}, tokens: {...auth.tokens, expiresAt: '/at'}}} as AppDefinition
    assert.deepEqual(definitionProblems(wrong), ['refresh names an unknown value "refresh"', 'tokens: expiresIn or expiresAt, not both', 'secondFactor names "jwt", which is not a transient field'])
  })

  describe('a JWT in a header, nested tokens, a text/plain refresh token', () => {
    let vendor: NCentralEmulator
    before(async () => {
      vendor = await startNCentralEmulator()
    })
    after(() => vendor.close())
    beforeEach(() => {
      vendor.requests.length = 0
    })

    const client = (jwt = vendor.credentials.jwt, cache = memoryTokenCache()) =>
      new AppClient({app: jwtApp, cache, name: 'nc', values: resolveValues(jwtApp, {instance: vendor.origin, jwt})})

    it('exchanges the JWT, keeps both tokens and their lifetimes, and renews an expired access token with the refresh token', async () => {
      const cache = memoryTokenCache()
      const c = client(undefined, cache)
      await c.verify()
      const [exchange, validate] = vendor.requests
      assert.equal(exchange.headers.authorization, `Bearer ${vendor.credentials.jwt}`)
      assert.match(String(validate.headers.authorization), /^Bearer nc-access-/)
      const first = cache.current!
      assert.match(first.refreshToken!, /^nc-refresh-/)
      assert.ok(Math.abs(first.expiresAt! - (Date.now() + 3_600_000)) < 60_000)
      assert.ok(Math.abs(first.refreshExpiresAt! - (Date.now() + 90_000_000)) < 60_000)

      vendor.expireTokens()
      vendor.requests.length = 0
      const outcome = await c.call(jwtApp.tools[0], {})
      assert.equal(outcome.isError, false)
      assert.deepEqual(paths(vendor.requests), ['GET /api/devices', 'POST /api/auth/refresh', 'GET /api/devices'])
      const refresh = vendor.requests[1]
      assert.equal(refresh.headers['content-type'], 'text/plain')
      assert.equal(refresh.rawBody, first.refreshToken)
      assert.notEqual(cache.current!.accessToken, first.accessToken)
    })

    it('renews a token about to expire before using it, and signs in again when the refresh token is refused', async () => {
      const cache = memoryTokenCache()
      const c = client(undefined, cache)
      await c.verify()
      // The next command finds it in the cache about to expire.
      cache.current = {...cache.current!, expiresAt: Date.now() + TOKEN_REFRESH_MARGIN_MS / 2}
      const next = client(undefined, cache)
      vendor.requests.length = 0
      await next.call(jwtApp.tools[0], {})
      assert.deepEqual(paths(vendor.requests), ['POST /api/auth/refresh', 'GET /api/devices'])

      vendor.expireTokens()
      vendor.expireRefreshTokens()
      vendor.requests.length = 0
      assert.equal((await next.call(jwtApp.tools[0], {})).isError, false)
      assert.deepEqual(paths(vendor.requests), ['GET /api/devices', 'POST /api/auth/refresh', 'POST /api/auth/authenticate', 'GET /api/devices'])
    })

    it('says the definition\'s words for a refused sign-in, with no token quoted back', async () => {
      const error = await refusal(client('not-the-jwt').verify())
      assert.equal(error.kind, 'auth')
      assert.match(error.message, /^The JWT was refused\. \(HTTP 401: .*\/api\/auth\/authenticate\)$/)
      assert.doesNotMatch(error.message, /not-the-jwt/)
    })
  })

  describe('a JSON sign-in, a ClientId header everywhere, an expiry date, the access token refreshed as a JSON string', () => {
    let vendor: AutomateEmulator
    before(async () => {
      vendor = await startConnectWiseAutomateEmulator({refreshAfterExpiry: false})
    })
    after(() => vendor.close())
    beforeEach(() => {
      vendor.requests.length = 0
      vendor.twoFactorPasscode = undefined
    })

    const client = (extra: Record<string, string> = {}, cache = memoryTokenCache()) =>
      new AppClient({app: passwordApp, cache, name: 'cwa', values: resolveValues(passwordApp, {...vendor.credentials, 'client-id': vendor.credentials.clientId, instance: vendor.origin, ...extra})})

    it('signs in with a JSON body and the ClientId header, reads the expiry date, refreshes the live token as a bare JSON string', async () => {
      const cache = memoryTokenCache()
      const c = client({}, cache)
      await c.verify()
      const [signIn, verify] = vendor.requests
      assert.deepEqual(signIn.body, {password: vendor.credentials.password, username: vendor.credentials.username})
      assert.equal(signIn.headers['content-type'], 'application/json')
      for (const request of vendor.requests) assert.equal(request.headers.clientid, vendor.credentials.clientId)
      assert.match(String(verify.headers.authorization), /^Bearer cwa-/)
      const first = cache.current!
      assert.ok(Math.abs(first.expiresAt! - (Date.now() + 3_600_000)) < 60_000)
      assert.equal(first.refreshToken, undefined)

      // The next command finds it in the cache about to expire.
      cache.current = {...first, expiresAt: Date.now() + 1000}
      vendor.requests.length = 0
      await client({}, cache).call(passwordApp.tools[0], {})
      const [refresh, call] = vendor.requests
      assert.equal(refresh.pathname, '/cwa/api/v1/apitoken/refresh')
      assert.equal(refresh.rawBody, JSON.stringify(first.accessToken))
      assert.equal(refresh.headers.clientid, vendor.credentials.clientId)
      assert.equal(call.headers.authorization, `Bearer ${cache.current!.accessToken}`)
    })

    it('signs in again when the refresh of an expired token is refused', async () => {
      const c = client()
      await c.verify()
      vendor.expireTokens()
      vendor.requests.length = 0
      assert.equal((await c.call(passwordApp.tools[0], {})).isError, false)
      assert.deepEqual(paths(vendor.requests), ['GET /cwa/api/v1/Computers', 'POST /cwa/api/v1/apitoken/refresh', 'POST /cwa/api/v1/apitoken', 'GET /cwa/api/v1/Computers'])
    })

    it('reports a sign-in that asks for a second factor as such, and sends the code when given', async () => {
      vendor.twoFactorPasscode = '424242'
      const error = await refusal(client().verify())
      assert.equal(error.kind, 'auth')
      assert.deepEqual(error.detail, {secondFactor: 'code', status: 200})
      assert.match(error.message, /asks for a two-factor code/)
      assert.match(error.hint!, /--field code=CODE/)

      vendor.requests.length = 0
      await client({code: '424242'}).verify()
      assert.deepEqual(vendor.requests[0].body, {password: vendor.credentials.password, TwoFactorPasscode: '424242', username: vendor.credentials.username})
    })

    it('refuses a wrong password in its own words, the password never quoted', async () => {
      const error = await refusal(client({password: 'wrong-password-123'}).verify())
      assert.equal(error.kind, 'auth')
      assert.match(error.message, /^Password Vendor refused the credentials of "cwa" \(HTTP 401: Invalid username or password\./)
      assert.doesNotMatch(error.message, /wrong-password-123/)
    })
  })
})
