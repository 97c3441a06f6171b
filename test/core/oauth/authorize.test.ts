import assert from 'node:assert/strict'

import {authorizeServer} from '../../../src/core/oauth/authorize.js'
import {McpctlError} from '../../../src/core/errors.js'
import {OAuthConnection} from '../../../src/core/oauth/connection.js'
import {followAuthorization} from '../../helpers/oauth/browser.js'
import {authorizeWithBrowser, callTool, type OAuthWorld, startOAuthWorld, testBrowser} from '../../helpers/oauth/world.js'
import {rejection} from '../../helpers/rejection.js'

const silent = () => {}

/** Every secret the grant holds, for "never in a message" checks. */
const secretsOf = (grant: {tokens: {access_token: string; refresh_token?: string}}) => [grant.tokens.access_token, grant.tokens.refresh_token].filter(Boolean) as string[]

describe('oauth: authorization code flow against a real authorization server', function () {
  let world: OAuthWorld

  beforeEach(async () => {
    world = await startOAuthWorld({
      as: {clients: [{client_id: 'preregistered', client_secret: 'preregistered-secret-value'}]},
      rs: {toolScopes: {admin_reset: 'tools:admin'}},
    })
  })
  afterEach(async () => {
    await world.close()
  })

  it('registers as a native public client, uses PKCE S256 and the resource indicator, and returns working tokens', async () => {
    const {browser, grant, notes} = await authorizeWithBrowser(world)

    // Dynamic registration: a public native client with the loopback redirect.
    assert.equal(world.as.registrations.length, 1)
    const registration = world.as.registrations[0]
    assert.equal(registration.application_type, 'native')
    assert.equal(registration.token_endpoint_auth_method, 'none')
    assert.equal(registration.client_name, 'mcpctl')
    assert.match(String((registration.redirect_uris as string[])[0]), /^http:\/\/127\.0\.0\.1:\d+\/callback$/)

    // PKCE S256, state, and resource on the authorization request.
    const request = world.as.authorizationRequests[0].params
    assert.equal(request.get('code_challenge_method'), 'S256')
    assert.ok((request.get('code_challenge') ?? '').length >= 43)
    assert.ok(Buffer.from(request.get('state') ?? '', 'base64url').length >= 16, 'state carries at least 128 bits')
    assert.equal(request.get('resource'), world.rs.url)

    // resource on the token request too; the code was exchanged once.
    assert.deepEqual(world.as.tokenRequests, [{clientAuth: 'none', grantType: 'authorization_code', resource: world.rs.url, status: 200}])

    assert.equal(grant.issuer, world.as.issuer)
    assert.equal(grant.resource, world.rs.url)
    assert.equal(grant.client, 'dynamic')
    assert.deepEqual(grant.scopes, ['mcp'])
    assert.ok(grant.tokens.refresh_token)
    assert.ok(grant.expiresAt && Date.parse(grant.expiresAt) > Date.now() + 3000 * 1000)
    assert.equal(grant.authorizationServer.revocation_endpoint, `${world.as.issuer}/token/revocation`)
    // The SDK's issuer stamp is kept, or it would register again next time.
    assert.equal(grant.tokens.issuer, world.as.issuer)
    assert.equal((grant.clientInformation as {issuer?: string}).issuer, world.as.issuer)

    // The URL was printed (always) and opened; the browser landed on a success page that says so.
    assert.ok(notes.some((note) => note.includes(browser.urls[0].href)))
    const page = (await browser.done).page!
    assert.equal(page.status, 200)
    assert.match(page.body, /Authorization succeeded/)
    assert.match(page.body, /close this tab/)
    assert.equal(page.headers.get('content-security-policy'), "default-src 'none'")
    assert.equal(page.headers.get('cache-control'), 'no-store')

    // The tokens work against the MCP server.
    const text = await callTool(world.rs.url, OAuthConnection.forGrant('acme', grant).provider)
    assert.match(text, /"tool":"echo"/)
  })

  it('uses a pre-registered confidential client with client_secret_basic and registers nothing', async () => {
    const {grant} = await authorizeWithBrowser(world, {clientId: 'preregistered', clientSecret: 'preregistered-secret-value'})
    assert.equal(world.as.registrations.length, 0)
    assert.equal(grant.client, 'pre-registered')
    assert.equal(grant.clientInformation.client_id, 'preregistered')
    assert.equal(world.as.authorizationRequests[0].params.get('client_id'), 'preregistered')
    assert.deepEqual(
      world.as.tokenRequests.map(({clientAuth, status}) => ({clientAuth, status})),
      [{clientAuth: 'basic', status: 200}],
    )
  })

  it('says so when the authorization server rejects a pre-registered client at the token endpoint', async () => {
    const browser = testBrowser()
    const error = await rejection(
      authorizeServer({clientId: 'preregistered', clientSecret: 'not-the-secret', notify: silent, openUrl: browser.openUrl, serverUrl: world.rs.url}),
    )
    assert.equal(error.kind, 'auth')
    assert.equal(error.message, "The authorization server rejected mcpctl's client while exchanging the authorization code for tokens.")
    assert.equal(error.hint, 'Check --client-id and the client secret.')
    assert.ok(!`${error.message}${error.hint}`.includes('not-the-secret'))
    assert.equal(world.as.registrations.length, 0, 'no silent fallback to dynamic registration')
  })

  it('honours --scope', async () => {
    const {grant} = await authorizeWithBrowser(world, {scope: 'mcp tools:admin'})
    assert.equal(world.as.authorizationRequests[0].params.get('scope'), 'mcp tools:admin')
    assert.deepEqual(grant.scopes.sort(), ['mcp', 'tools:admin'])
  })

  it('identifies itself by a client ID metadata document when the server supports them, else registers', async () => {
    const documentUrl = 'https://mcpctl.example/oauth/client.json'
    const fallback = await authorizeWithBrowser(world, {clientMetadataUrl: documentUrl})
    assert.equal(fallback.grant.client, 'dynamic')
    assert.equal(world.as.registrations.length, 1)

    world.as.behaviour.metadata = (document) => ({...document, client_id_metadata_document_supported: true})
    const controller = new AbortController()
    let opened: URL | undefined
    const error = await rejection(
      authorizeServer({
        clientMetadataUrl: documentUrl,
        notify: silent,
        async openUrl(url) {
          opened = url
          controller.abort()
        },
        serverUrl: world.rs.url,
        signal: controller.signal,
      }),
    )
    assert.equal(error.kind, 'interrupted')
    assert.equal(opened?.searchParams.get('client_id'), documentUrl)
    assert.equal(world.as.registrations.length, 1, 'no second registration')
    await assert.rejects(
      authorizeServer({clientMetadataUrl: 'http://mcpctl.example/client.json', notify: silent, openUrl: async () => {}, serverUrl: world.rs.url}),
      (refused: McpctlError) => refused.kind === 'usage',
    )
  })

  it('reports access_denied plainly, shows the browser a failure page with the reason escaped, stores nothing', async () => {
    world.as.behaviour.deny = true
    const browser = testBrowser()
    const error = await rejection(authorizeServer({notify: silent, openUrl: browser.openUrl, serverUrl: world.rs.url}))
    assert.equal(error.kind, 'auth')
    assert.match(error.message, /Authorization was denied/)
    assert.match(error.message, /The user said <no> & meant it/)
    const page = (await browser.done).page!
    assert.equal(page.status, 400)
    assert.match(page.body, /Authorization failed/)
    assert.match(page.body, /&lt;no&gt; &amp; meant it/)
    assert.doesNotMatch(page.body, /<no>/)
    assert.equal(world.as.tokenRequests.length, 0)
  })

  it('refuses a response whose state does not match, and exchanges no code', async () => {
    const browser = testBrowser({
      tamper(callback) {
        callback.searchParams.set('state', 'forged-state-forged-state-forged')
        return callback
      },
    })
    const error = await rejection(authorizeServer({notify: silent, openUrl: browser.openUrl, serverUrl: world.rs.url}))
    assert.equal(error.kind, 'auth')
    assert.match(error.message, /state mismatch/)
    assert.equal((await browser.done).page!.status, 400)
    assert.equal(world.as.tokenRequests.length, 0)
  })

  it('refuses a response whose iss names another authorization server (RFC 9207)', async () => {
    const browser = testBrowser({
      tamper(callback) {
        callback.searchParams.set('iss', 'https://evil.example')
        return callback
      },
    })
    const error = await rejection(authorizeServer({notify: silent, openUrl: browser.openUrl, serverUrl: world.rs.url}))
    assert.equal(error.kind, 'auth')
    assert.match(error.message, /https:\/\/evil\.example/)
    assert.match(error.message, /mix-up/)
    assert.equal(world.as.tokenRequests.length, 0)
  })

  it('times out when the browser never comes back, and closes the listener', async () => {
    let redirectPort = 0
    const error = await rejection(
      authorizeServer({
        notify: silent,
        async openUrl(url) {
          redirectPort = Number(new URL(url.searchParams.get('redirect_uri')!).port)
        },
        serverUrl: world.rs.url,
        timeoutMs: 300,
      }),
    )
    assert.equal(error.kind, 'auth')
    assert.match(error.message, /^No authorization arrived within 300 ms; nothing was saved\.$/)
    assert.ok(error.hint?.includes('--no-browser'))
    await assert.rejects(fetch(`http://127.0.0.1:${redirectPort}/callback`), /fetch failed/)
  })

  it('is cancelled by its AbortSignal (Ctrl-C) with an interrupted error', async () => {
    const controller = new AbortController()
    const error = await rejection(
      authorizeServer({
        notify: silent,
        async openUrl() {
          controller.abort()
        },
        serverUrl: world.rs.url,
        signal: controller.signal,
      }),
    )
    assert.equal(error.kind, 'interrupted')
  })

  it('accepts the pasted redirect address in --no-browser mode, and refuses a pasted address that is not the redirect', async () => {
    const notes: string[] = []
    const pasteMode = (answer: (callbackUrl: string) => string) =>
      authorizeServer({
        notify: (message) => notes.push(message),
        openUrl: async () => assert.fail('no browser is opened in paste mode'),
        async pasteRedirect() {
          const url = /https:\/\/\S+\/auth\?\S+/.exec(notes.join('\n'))![0]
          const {callbackUrl} = await followAuthorization(url, {deliver: false})
          return answer(callbackUrl)
        },
        serverUrl: world.rs.url,
      })

    const grant = await pasteMode((callbackUrl) => `  ${callbackUrl}\n`)
    assert.equal(grant.resource, world.rs.url)
    assert.ok(notes.some((note) => note.includes('paste that whole address')))

    notes.length = 0
    const error = await rejection(pasteMode((callbackUrl) => callbackUrl.replace('/callback', '/elsewhere')))
    assert.equal(error.kind, 'usage')
    assert.doesNotMatch(error.message, /code=/)
  })
})

