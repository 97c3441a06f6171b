import assert from 'node:assert/strict'

import {redact, redactDeep, serverText} from '../../../src/core/net/untrusted.js'

// A PKCE verifier may hold `~`, which form encoding sends as %7E; a client secret travels base64'd in Basic auth.
const VERIFIER = 'Fq3~vX9-kP.2_mZ~a8bQ4rT7yW1eL0nH5cJ6dG3sK9uV'
const CLIENT_SECRET = 'cs/8+Zq"w\\t'

describe('server text: redaction in every encoding a secret travels in', () => {
  const echoes: [string, string][] = [
    ['as sent', VERIFIER],
    ['form-encoded (~ as %7E)', new URLSearchParams({code_verifier: VERIFIER}).toString()],
    ['form-encoded, lower-case hex', new URLSearchParams({code_verifier: VERIFIER}).toString().replaceAll('%7E', '%7e')],
    ['URI-component-encoded', encodeURIComponent(CLIENT_SECRET)],
    ['JSON-escaped', JSON.stringify({client_secret: CLIENT_SECRET})],
    ['JSON-escaped with \\/', JSON.stringify({client_secret: CLIENT_SECRET}).replaceAll('/', '\\/')],
    ['base64 inside a Basic credential', `Basic ${Buffer.from(`client-id:${CLIENT_SECRET}`).toString('base64')}`],
    ['base64url on its own', Buffer.from(CLIENT_SECRET).toString('base64url')],
  ]
  for (const [how, echo] of echoes) {
    it(`removes a secret echoed ${how}`, () => {
      const out = redact(`the server said: ${echo} (end)`, [VERIFIER, CLIENT_SECRET])
      assert.match(out, /\[redacted\]/)
      for (const secret of [VERIFIER, CLIENT_SECRET]) {
        for (const form of [secret, encodeURIComponent(secret), new URLSearchParams({s: secret}).toString().slice(2), JSON.stringify(secret).slice(1, -1)]) {
          assert.equal(out.includes(form), false, `${how}: ${out}`)
        }
      }

      assert.equal(out.includes(Buffer.from(CLIENT_SECRET).toString('base64').slice(2, 12)), false, out)
    })
  }

  it('makes the rest inert and leaves text without secrets alone', () => {
    assert.equal(serverText('\u001B]52;c;aGk=\u0007 boom\r\nnext', [VERIFIER]), String.raw`\u001b]52;c;aGk=\u0007 boom next`)
    assert.equal(redact('nothing secret here', ['abc', undefined]), 'nothing secret here')
  })

  it('redacts every string of a definition, keys included, keeping a __proto__ key a key', () => {
    const definition = JSON.parse(`{"description": "Call with token ${VERIFIER}", "inputSchema": {"properties": {"__proto__": {"default": "${VERIFIER}"}}}}`)
    const clean = redactDeep(definition, [VERIFIER])
    assert.equal(JSON.stringify(clean).includes(VERIFIER), false)
    assert.equal(clean.description, 'Call with token [redacted]')
    assert.ok(Object.hasOwn(clean.inputSchema.properties, '__proto__'))
  })
})
