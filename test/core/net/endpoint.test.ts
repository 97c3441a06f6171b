import assert from 'node:assert/strict'

import {McpctlError} from '../../../src/core/errors.js'
import {isLoopbackHost, parseServerUrl} from '../../../src/core/net/endpoint.js'

const refused = (raw: string, options: {allowHttp?: boolean}, pattern: RegExp) =>
  assert.throws(
    () => parseServerUrl(raw, options),
    (error: unknown) => error instanceof McpctlError && error.kind === 'usage' && pattern.test(error.message),
  )

describe('parseServerUrl', () => {
  it('accepts https and strips the fragment', () => {
    const url = parseServerUrl(' https://mcp.example.com/v1/mcp?x=1#section ')
    assert.equal(url.href, 'https://mcp.example.com/v1/mcp?x=1')
  })

  it('accepts http only for loopback hosts and only with allowHttp', () => {
    for (const raw of ['http://localhost:3000/mcp', 'http://127.0.0.1:8080/mcp', 'http://127.1.2.3/', 'http://[::1]:9000/mcp', 'http://127.1/']) {
      assert.equal(parseServerUrl(raw, {allowHttp: true}).protocol, 'http:', raw)
      refused(raw, {}, /Plain http:\/\/ is refused: use https:\/\/ \(http is allowed only for loopback hosts with --allow-http\)/)
    }
  })

  it('never accepts http to another host, even with allowHttp', () => {
    for (const raw of ['http://mcp.example.com/mcp', 'http://10.0.0.1/', 'http://localhost.evil.com/', 'http://128.0.0.1/']) {
      refused(raw, {allowHttp: true}, /non-loopback host is never allowed/)
    }
  })

  it('refuses other schemes, invalid URLs and URLs carrying credentials (without echoing the password)', () => {
    refused('ftp://example.com/', {}, /Unsupported URL scheme "ftp:"/)
    refused('javascript:alert(1)', {}, /Unsupported URL scheme/)
    refused('not a url\u001b[31m', {}, /Not a valid URL: "not a url\\u001b\[31m"/)
    assert.throws(
      () => parseServerUrl('https://user:hunter2@example.com/mcp'),
      (error: unknown) => error instanceof McpctlError && error.kind === 'usage' && /user name or password/.test(error.message) && !error.message.includes('hunter2'),
    )
    refused('https://token@example.com/mcp', {}, /user name or password/)
  })
})

describe('isLoopbackHost', () => {
  it('knows loopback from the rest', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.255.254', '[::1]']) assert.equal(isLoopbackHost(host), true, host)
    for (const host of ['example.com', '10.0.0.1', '128.0.0.1', 'localhost.example.com', '[::2]', '0.0.0.0', '127.0.0.300']) {
      assert.equal(isLoopbackHost(host), false, host)
    }
  })
})
