// Engine capabilities some vendors need, on a small made-up app against a real HTTPS server: discovery of values that
// are not fields, lookups that always run, fallbacks and refusals; the token endpoint's optional query; page sizes in
// a POST body with next pages fetched by GET; JSON bodies labelled as JSON; vendors' plain-string error lists.
import assert from 'node:assert/strict'

import {McpctlError} from '../../../../src/core/errors.js'
import {memoryTokenCache} from '../../../../src/core/sources/catalog/auth.js'
import {type AppDefinition, AppDefinition as AppSchema, definitionProblems} from '../../../../src/core/sources/catalog/definition.js'
import {AppClient, discoverFields, resolveValues} from '../../../../src/core/sources/catalog/engine.js'
import {type Exchange, sendJson, startVendorServer, type VendorRequest, type VendorServer} from '../../../helpers/vendors/emulator.js'

const app: AppDefinition = {
  api: '{instance}/{release}api',
  auth: {headers: {'x-key': '{key}'}, kind: 'api-key'},
  category: 'psa',
  description: 'A made-up vendor for engine tests.',
  discover: [
    {
      extract: {release: '/release'},
      refusals: {'500': 'The vendor does not know this account.'},
      unknown: 'The vendor has no company by that name.',
      url: '{instance}/lookup/{company}',
    },
  ],
  fields: [
    {key: 'instance', label: 'Instance', required: true, url: true},
    {key: 'company', label: 'Company', required: true},
    {key: 'key', label: 'Key', required: true, secret: true},
  ],
  id: 'made-up',
  name: 'Made Up',
  revokeAt: 'nowhere',
  tools: [
    {
      class: 'read',
      description: 'Query things with a filter body; pages by nextPageUrl.',
      input: {properties: {name: {type: 'string'}}, type: 'object'},
      name: 'query_things',
      paging: {items: '/items', next: '/next', nextMethod: 'GET', size: {in: 'body', max: 2, param: 'Max'}, style: 'next'},
      request: {body: {filter: [{field: 'name', value: '{name}'}]}, method: 'POST', path: '/things/query'},
    },
    {
      class: 'write',
      description: 'Create a thing from a JSON body.',
      input: {properties: {name: {type: 'string'}}, required: ['name'], type: 'object'},
      name: 'create_thing',
      request: {body: {name: '{name}'}, method: 'POST', path: '/things'},
    },
  ],
  verify: {request: {method: 'GET', path: '/ping'}},
}

