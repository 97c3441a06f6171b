// Cheap checks first: a bad name, a clashing name, a bad header name, an unset --token-env variable or a secret with
// nowhere to go fail before mcpctl sends the server a single request (or opens a browser).
import assert from 'node:assert/strict'

import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {startMcpServer, type TestMcpServer} from '../helpers/servers.js'

describe('integrations add / connect: cheap checks before any network work', function () {
  this.timeout(60_000)
  let sandbox: ReturnType<typeof cliSandbox>
  let server: TestMcpServer

  beforeEach(async () => {
    // MCPCTL_KEYRING=off (the sandbox's default): no keyring, so a secret needs --insecure-storage or --token-env.
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
    server = await startMcpServer({auth: 'bearer', token: 'tok-1'})
  })
  afterEach(async () => {
    sandbox.cleanup()
    await server.close()
  })

  const cases: Array<{args: string[]; code: number; input?: string; message: RegExp; what: string}> = [
    {args: ['--name', 'Not A Name'], code: 2, message: /is not a valid name/, what: 'an invalid --name'},
    {args: ['--name', 'hd', '--auth', 'header', '--header-name', 'x api key', '--token-env', 'HD_TOKEN'], code: 2, message: /not a valid HTTP header name/, what: 'an invalid --header-name'},
    {args: ['--name', 'hd', '--auth', 'bearer', '--token-env', 'HD_UNSET_TOKEN'], code: 3, message: /HD_UNSET_TOKEN/, what: 'an unset --token-env variable'},
    {args: ['--name', 'hd', '--auth', 'bearer', '--token-stdin'], code: 2, input: 'tok-1', message: /No OS keyring/, what: 'a token with no keyring and no --insecure-storage'},
    {args: ['--name', 'hd', '--auth', 'oauth'], code: 2, message: /No OS keyring/, what: 'OAuth tokens with no keyring and no --insecure-storage'},
  ]
  for (const {args, code, input, message, what} of cases) {
    it(`${what}: exit ${code}, and the server never hears from mcpctl`, async () => {
      const result = await sandbox.run(['integrations', 'add', server.url, ...args, '--json'], {input})
      assert.equal(result.code, code, result.stdout + result.stderr)
      assert.match(result.json().error.message, message)
      assert.equal(server.requests.length, 0, `requests: ${server.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`)
    })
  }

  it('a name that is already taken: refused before the probe', async () => {
    const first = await sandbox.run(['integrations', 'add', server.url, '--name', 'hd', '--auth', 'bearer', '--token-env', 'HD_TOKEN'], {env: {HD_TOKEN: 'tok-1'}})
    assert.equal(first.code, 0, first.stderr)
    const seen = server.requests.length
    const again = await sandbox.run(['integrations', 'add', server.url, '--name', 'hd', '--token-env', 'HD_TOKEN', '--json'], {env: {HD_TOKEN: 'tok-1'}})
    assert.equal(again.code, 2)
    assert.match(again.json().error.message, /already exists/)
    assert.equal(server.requests.length, seen)
  })
})
