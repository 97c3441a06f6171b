// The catalog engine's declarative capabilities against a real HTTPS vendor (test CA, 127.0.0.1), through AppClient
// as `connect` and `tools call` use it: the password grant and token refusals, JSON and multipart bodies, bodiless
// answers, `after` paging and empty statuses, and throttling (429 Retry-After, an edge block) with bounded waits.
import assert from 'node:assert/strict'

import {McpctlError} from '../../../../src/core/errors.js'
import {memoryTokenCache} from '../../../../src/core/sources/catalog/auth.js'
import {AppDefinition, definitionProblems} from '../../../../src/core/sources/catalog/definition.js'
import {AppClient, resolveValues} from '../../../../src/core/sources/catalog/engine.js'
import type {ToolOutcome} from '../../../../src/core/sources/source.js'
import {BearerTokens, type Exchange, sendEmpty, sendJson, startVendorServer, type VendorRequest, type VendorServer} from '../../../helpers/vendors/emulator.js'

const ITEMS = Array.from({length: 7}, (_, index) => ({id: 10 + index, name: `item ${index}`}))

/** A vendor with a password-grant token endpoint and one route per capability under test. */
async function startVendor() {
  const requests: VendorRequest[] = []
  const tokens = new BearerTokens<string>('t-')
  const state = {edgeBlocks: 0, issued: 0, locked: false, tooMany: [] as string[]}
  const token = ({req, body, res}: Exchange) => {
    if (state.locked) return sendJson(res, 423, {message: 'locked'})
    const form = body as Record<string, string>
    if (req.headers.authorization !== `Basic ${Buffer.from('public-client:public').toString('base64')}`) return sendJson(res, 401, {error: 'unauthorized'})
    if (form.username === 'grantless') return sendJson(res, 400, {error: 'unauthorized_client', error_description: 'grant not allowed'})
    if (form.grant_type !== 'password' || form.username !== 'key' || form.password !== 'secret') return sendJson(res, 401, {error: 'invalid_grant', error_description: 'Bad credentials'})
    state.issued++
    sendJson(res, 200, {access_token: tokens.issue('key', 3600), expires_in: 3600})
  }

  const server = await startVendorServer({
    guard(exchange) {
      if (state.edgeBlocks > 0) {
        state.edgeBlocks--
        exchange.res.writeHead(403, {'content-type': 'text/html'}).end('<html>403 Forbidden</html>')
        return false
      }

      const retryAfter = state.tooMany.shift()
      if (retryAfter !== undefined) {
        sendJson(exchange.res, 429, {message: 'Too Many Requests'}, {'retry-after': retryAfter})
        return false
      }

      if (tokens.check(exchange.req.headers.authorization).status === 'valid') return true
      sendJson(exchange.res, 401, {message: 'expired'})
      return false
    },
    notFound: ({res}) => sendJson(res, 404, {message: 'nothing here'}),
    requests,
    routes: [
      {handler: token, method: 'POST', open: true, path: '/token'},
      {handler: ({res}) => sendJson(res, 200, {ok: true}), method: 'GET', path: '/account'},
      {handler: ({res}) => sendJson(res, 403, {message: 'API access is disabled'}), method: 'GET', path: '/forbidden'},
      {handler: ({body, res}) => sendJson(res, 200, {received: body}), method: 'POST', path: '/echo'},
      {handler: ({res}) => sendEmpty(res, 204), method: 'POST', path: '/run'},
      {
        handler({request, res}) {
          const after = Number(request.query.after ?? 0)
          sendJson(res, 200, ITEMS.filter((item) => item.id > after).slice(0, Number(request.query.pageSize)))
        },
        method: 'GET',
        path: '/items',
      },
    ],
  })
  return {...server, expireTokens: () => tokens.expireAll(), requests, state}
}

const tool = (name: string, request: AppDefinition['tools'][number]['request'], extra: Partial<AppDefinition['tools'][number]> = {}) => ({
  class: 'read' as const,
  description: `Test tool ${name}.`,
  input: {properties: {}, type: 'object' as const},
  name,
  request,
  ...extra,
})

