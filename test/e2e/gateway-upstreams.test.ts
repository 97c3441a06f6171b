// The gateway in front of other real upstreams: the reference server (server-everything), an OAuth-protected server
// whose short-lived tokens are refreshed while the gateway keeps its session, and a vendor that asks its own
// confirmation question during a call (elicitation passed through, or declined for a client that cannot answer).
import assert from 'node:assert/strict'
import {fileURLToPath} from 'node:url'

import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {startEverythingServer} from '../helpers/everything.js'
import {type Agent, type Era, httpAgent, startHttpGateway, stdioAgent, textOf} from '../helpers/gateway.js'
import {startAuthorizationServer, type TestAuthorizationServer} from '../helpers/oauth/authorization-server.js'
import {startResourceServer, type TestResourceServer} from '../helpers/oauth/resource-server.js'
import {startMcpServer} from '../helpers/servers.js'
import {startItGlueEmulator} from '../helpers/vendors/it-glue.js'

const browserCommand = `${process.execPath} --import tsx ${fileURLToPath(new URL('../helpers/oauth/browser-command.ts', import.meta.url))}`

describe('gateway in front of other upstreams', function () {
  this.timeout(90_000)
  let sandbox: ReturnType<typeof cliSandbox>
  const agents: Agent[] = []
  const connect = async (args: string[] = [], options: Parameters<typeof stdioAgent>[2] = {}) => {
    const agent = await stdioAgent(sandbox.env, args, options)
    agents.push(agent)
    return agent
  }

  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.close()))
    sandbox.cleanup()
  })

  it('calls the reference server (server-everything) through the gateway', async () => {
    const everything = await startEverythingServer()
    try {
      const add = await sandbox.run(['integrations', 'add', everything.url, '--allow-http', '--name', 'everything'])
      assert.equal(add.code, 0, add.stderr)
      assert.equal((await sandbox.run(['policy', 'set', 'mcp:everything:echo', 'auto'])).code, 0)
      const agent = await connect()
      assert.ok((await agent.client.listTools()).tools.some((tool) => tool.name === 'everything__echo'))
      const result = await agent.client.callTool({arguments: {message: 'hello gateway'}, name: 'everything__echo'})
      assert.match(textOf(result), /hello gateway/)
    } finally {
      await everything.close()
    }
  })

  it('offers and calls a catalog app (IT Glue, against its emulator) like any other connection', async () => {
    const vendor = await startItGlueEmulator()
    try {
      const connected = await sandbox.run(['connect', 'it-glue', '--name', 'docs', '--field', `instance=${vendor.origin}`, '--secret-stdin', 'api-key', '--insecure-storage'], {input: vendor.apiKey})
      assert.equal(connected.code, 0, connected.stderr)
      const agent = await connect()
      const names = (await agent.client.listTools()).tools.map((tool) => tool.name)
      assert.ok(names.includes('docs__search_orgs'), names.join(' '))
      const result = await agent.client.callTool({arguments: {name: 'Acme Corporation'}, name: 'docs__search_orgs'})
      assert.equal(result.isError, undefined, textOf(result))
      assert.match(textOf(result), /Acme Corporation/)
      assert.ok(!textOf(result).includes(vendor.apiKey))
    } finally {
      await vendor.close()
    }
  })

  describe('OAuth upstream with short-lived tokens', () => {
    let as: TestAuthorizationServer
    let rs: TestResourceServer
    afterEach(async () => {
      await Promise.allSettled([rs?.close(), as?.close()])
    })

    it('refreshes the token during the session and keeps calling', async () => {
      // 30 s tokens are always within the 60 s refresh margin: every call refreshes first, as a long session would.
      as = await startAuthorizationServer({accessTokenTtl: 30})
      rs = await startResourceServer(as)
      const add = await sandbox.run(['integrations', 'add', rs.url, '--name', 'secure', '--insecure-storage'], {env: {BROWSER: browserCommand}})
      assert.equal(add.code, 0, add.stderr)
      assert.equal((await sandbox.run(['policy', 'set', 'mcp:secure:echo', 'auto'])).code, 0)
      const before = as.refreshCount()
      const refusedBefore = rs.refused.length
      const agent = await connect()
      for (const word of ['one', 'two', 'three']) {
        const result = await agent.client.callTool({arguments: {text: word}, name: 'secure__echo'})
        assert.equal(result.isError, undefined, textOf(result))
      }

      assert.ok(as.refreshCount() - before >= 2, 'refreshed while the gateway kept running')
      assert.deepEqual(rs.calls.slice(-3), ['echo', 'echo', 'echo'])
      assert.equal(rs.refused.length, refusedBefore, 'no call was sent with an expired token')
    })
  })

  it("forwards the client's cancellation to the upstream call", async () => {
    let started!: () => void
    const running = new Promise<void>((resolve) => (started = resolve))
    let cancelled!: () => void
    const upstreamCancelled = new Promise<void>((resolve) => (cancelled = resolve))
    const slow = await startMcpServer({
      call: (_request, _ask, signal) =>
        new Promise((resolve) => {
          started()
          signal.addEventListener('abort', () => {
            cancelled()
            resolve({content: [{text: 'stopped', type: 'text'}]})
          })
        }),
      tools: [{description: 'Lists everything, slowly.', inputSchema: {type: 'object'}, name: 'list_everything'}],
    })
    try {
      assert.equal((await sandbox.run(['integrations', 'add', slow.url, '--name', 'slow'])).code, 0)
      const agent = await connect()
      const controller = new AbortController()
      const call = agent.client.callTool({arguments: {}, name: 'slow__list_everything'}, {signal: controller.signal})
      call.catch(() => {})
      await running
      controller.abort()
      await assert.rejects(call)
      // Resolves only when the upstream's own request signal fired: the cancellation reached it.
      await upstreamCancelled
    } finally {
      await slow.close()
    }
  })

  describe("a vendor's own confirmation question during a call", () => {
    const answers: unknown[] = []
    let vendor: Awaited<ReturnType<typeof startMcpServer>>

    beforeEach(async () => {
      answers.length = 0
      vendor = await startMcpServer({
        async call(request, ask) {
          const answer = (await ask({
            message: `Really wipe ${String(request.arguments.device)}?`,
            requestedSchema: {properties: {confirm: {type: 'boolean'}}, required: ['confirm'], type: 'object'},
          })) as {action: string; content?: {confirm?: boolean}}
          answers.push(answer)
          return {content: [{text: answer.action === 'accept' && answer.content?.confirm ? 'wiped' : 'not wiped', type: 'text'}]}
        },
        tools: [{description: 'Lists devices after a confirmation.', inputSchema: {type: 'object'}, name: 'list_devices'}],
      })
      assert.equal((await sandbox.run(['integrations', 'add', vendor.url, '--name', 'rmm'])).code, 0)
    })
    afterEach(async () => {
      await vendor.close()
    })

    for (const era of ['2025', '2026'] as Era[]) {
      it(`passes it to a ${era} client that can answer`, async () => {
        const seen: string[] = []
        const agent = await connect([], {
          elicit: async (request) => {
            seen.push(request.message)
            return {action: 'accept', content: {confirm: true}}
          },
          era,
        })
        const result = await agent.client.callTool({arguments: {device: 'laptop-7'}, name: 'rmm__list_devices'})
        assert.equal(textOf(result), 'wiped')
        assert.deepEqual(seen, ['Really wipe laptop-7?'])
        assert.deepEqual(answers, [{action: 'accept', content: {confirm: true}}])
      })
    }

    it('declines it for a client that cannot answer', async () => {
      const agent = await connect()
      const result = await agent.client.callTool({arguments: {device: 'laptop-7'}, name: 'rmm__list_devices'})
      assert.equal(textOf(result), 'not wiped')
      assert.deepEqual(answers, [{action: 'decline'}])
    })

    it('asks the client whose call it is when two clients share the upstream session, one of them unable to answer', async () => {
      // Both calls reach the vendor before either question is asked: the two are in flight on the one pooled session.
      let release!: () => void
      const bothArrived = new Promise<void>((resolve) => {
        release = resolve
      })
      let arrived = 0
      const shared = await startMcpServer({
        async call(request, ask) {
          if (++arrived === 2) release()
          await bothArrived
          const answer = (await ask({message: `Really wipe ${String(request.arguments.device)}?`, requestedSchema: {properties: {confirm: {type: 'boolean'}}, required: ['confirm'], type: 'object'}})) as {action: string; content?: {confirm?: boolean}}
          return {content: [{text: `${answer.action === 'accept' && answer.content?.confirm ? 'wiped' : 'not wiped'} ${String(request.arguments.device)}`, type: 'text'}]}
        },
        tools: [{description: 'Lists devices after a confirmation.', inputSchema: {type: 'object'}, name: 'list_devices'}],
      })
      const token = 'gateway-token-for-two-clients-0123456789'
      let gateway: Awaited<ReturnType<typeof startHttpGateway>> | undefined
      try {
        assert.equal((await sandbox.run(['integrations', 'add', shared.url, '--name', 'rmm2'])).code, 0)
        gateway = await startHttpGateway({...sandbox.env, MCPCTL_GATEWAY_TOKEN: token})
        const seen: string[] = []
        const answering = await httpAgent(gateway.url, token, {
          elicit: async (request) => {
            seen.push(request.message)
            return {action: 'accept', content: {confirm: true}}
          },
        })
        const silent = await httpAgent(gateway.url, token)
        agents.push(answering, silent)
        const [yes, no] = await Promise.all([
          answering.client.callTool({arguments: {device: 'laptop-1'}, name: 'rmm2__list_devices'}),
          silent.client.callTool({arguments: {device: 'laptop-2'}, name: 'rmm2__list_devices'}),
        ])
        assert.equal(textOf(yes), 'wiped laptop-1')
        assert.equal(textOf(no), 'not wiped laptop-2')
        assert.deepEqual(seen, ['Really wipe laptop-1?'])
      } finally {
        await Promise.all(agents.splice(0).map((agent) => agent.close()))
        await gateway?.close()
        await shared.close()
      }
    })
  })
})
