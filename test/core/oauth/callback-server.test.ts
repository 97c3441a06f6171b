import assert from 'node:assert/strict'

import {McpctlError} from '../../../src/core/errors.js'
import {checkAuthorizationResponse, newState, parseRedirectUrl, startCallbackServer} from '../../../src/core/oauth/callback-server.js'
import {checkAuthorizationUrl} from '../../../src/core/oauth/provider.js'

const ISSUER = 'https://as.example'

function refusal(work: () => unknown): McpctlError {
  try {
    work()
  } catch (error) {
    assert.ok(error instanceof McpctlError)
    return error
  }
  assert.fail('expected an error')
}

describe('oauth: checking an authorization response', function () {
  const state = newState()
  const params = (query: Record<string, string>) => new URLSearchParams(query)

  it('uses 256-bit random state values', () => {
    assert.equal(Buffer.from(state, 'base64url').length, 32)
    assert.notEqual(newState(), newState())
  })

  it('accepts the code with the right state and issuer (trailing slash aside)', () => {
    assert.deepEqual(checkAuthorizationResponse(params({code: 'c0de', iss: ISSUER, state}), {issuer: ISSUER, state}), {code: 'c0de', iss: ISSUER})
    assert.equal(checkAuthorizationResponse(params({code: 'c0de', iss: `${ISSUER}/`, state}), {issuer: ISSUER, state}).code, 'c0de')
  })

  it('refuses a missing or different state before looking at anything else', () => {
    const queries: Record<string, string>[] = [{code: 'c0de'}, {code: 'c0de', state: `${state}x`}, {error: 'access_denied', state: 'other'}]
    for (const query of queries) {
      const error = refusal(() => checkAuthorizationResponse(params(query), {issuer: ISSUER, state}))
      assert.equal(error.kind, 'auth')
      assert.match(error.message, /state mismatch/)
    }
  })

  it('refuses another issuer, and a missing iss when the server promised one', () => {
    assert.match(refusal(() => checkAuthorizationResponse(params({code: 'c', iss: 'https://evil.example', state}), {issuer: ISSUER, state})).message, /mix-up/)
    assert.match(refusal(() => checkAuthorizationResponse(params({code: 'c', state}), {issuer: ISSUER, requireIss: true, state})).message, /names no issuer/)
    assert.equal(checkAuthorizationResponse(params({code: 'c', state}), {issuer: ISSUER, state}).code, 'c')
  })

  it('with endpoints known in advance (no issuer), still checks state but does not compare iss', () => {
    assert.equal(checkAuthorizationResponse(params({code: 'c', iss: 'https://login.example/tenant/v2.0', state}), {state}).code, 'c')
    assert.match(refusal(() => checkAuthorizationResponse(params({code: 'c', state: 'other'}), {state})).message, /state mismatch/)
    assert.match(refusal(() => checkAuthorizationResponse(params({error: 'access_denied', state}), {state})).message, /denied at the authorization server/)
  })

  it('reports error responses plainly, with server text made printable', () => {
    const denied = refusal(() => checkAuthorizationResponse(params({error: 'access_denied', error_description: 'No\u001B[31m way', state}), {issuer: ISSUER, state}))
    assert.equal(denied.kind, 'auth')
    assert.equal(denied.message, 'Authorization was denied at https://as.example: No\\u001b[31m way')
    const other = refusal(() => checkAuthorizationResponse(params({error: 'invalid_scope', state}), {issuer: ISSUER, state}))
    assert.match(other.message, /refused the authorization request \(invalid_scope\)/)
    assert.match(refusal(() => checkAuthorizationResponse(params({state}), {issuer: ISSUER, state})).message, /no authorization code/)
  })

  it('parses a pasted redirect address, and refuses anything else without echoing it', () => {
    const redirectUrl = 'http://127.0.0.1:50123/callback'
    const expected = {issuer: ISSUER, redirectUrl, state}
    assert.equal(parseRedirectUrl(` "${redirectUrl}?code=pasted-code&state=${state}" \n`, expected).code, 'pasted-code')
    for (const pasted of ['not a url', `http://127.0.0.1:50124/callback?code=secret-code&state=${state}`, `https://127.0.0.1:50123/callback?code=secret-code&state=${state}`]) {
      const error = refusal(() => parseRedirectUrl(pasted, expected))
      assert.equal(error.kind, 'usage')
      assert.doesNotMatch(`${error.message} ${error.hint}`, /secret-code/)
    }
    assert.match(refusal(() => parseRedirectUrl(`${redirectUrl}?code=c&state=wrong`, expected)).message, /state mismatch/)
  })

  it('hands only http(s) authorization URLs to a browser', () => {
    assert.equal(checkAuthorizationUrl(new URL('https://as.example/auth?x=1')).href, 'https://as.example/auth?x=1')
    for (const url of ['javascript:alert(1)', 'data:text/html,hi', 'file:///etc/passwd', 'https://user:pw@as.example/auth']) {
      assert.throws(() => checkAuthorizationUrl(new URL(url)), McpctlError)
    }
  })
})

describe('oauth: the loopback callback listener', function () {
  it('redirects to 127.0.0.1, ignores other paths, delivers the code with a plain page, then closes', async () => {
    const server = await startCallbackServer()
    assert.match(server.redirectUrl, /^http:\/\/127\.0\.0\.1:\d+\/callback$/)
    const state = newState()
    const waiting = server.wait({issuer: ISSUER, state}, {timeoutMs: 10_000})

    const favicon = await fetch(`http://127.0.0.1:${server.port}/favicon.ico`)
    assert.equal(favicon.status, 404)
    const response = await fetch(`${server.redirectUrl}?code=the-code&state=${state}&iss=${encodeURIComponent(ISSUER)}`)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-security-policy'), "default-src 'none'")
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.match(await response.text(), /Authorization succeeded.*close this tab/s)
    assert.deepEqual(await waiting, {code: 'the-code', iss: ISSUER})
    await assert.rejects(fetch(server.redirectUrl), /fetch failed/)
  })

  it('times out with an auth error and a hint, and closes', async () => {
    const server = await startCallbackServer()
    await assert.rejects(server.wait({issuer: ISSUER, state: newState()}, {timeoutMs: 50}), (error: McpctlError) => {
      assert.equal(error.kind, 'auth')
      assert.match(error.message, /^No authorization arrived within 50 ms; nothing was saved\.$/)
      assert.match(error.hint ?? '', /--no-browser/)
      return true
    })
    await assert.rejects(fetch(server.redirectUrl), /fetch failed/)
  })

  it('stops on abort (Ctrl-C) with an interrupted error', async () => {
    const server = await startCallbackServer()
    const controller = new AbortController()
    const waiting = server.wait({issuer: ISSUER, state: newState()}, {signal: controller.signal})
    controller.abort()
    await assert.rejects(waiting, (error: McpctlError) => error.kind === 'interrupted')
    await assert.rejects(fetch(server.redirectUrl), /fetch failed/)
  })

  it('refuses a busy or invalid port instead of picking another', async () => {
    const first = await startCallbackServer()
    try {
      await assert.rejects(startCallbackServer({port: first.port}), (error: McpctlError) => {
        assert.equal(error.kind, 'usage')
        assert.equal(error.message, `Port ${first.port} is busy; cannot receive the authorization there.`)
        return true
      })
    } finally {
      await first.close()
    }
    await assert.rejects(startCallbackServer({port: 70_000}), (error: McpctlError) => error.kind === 'usage')
  })
})