function testApp(origin: string): AppDefinition {
  return AppDefinition.parse({
    api: '{instance}',
    auth: {
      kind: 'oauth-password',
      token: {
        basic: {password: 'public', username: 'public-client'},
        format: 'form',
        params: {password: '{api-secret}', username: '{api-key}'},
        refusals: {'400': 'Some other 400.', '400 unauthorized_client': 'The key may not use the password grant.', '423': 'The key is locked.'},
        url: '{instance}/token',
      },
    },
    category: 'rmm',
    description: 'A vendor for engine tests.',
    fields: [
      {key: 'instance', label: 'Instance', required: true, url: true},
      {key: 'api-key', label: 'Key', required: true},
      {key: 'api-secret', label: 'Secret', required: true, secret: true},
    ],
    headers: {'content-type': 'application/vnd.test+json'},
    id: 'engine-test',
    name: 'Test Vendor',
    rateLimit: {edgeBlock: {by: 'CDN edge', contentType: 'text/html', status: 403}, limit: '5 requests per second'},
    revokeAt: 'nowhere',
    tools: [
      tool('post_json', {body: {n: '{n}'}, method: 'POST', path: '/echo'}, {input: {properties: {n: {type: 'integer'}}, type: 'object'}}),
      tool(
        'post_form',
        {method: 'POST', multipart: {comment: {body: '{text}', public: '{public}'}, note: '{text}', unused: '{missing}'}, path: '/echo'},
        {input: {properties: {missing: {type: 'string'}, public: {type: 'boolean'}, text: {type: 'string'}}, type: 'object'}},
      ),
      tool('run', {method: 'POST', path: '/run'}, {class: 'write', result: {empty: {queued: true}}}),
      tool('forbidden', {method: 'GET', path: '/forbidden'}),
      tool('list_items', {method: 'GET', path: '/items'}, {paging: {after: {key: '/id', param: 'after'}, items: '', size: {max: 3, param: 'pageSize'}, style: 'after'}}),
      tool('list_none', {method: 'GET', path: '/none'}, {paging: {emptyStatuses: [404], items: '/list', size: {max: 10, param: 'limit'}, style: 'next', next: 'link'}}),
      tool('list_missing', {method: 'GET', path: '/none'}, {paging: {items: '/list', size: {max: 10, param: 'limit'}, style: 'next', next: 'link'}}),
    ],
    verify: {request: {method: 'GET', path: '/account'}},
  })
}

