import assert from 'node:assert/strict'
import {gzipSync} from 'node:zlib'

import {McpctlError} from '../../../src/core/errors.js'
import {guardedFetch} from '../../../src/core/net/http.js'
import {startHttpServer, type TestHttpServer} from '../../helpers/servers.js'

describe('guardedFetch', () => {
  const servers: TestHttpServer[] = []
  const start = async (...args: Parameters<typeof startHttpServer>) => {
    const server = await startHttpServer(...args)
    servers.push(server)
    return server
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()))
  })

  const serverError = (pattern: RegExp) => (error: unknown) => error instanceof McpctlError && error.kind === 'server' && pattern.test(error.message)

  it('follows same-origin redirects, re-sending the body of a POST on 307/308', async () => {
    const server = await start((req, res, body) => {
      if (req.url === '/old') res.writeHead(307, {location: '/middle'}).end()
      else if (req.url === '/middle') res.writeHead(308, {location: '/new'}).end()
      else res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({got: body, key: req.headers['x-api-key']}))
    })
    const response = await guardedFetch()(`${server.origin}/old`, {body: '{"a":1}', headers: {'content-type': 'application/json', 'x-api-key': 'k'}, method: 'POST'})
    assert.deepEqual(await response.json(), {got: {a: 1}, key: 'k'})
    assert.deepEqual(server.requests.map((request) => request.path), ['/old', '/middle', '/new'])
  })

  it('refuses a redirect to another origin and never contacts it', async () => {
    const elsewhere = await start((_req, res) => void res.end('stolen'))
    const server = await start((_req, res) => void res.writeHead(302, {location: `${elsewhere.origin}/collect`}).end())
    await assert.rejects(
      guardedFetch()(`${server.origin}/mcp`, {headers: {'x-api-key': 'secret'}}),
      (error: unknown) =>
        error instanceof McpctlError &&
        error.message === `Server redirected to another origin (${elsewhere.origin}); not following with credentials`,
    )
    assert.equal(elsewhere.requests.length, 0)
  })

  it('refuses a downgrade to plain http on the same host', async () => {
    const plain = await start((_req, res) => void res.end('plain'), {tls: false})
    const server = await start((_req, res) => void res.writeHead(301, {location: `http://127.0.0.1:${plain.port}/`}).end())
    await assert.rejects(guardedFetch()(server.origin), serverError(/redirected to another origin \(http:/))
    assert.equal(plain.requests.length, 0)
  })

  it('gives up after 5 redirects, and refuses a 302 that would turn a POST into a GET', async () => {
    const server = await start((req, res) => {
      if (req.url === '/post') res.writeHead(302, {location: '/elsewhere'}).end()
      else res.writeHead(307, {location: `/r${Number(req.url!.slice(2) || 0) + 1}`}).end()
    })
    await assert.rejects(guardedFetch()(`${server.origin}/r0`), serverError(/redirected more than 5 times/))
    assert.equal(server.requests.length, 6)
    await assert.rejects(guardedFetch()(`${server.origin}/post`, {body: '{}', method: 'POST'}), serverError(/answered POST with HTTP 302/))
  })

  it('caps bodies while they stream, declared or not', async () => {
    const server = await start((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, {'content-length': String(2048)}).end('y'.repeat(2048))
        return
      }
      res.writeHead(200, {'content-type': 'application/octet-stream'})
      for (let i = 0; i < 64; i++) res.write('z'.repeat(1024))
      res.end()
    })
    const fetch = guardedFetch({maxBytes: 16 * 1024})
    const response = await fetch(`${server.origin}/chunked`)
    await assert.rejects(response.text(), serverError(/larger than/))
    // A declared length over the cap fails before any of the body is read.
    await assert.rejects(guardedFetch({maxBytes: 1024})(`${server.origin}/declared`), serverError(/sent a response larger than 1 KiB; stopped reading$/))
  })

  it('counts a compressed body as it inflates, whatever length it declares', async () => {
    const bomb = gzipSync(Buffer.alloc(256 * 1024))
    const server = await start((_req, res) => {
      res.writeHead(200, {'content-encoding': 'gzip', 'content-length': String(bomb.length)}).end(bomb)
    })
    assert.ok(bomb.length < 1024)
    const response = await guardedFetch({maxBytes: 16 * 1024})(`${server.origin}/gzip`)
    await assert.rejects(response.arrayBuffer(), serverError(/larger than 16 KiB/))
    // Within the cap it reads whole.
    assert.equal((await (await guardedFetch({maxBytes: 512 * 1024})(`${server.origin}/gzip`)).arrayBuffer()).byteLength, 256 * 1024)
  })

  it('keeps server-sent events streaming (nothing is buffered until the end)', async () => {
    let finish: () => void = () => {}
    const server = await start((_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'})
      res.write('event: endpoint\ndata: /messages\n\n')
      finish = () => res.end()
    })
    const response = await guardedFetch()(server.origin, {headers: {accept: 'text/event-stream'}})
    const reader = response.body!.getReader()
    const {value} = await reader.read()
    assert.match(new TextDecoder().decode(value), /event: endpoint/)
    finish()
    await reader.cancel()
  })

  it('times out a server that never answers, and lets a caller abort through untouched', async () => {
    const server = await start(() => {})
    await assert.rejects(guardedFetch({timeoutMs: 200})(server.origin), serverError(/^Cannot reach https:\/\/127\.0\.0\.1:\d+: no answer within 0\.2 s$/))
    const controller = new AbortController()
    const pending = guardedFetch()(server.origin, {signal: controller.signal})
    controller.abort()
    await assert.rejects(pending, (error: unknown) => error instanceof Error && error.name === 'AbortError')
  })
})
