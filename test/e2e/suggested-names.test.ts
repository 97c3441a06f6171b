// The name `integrations add` suggests (and uses as is without a terminal): from the host when it says something, from
// the server's own name (serverInfo) when the host is an IP address or localhost, with the port when that name is taken.
import assert from 'node:assert/strict'

import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {startMcpServer, type TestMcpServer} from '../helpers/servers.js'

describe('integrations add: the suggested name (CLI)', function () {
  this.timeout(60_000)
  const servers: TestMcpServer[] = []
  let sandbox: ReturnType<typeof cliSandbox>
  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(async () => {
    sandbox.cleanup()
    await Promise.all(servers.splice(0).map((server) => server.close()))
  })

  const add = async (server: TestMcpServer) => {
    const result = await sandbox.run(['integrations', 'add', server.url, '--json'])
    assert.equal(result.code, 0, result.stderr)
    return result.json().name as string
  }

  it('names loopback servers after themselves, adds the port on a clash, and still names a telling host after it', async () => {
    const tools = [{description: 'Lists tickets.', inputSchema: {type: 'object'}, name: 'list_tickets'}]
    for (const serverInfo of [{name: 'Acme Helpdesk', version: '1'}, {name: 'Acme Helpdesk', version: '2'}, {name: '@everything/Server!', version: '1'}]) {
      servers.push(await startMcpServer({serverInfo, tools}))
    }
    servers.push(await startMcpServer({host: 'localhost', serverInfo: {name: '---', version: '1'}, tools}))
    const [first, second, odd, nameless] = servers
    assert.equal(await add(first), 'acme-helpdesk')
    assert.equal(await add(second), `acme-helpdesk-${second.port}`)
    assert.equal(await add(odd), 'everything-server')
    // Nothing usable in the server's name: the host's, as before.
    assert.equal(await add(nameless), 'localhost')
  })
})