describe('catalog engine', () => {
  let vendor: Awaited<ReturnType<typeof startVendor>>
  let app: AppDefinition
  before(async () => {
    vendor = await startVendor()
    app = testApp(vendor.origin)
  })
  after(() => vendor.close())
  beforeEach(() => {
    vendor.requests.length = 0
    Object.assign(vendor.state, {edgeBlocks: 0, locked: false, tooMany: []})
  })

  const client = (key = 'key', secret = 'secret', cache = memoryTokenCache()) =>
    new AppClient({app, cache, name: 'acme', values: resolveValues(app, {'api-key': key, 'api-secret': secret, instance: vendor.origin})})
  const call = (c: AppClient, name: string, args: Record<string, unknown> = {}) => c.call(app.tools.find((t) => t.name === name)!, args)
  const text = (outcome: ToolOutcome) => (outcome.content[0] as {text: string}).text
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => assert.fail('expected a refusal'),
      (error_: unknown) => error_,
    )
    assert.ok(error instanceof McpctlError)
    return error
  }

  it('checks a token kind sends its own grant_type, and a request has a body or parts, not both', () => {
    const auth = app.auth as Extract<AppDefinition['auth'], {kind: 'oauth-password'}>
    const wrong: AppDefinition = {...app, auth: {...auth, token: {...auth.token, params: {grant_type: 'client_credentials'}}}}
    assert.deepEqual(definitionProblems(wrong), ['auth oauth-password sends grant_type=password, not "client_credentials"'])
    const both = {...app, tools: [tool('both', {body: {}, method: 'POST', multipart: {a: 'b'}, path: '/x'})]} as AppDefinition
    assert.deepEqual(definitionProblems(both), ['both: a request has a body or multipart parts, not both'])
  })

  it('gets a token with the password grant, and renews it once when the API answers 401', async () => {
    const c = client()
    await c.verify()
    const [token, verify] = vendor.requests
    assert.equal(token.headers['content-type'], 'application/x-www-form-urlencoded')
    assert.deepEqual(token.body, {grant_type: 'password', password: 'secret', username: 'key'})
    assert.match(String(verify.headers.authorization), /^Bearer t-/)
    vendor.expireTokens()
    const issued = vendor.state.issued
    assert.equal((await call(c, 'run')).isError, false)
    assert.equal(vendor.state.issued, issued + 1)
  })

  it('says what the definition says for a token refusal: status and OAuth error first, then status; 423 is refused credentials', async () => {
    const wrong = await refusal(client('key', 'nope').verify())
    assert.equal(wrong.kind, 'auth')
    assert.match(wrong.message, /Test Vendor refused the username and password of "acme" \(HTTP 401: Bad credentials from https:\/\/127\.0\.0\.1:\d+\/token\)/)
    assert.ok(!wrong.message.includes('nope'))
    const grantless = await refusal(client('grantless').verify())
    assert.match(grantless.message, /^The key may not use the password grant\. \(HTTP 400: grant not allowed/)
    vendor.state.locked = true
    const locked = await refusal(client().verify())
    assert.equal(locked.kind, 'auth')
    assert.match(locked.message, /^The key is locked\. \(HTTP 423: locked/)
  })

  it('sends JSON bodies as application/json unless the app names its own JSON type', async () => {
    const outcome = await call(client(), 'post_json', {n: 3})
    assert.deepEqual(outcome.structuredContent, {received: {n: 3}})
    assert.equal(vendor.requests.at(-1)!.headers['content-type'], 'application/vnd.test+json')
    const plain = {...app, headers: {}}
    const c = new AppClient({app: plain, cache: memoryTokenCache(), name: 'acme', values: resolveValues(plain, {'api-key': 'key', 'api-secret': 'secret', instance: vendor.origin})})
    await c.call(plain.tools[0], {n: 4})
    assert.equal(vendor.requests.at(-1)!.headers['content-type'], 'application/json')
  })

  it('sends multipart parts: objects as JSON parts, text as text, absent parts left out; the boundary wins over app headers', async () => {
    const outcome = await call(client(), 'post_form', {public: false, text: 'Rebooted.'})
    assert.equal(outcome.isError, false, text(outcome))
    const seen = vendor.requests.at(-1)!
    assert.match(String(seen.headers['content-type']), /^multipart\/form-data; boundary=mcpctl-[0-9a-f]{32}$/)
    // Parsed by undici's own multipart parser (emulator.ts): the JSON part is a string part, not a file.
    assert.deepEqual(seen.body, {comment: '{"body":"Rebooted.","public":false}', note: 'Rebooted.'})
    assert.match(seen.rawBody ?? '', /name="comment"\r\nContent-Type: application\/json; charset=utf-8\r\n\r\n/)
  })

  it('returns the declared result for a success without a body', async () => {
    assert.deepEqual((await call(client(), 'run')).structuredContent, {queued: true})
  })

  it('pages by the last item\'s key, and reads an empty status as an empty list', async () => {
    const outcome = await call(client(), 'list_items', {limit: 5})
    assert.deepEqual((outcome.structuredContent as {items: {id: number}[]}).items.map((i) => i.id), [10, 11, 12, 13, 14])
    assert.equal((outcome.structuredContent as {more: boolean}).more, true)
    assert.deepEqual(vendor.requests.filter((r) => r.pathname === '/items').map((r) => r.query), [{pageSize: '3'}, {after: '12', pageSize: '3'}])
    assert.deepEqual((await call(client(), 'list_none')).structuredContent, {count: 0, items: [], more: false})
    const missing = await call(client(), 'list_missing')
    assert.equal(missing.isError, true)
    assert.match(text(missing), /Test Vendor answered HTTP 404: nothing here/)
  })

  it('waits out a short Retry-After; a long one, or an edge block that lasts, is reported with the limit and what to do', async () => {
    const c = client()
    await c.verify()
    vendor.state.tooMany = ['0']
    assert.equal((await call(c, 'run')).isError, false)
    assert.equal(vendor.requests.filter((r) => r.pathname === '/run').length, 2, 'one 429, one retry')

    vendor.state.tooMany = ['120']
    const limited = await call(c, 'run')
    assert.equal(limited.isError, true)
    assert.equal(
      text(limited),
      'Test Vendor is rate-limiting these requests (HTTP 429: Too Many Requests). Its limit: 5 requests per second. It asks to wait 120 s before trying again.',
    )

    vendor.state.edgeBlocks = 1
    assert.equal((await call(c, 'run')).isError, false, 'a block that lifts is waited out')
    vendor.state.edgeBlocks = 3
    const blocked = await call(c, 'run')
    assert.equal(
      text(blocked),
      "Test Vendor's CDN edge is blocking requests from this address (HTTP 403, still after 2 retries over 3 s); it blocks clients that keep exceeding the rate limit. Its limit: 5 requests per second. Wait several minutes before trying again, and stop other scripts using this account's API meanwhile.",
    )
    // The API's own 403 (JSON) is not mistaken for the edge: no wait, the vendor's words.
    const before = vendor.requests.length
    const forbidden = await call(c, 'forbidden')
    assert.equal(text(forbidden), 'Test Vendor answered HTTP 403: API access is disabled')
    assert.equal(vendor.requests.length - before, 1)
    vendor.state.tooMany = ['120']
    const verifyLimited = await refusal(c.verify())
    assert.equal(verifyLimited.kind, 'server')
    assert.match(verifyLimited.message, /rate-limiting/)
  })
})