describe('oauth: what mcpctl refuses before anything is sent', function () {
  let world: OAuthWorld

  afterEach(async () => {
    await world?.close()
  })

  async function refused(setup: (world: OAuthWorld) => void, options: {allowHttp?: boolean} = {}) {
    world = await startOAuthWorld()
    setup(world)
    const browser = testBrowser()
    const error = await rejection(authorizeServer({notify: silent, openUrl: browser.openUrl, serverUrl: world.rs.url, ...options}))
    // Nothing was registered, no browser opened, no token requested.
    assert.equal(world.as.registrations.length, 0)
    assert.equal(browser.urls.length, 0)
    assert.equal(world.as.tokenRequests.length, 0)
    return error
  }

  it('an authorization server whose metadata issuer is not its own address (RFC 8414 §3.3)', async () => {
    const error = await refused((w) => {
      w.as.behaviour.metadata = (document) => ({...document, issuer: 'https://impostor.example'})
    })
    assert.equal(error.kind, 'server')
    assert.match(error.message, /calls itself "?https:\/\/impostor\.example/)
  })

  it('an authorization server without PKCE S256', async () => {
    const error = await refused((w) => {
      w.as.behaviour.metadata = (document) => ({...document, code_challenge_methods_supported: ['plain']})
    })
    assert.match(error.message, /does not offer PKCE with S256/)

    await world.close()
    const missing = await refused((w) => {
      w.as.behaviour.metadata = ({code_challenge_methods_supported: _dropped, ...document}) => document
    })
    assert.match(missing.message, /does not offer PKCE with S256/)
  })

  it('a token endpoint that is not HTTPS (loopback http only with --allow-http)', async () => {
    const remote = await refused((w) => {
      w.as.behaviour.metadata = (document) => ({...document, token_endpoint: 'http://as.example/token'})
    })
    assert.match(remote.message, /token_endpoint .*is not HTTPS/)

    await world.close()
    const loopback = await refused((w) => {
      w.as.behaviour.metadata = (document) => ({...document, revocation_endpoint: `http://127.0.0.1:${w.as.port}/token/revocation`})
    })
    assert.match(loopback.message, /revocation_endpoint .*plain http/)
    assert.match(loopback.hint ?? '', /--allow-http/)
  })

  it('protected-resource metadata for another resource (RFC 9728 §3.3)', async () => {
    world = await startOAuthWorld({rs: {metadata: (document) => ({...document, resource: 'https://other.example/mcp'})}})
    const browser = testBrowser()
    const error = await rejection(authorizeServer({notify: silent, openUrl: browser.openUrl, serverUrl: world.rs.url}))
    assert.equal(error.kind, 'server')
    assert.match(error.message, /is for "?https:\/\/other\.example\/mcp/)
    assert.equal(world.as.registrations.length, 0)
  })

  it('a busy --callback-port, before any request', async () => {
    world = await startOAuthWorld()
    const {createServer} = await import('node:net')
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    const {port} = squatter.address() as {port: number}
    try {
      const error = await rejection(authorizeServer({callbackPort: port, notify: silent, openUrl: async () => {}, serverUrl: world.rs.url}))
      assert.equal(error.kind, 'usage')
      assert.equal(error.message, `Port ${port} is busy; cannot receive the authorization there.`)
      assert.equal(world.rs.requests.length, 0)
    } finally {
      squatter.close()
    }
  })
})

describe('oauth: a token endpoint that misbehaves during the code exchange', function () {
  let world: OAuthWorld

  beforeEach(async () => {
    world = await startOAuthWorld()
  })
  afterEach(async () => {
    await world.close()
  })

  async function exchangeFails(fault: NonNullable<OAuthWorld['as']['behaviour']['tokenFault']>) {
    world.as.behaviour.tokenFault = fault
    const browser = testBrowser()
    const error = await rejection(authorizeServer({notify: silent, openUrl: browser.openUrl, serverUrl: world.rs.url}))
    const code = new URL((await browser.done).callbackUrl).searchParams.get('code')!
    assert.ok(!error.message.includes(code), 'the authorization code is not in the message')
    assert.ok(!JSON.stringify(error.detail ?? {}).includes(code))
    return error
  }

  it('HTTP 500 with an HTML body: a server error naming the status, not the body', async () => {
    const error = await exchangeFails({body: '<html>upstream exploded: secret-stack-trace</html>', contentType: 'text/html', status: 500})
    assert.equal(error.kind, 'server')
    assert.match(error.message, /answered HTTP 500 while exchanging the authorization code/)
    assert.match(error.message, /nothing was saved/)
    assert.doesNotMatch(error.message, /secret-stack-trace/)
  })

  it('HTTP 200 that is not JSON', async () => {
    const error = await exchangeFails({body: 'access_token=maybe', status: 200})
    assert.equal(error.kind, 'server')
    assert.match(error.message, /not JSON/)
  })

  it('HTTP 200 JSON without an access token', async () => {
    const error = await exchangeFails({body: '{"token_type":"Bearer"}', contentType: 'application/json', status: 200})
    assert.equal(error.kind, 'server')
    assert.match(error.message, /malformed OAuth response/)
  })

  it('an oversized body is not read to the end', async () => {
    const error = await exchangeFails({body: `{"access_token":"${'x'.repeat(2 * 1024 * 1024)}","token_type":"Bearer"}`, contentType: 'application/json', status: 200})
    assert.equal(error.kind, 'server')
    assert.match(error.message, /larger than 1 MiB/)
  })

  it('an OAuth error that echoes the code and verifier back: the message has neither', async () => {
    let verifier = ''
    const error = await exchangeFails((form) => {
      verifier = form.get('code_verifier') ?? ''
      return {
        body: JSON.stringify({error: 'invalid_grant', error_description: `code ${form.get('code')} with verifier ${verifier} is no good`}),
        contentType: 'application/json',
        status: 400,
      }
    })
    assert.equal(error.kind, 'auth')
    assert.match(error.message, /invalid_grant/)
    assert.match(error.message, /\[redacted\]/)
    assert.ok(verifier.length >= 43)
    assert.ok(!error.message.includes(verifier))
  })
})
