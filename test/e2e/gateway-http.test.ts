// `mcpctl gateway --http`: 127.0.0.1 only, a bearer token on every request (never forwarded), Host/Origin checked,
// both protocol eras on one endpoint.
import assert from 'node:assert/strict'
import http from 'node:http'

import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {type Agent, type Era, httpAgent, type HttpGateway, startHttpGateway, textOf} from '../helpers/gateway.js'
import {startMcpServer, type TestMcpServer} from '../helpers/servers.js'

const TOKEN = 'gateway-token-5c1e9d'
const UPSTREAM = 'upstream-bearer-8b2f'

describe('gateway (HTTP)', function () {
  this.timeout(60_000)
  let sandbox: ReturnType<typeof cliSandbox>
  let server: TestMcpServer
  let gateway: HttpGateway
  const agents: Agent[] = []

  before(async () => {
    sandbox = cliSandbox({MCPCTL_GATEWAY_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: testCa().caFile, UPSTREAM_TOKEN: UPSTREAM})
    server = await startMcpServer({
      auth: 'bearer',
      token: UPSTREAM,
      tools: [
        {description: 'Lists tickets.', inputSchema: {type: 'object'}, name: 'list_tickets'},
        {description: 'Creates a ticket.', inputSchema: {type: 'object'}, name: 'create_ticket'},
      ],
    })
    const add = await sandbox.run(['integrations', 'add', server.url, '--name', 'hd', '--auth', 'bearer', '--token-env', 'UPSTREAM_TOKEN'])
    assert.equal(add.code, 0, add.stderr)
    gateway = await startHttpGateway(sandbox.env)
  })
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.close()))
  })
  after(async () => {
    await gateway?.close()
    await server.close()
    sandbox.cleanup()
  })

  /** An initialize POST with exactly these headers (node:http, since fetch will not send a chosen Host). */
  const post = (headers: Record<string, string>) =>
    new Promise<{headers: http.IncomingHttpHeaders; status: number}>((resolve, reject) => {
      const body = JSON.stringify({id: 1, jsonrpc: '2.0', method: 'initialize', params: {capabilities: {}, clientInfo: {name: 'x', version: '1'}, protocolVersion: '2025-06-18'}})
      const request = http.request(gateway.url, {headers: {accept: 'application/json, text/event-stream', 'content-type': 'application/json', ...headers}, method: 'POST'}, (response) => {
        response.resume()
        resolve({headers: response.headers, status: response.statusCode ?? 0})
      })
      request.on('error', reject)
      request.end(body)
    })

  it('listens on 127.0.0.1 only', () => {
    assert.match(gateway.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
  })

  it('refuses a request without the token, or with another one (401)', async () => {
    const attempts: Record<string, string>[] = [{}, {authorization: 'Bearer wrong'}, {authorization: `Bearer ${TOKEN}x`}, {authorization: TOKEN}]
    for (const headers of attempts) {
      const response = await post(headers)
      assert.equal(response.status, 401)
      assert.match(String(response.headers['www-authenticate']), /^Bearer/)
    }
  })

  it('refuses a browser page from another origin and a rebinding Host (403), even with the token', async () => {
    const attempts: Record<string, string>[] = [{origin: 'https://evil.example'}, {host: 'evil.example'}, {host: 'evil.example:80'}, {origin: 'null'}]
    for (const headers of attempts) {
      const response = await post({authorization: `Bearer ${TOKEN}`, ...headers})
      assert.equal(response.status, 403, JSON.stringify(headers))
    }

    const loopback = await post({authorization: `Bearer ${TOKEN}`, origin: 'http://localhost:3000'})
    assert.equal(loopback.status, 200)
  })

  for (const era of ['2025', '2026'] as Era[]) {
    it(`serves ${era} clients: list, auto call, and an approval asked in the client`, async () => {
      let asked = 0
      const agent = await httpAgent(gateway.url, TOKEN, {
        elicit: async () => {
          asked++
          return {action: 'accept', content: {approve: true}}
        },
        era,
      })
      agents.push(agent)
      assert.deepEqual((await agent.client.listTools()).tools.map((tool) => tool.name).sort(), ['hd__create_ticket', 'hd__list_tickets'])
      const before = server.requests.length
      const listed = await agent.client.callTool({arguments: {}, name: 'hd__list_tickets'})
      assert.equal(listed.isError, undefined, textOf(listed))
      const created = await agent.client.callTool({arguments: {summary: 'x'}, name: 'hd__create_ticket'})
      assert.equal(created.isError, undefined, textOf(created))
      assert.equal(asked, 1)
      // The upstream got mcpctl's credential for it, never the agent's token.
      const upstream = server.requests.slice(before)
      assert.ok(upstream.length > 0)
      for (const request of upstream) assert.equal(request.headers.authorization, `Bearer ${UPSTREAM}`)
    })
  }
})