describe('catalog engine: discovery, token query, body paging', () => {
  let server: VendorServer
  const requests: VendorRequest[] = []
  const things = Array.from({length: 5}, (_, index) => ({id: index + 1, name: `thing ${index + 1}`}))

  before(async () => {
    const page = (exchange: Exchange, offset: number, size: number) => {
      const items = things.slice(offset, offset + size)
      const next = offset + size < things.length ? `${server.origin}/v9/api/things/query/next?offset=${offset + size}&size=${size}` : null
      sendJson(exchange.res, 200, {items, next})
    }

    server = await startVendorServer({
      notFound: ({res}) => sendJson(res, 404, {errors: ['No such thing.', 'Really none.']}),
      requests,
      routes: [
        {
          handler({params, res}) {
            if (params.company === 'acme') sendJson(res, 200, {release: 'v9/'})
            else if (params.company === 'ghost') sendJson(res, 200, null)
            else sendJson(res, 500, {errors: ['Zone information could not be determined']})
          },
          method: 'GET',
          open: true,
          path: '/lookup/:company',
        },
        {handler: ({res}) => sendJson(res, 200, {url: `${server.origin}/v9/api/`}), method: 'GET', open: true, path: '/zone'},
        {handler: (exchange) => page(exchange, 0, Number((exchange.body as {Max: number}).Max)), method: 'POST', path: '/v9/api/things/query'},
        {handler: (exchange) => page(exchange, Number(exchange.request.query.offset), Number(exchange.request.query.size)), method: 'GET', path: '/v9/api/things/query/next'},
        {handler: (exchange) => sendJson(exchange.res, 201, exchange.body), method: 'POST', path: '/v9/api/things'},
      ],
    })
  })
  after(() => server.close())

  const discover = async (definition: AppDefinition, given: Record<string, string>) => {
    const found = await discoverFields(definition, given, {secrets: ['s3cret-key']})
    return {found, values: resolveValues(definition, {...given, ...found})}
  }

  it('accepts the made-up app, and refuses an `always` step filling a value that is not a field', () => {
    assert.ok(AppSchema.safeParse(app).success)
    assert.deepEqual(definitionProblems(app), [])
    const broken = {...app, discover: [{...app.discover![0], always: true}]}
    assert.deepEqual(definitionProblems(broken), ['discover "always" replaces "release", which is not a field'])
  })

  it('discovers a value that is not a field, keeps it through resolveValues, and uses it in the API address', async () => {
    const {found, values} = await discover(app, {company: 'acme', instance: server.origin, key: 's3cret-key'})
    assert.deepEqual(found, {release: 'v9/'})
    assert.equal(resolveValues(app, {...values, ignored: 'x'}).release, 'v9/')
    assert.equal(resolveValues(app, {...values, ignored: 'x'}).ignored, undefined)
    const client = new AppClient({app, cache: memoryTokenCache(), name: 'acme', values})
    assert.equal(client.base.href, `${server.origin}/v9/api`)
  })

  it('turns a refusal status and an answer without the value into exit-3 errors in the definition\'s words', async () => {
    await assert.rejects(discover(app, {company: 'no/body', instance: server.origin}), (error: McpctlError) => {
      assert.equal(error.kind, 'auth')
      assert.equal(error.message, `The vendor does not know this account. (HTTP 500: Zone information could not be determined from ${server.origin}/lookup/no%2Fbody)`)
      return true
    })
    await assert.rejects(discover(app, {company: 'ghost', instance: server.origin}), (error: McpctlError) => {
      assert.equal(error.kind, 'auth')
      assert.match(error.message, /^The vendor has no company by that name\. \(Made Up at https:\/\/127\.0\.0\.1:\d+\/lookup\/ghost answered without it\.\)$/)
      return true
    })
  })

  it('runs an `always` step even when the field has a value; a failed lookup leaves a field with a default, or an optional one, as it is', async () => {
    const instance = {...app.fields[0], default: 'https://unused.example'}
    const always: AppDefinition = {...app, api: '{instance}', discover: [{always: true, extract: {instance: '/url'}, url: '{instance}/zone'}], fields: [instance, ...app.fields.slice(1)]}
    const {found, values} = await discover(always, {instance: server.origin})
    assert.deepEqual(found, {instance: `${server.origin}/v9/api/`})
    assert.equal(values.instance, `${server.origin}/v9/api`, 'resolved as a url field')
    const failing: AppDefinition = {...always, discover: [{...always.discover![0], url: '{instance}/missing'}]}
    assert.deepEqual((await discover(failing, {instance: server.origin})).found, {}, 'a 404: the given value stays')
    // An optional field may stay empty after a failed lookup; a required one without a default may not.
    const optional: AppDefinition = {...app, discover: [{extract: {company: '/x'}, url: '{instance}/missing'}], fields: [app.fields[0], {...app.fields[1], required: false}, app.fields[2]]}
    assert.deepEqual((await discover(optional, {instance: server.origin})).found, {})
    const required: AppDefinition = {...optional, fields: app.fields}
    await assert.rejects(discover(required, {instance: server.origin}), /Made Up did not answer the lookup at https:\/\/127\.0\.0\.1:\d+\/missing \(HTTP 404: No such thing\.; Really none\.\)/)
    // Without `always`, a given value is not looked up at all.
    const before = requests.length
    assert.deepEqual((await discover({...always, discover: [{...always.discover![0], always: false}]}, {instance: server.origin})).found, {})
    assert.equal(requests.length, before)
  })

  it('puts the page size in the POST body, follows next pages by GET, and labels JSON bodies', async () => {
    const {values} = await discover(app, {company: 'acme', instance: server.origin, key: 's3cret-key'})
    const client = new AppClient({app, cache: memoryTokenCache(), name: 'acme', values})
    const start = requests.length
    const result = await client.call(app.tools[0], {limit: 3, name: 'x'})
    assert.deepEqual(result.structuredContent, {count: 3, items: things.slice(0, 3), more: true})
    const [first, second] = requests.slice(start)
    assert.equal(first.method, 'POST')
    assert.deepEqual(first.body, {Max: 2, filter: [{field: 'name', value: 'x'}]})
    assert.equal(first.headers['content-type'], 'application/json')
    assert.equal(second.method, 'GET')
    assert.equal(second.rawBody, '')
    assert.equal(second.headers['x-key'], 's3cret-key')
    assert.equal(requests.length - start, 2, 'stops once the limit is reached')

    const created = await client.call(app.tools[1], {name: 'new'})
    assert.equal(requests.at(-1)!.headers['content-type'], 'application/json')
    assert.deepEqual(created.structuredContent, {name: 'new'})
  })

  it('quotes every plain-string error a vendor lists', async () => {
    const {values} = await discover(app, {company: 'acme', instance: server.origin, key: 's3cret-key'})
    const missing: AppDefinition = {...app, tools: [{...app.tools[1], request: {method: 'GET', path: '/nothing'}}]}
    const result = await new AppClient({app: missing, cache: memoryTokenCache(), name: 'acme', values}).call(missing.tools[0], {name: 'x'})
    assert.equal(result.isError, true)
    assert.equal((result.content as Array<{text: string}>)[0].text, 'Made Up answered HTTP 404: No such thing.; Really none.')
  })

  it('sends the token endpoint\'s query parameters only when their values are present', async () => {
    const tokens: VendorRequest[] = []
    const issuer = await startVendorServer({
      notFound: ({res}) => sendJson(res, 404, {}),
      requests: tokens,
      routes: [{handler: ({res}) => sendJson(res, 200, {access_token: 'at-1', expires_in: 3600}), method: 'POST', open: true, path: '/token'}],
    })
    try {
      const oauth: AppDefinition = {
        ...app,
        api: '{instance}',
        auth: {kind: 'oauth-client-credentials', token: {format: 'form', params: {grant_type: 'client_credentials'}, query: {tenant: '{company}'}, url: '{instance}/token'}},
        discover: undefined,
        verify: {request: {method: 'POST', path: '/token'}},
      }
      for (const company of ['acme', '']) {
        await new AppClient({app: oauth, cache: memoryTokenCache(), name: 'x', values: resolveValues(oauth, {company, instance: issuer.origin})}).verify()
      }

      assert.deepEqual(tokens.filter((r) => r.body && (r.body as {grant_type?: string}).grant_type).map((r) => r.path), ['/token?tenant=acme', '/token'])
    } finally {
      await issuer.close()
    }
  })
})
