// Prompts as a person meets them: the real CLI in a pseudo-terminal (node-pty), answering on screen.
import assert from 'node:assert/strict'

import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {runInPty} from '../helpers/pty.js'
import {startMcpServer, type TestMcpServer} from '../helpers/servers.js'

describe('interactive prompts (pseudo-terminal)', function () {
  this.timeout(60_000)
  let sandbox: ReturnType<typeof cliSandbox>
  let server: TestMcpServer

  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
  })
  afterEach(async () => {
    sandbox.cleanup()
    await server?.close()
  })

  const tools = [
    {description: 'Lists tickets.', inputSchema: {type: 'object'}, name: 'list_tickets'},
    {description: 'Deletes a ticket.', inputSchema: {type: 'object'}, name: 'delete_ticket'},
  ]

  it('asks for the name (suggested from the URL) and a masked token, then adds', async () => {
    server = await startMcpServer({auth: 'bearer', host: 'localhost', token: 'pty-SECRET-77', tools})
    const term = runInPty(['integrations', 'add', server.url, '--insecure-storage'], sandbox.env)
    await term.waitFor('Name for this integration')
    // Styling escapes stand between the words on a real terminal; the text a person reads is what counts.
    const screen = term.output().replaceAll(/\u001B\[[\d;]*[A-Za-z]/g, '')
    assert.match(screen, /Name for this integration \(localhost\)/, 'the suggestion from the URL is offered as the default')
    term.write('\u0015helpdesk\r') // Ctrl-U clears the suggestion, then type a name
    await term.waitFor('Bearer token')
    term.write('pty-SECRET-77\r')
    assert.equal(await term.exit, 0, term.output())
    assert.doesNotMatch(term.output(), /pty-SECRET-77/, 'the token is masked')
    assert.match(term.output(), /Added helpdesk/)
    const rows = (await sandbox.run(['tools', 'list', '--json'])).json()
    assert.deepEqual(rows.map((r: {name: string}) => r.name).sort(), ['mcp:helpdesk:delete_ticket', 'mcp:helpdesk:list_tickets'])
  })

  it('asks how to send a credential when the probe cannot tell, then the header name', async () => {
    server = await startMcpServer({auth: 'bare401', accepts: 'header', headerName: 'x-api-key', headerValue: 'k-123', tools})
    const term = runInPty(['integrations', 'add', server.url, '--name', 'docs', '--insecure-storage'], sandbox.env)
    await term.waitFor('How does it take one?')
    term.write('\u001B[B\r') // arrow down to "API key in a custom header", Enter
    await term.waitFor('Header name')
    term.write('\r') // accept the default x-api-key
    await term.waitFor('Value of the x-api-key header')
    term.write('k-123\r')
    assert.equal(await term.exit, 0, term.output())
    const show = (await sandbox.run(['integrations', 'show', 'docs', '--json'])).json()
    assert.equal(show.auth, 'header')
    assert.equal(show.headerName, 'x-api-key')
  })

  it('disconnect asks for confirmation; "no" removes nothing, "yes" removes', async () => {
    server = await startMcpServer({auth: 'none', tools})
    assert.equal((await sandbox.run(['integrations', 'add', server.url, '--name', 'acme'])).code, 0)

    assert.equal((await sandbox.run(['policy', 'set', 'mcp:acme:delete_ticket', 'disabled'])).code, 0)
    const declined = runInPty(['disconnect', 'acme'], sandbox.env)
    await declined.waitFor('Disconnect acme?')
    const screen = declined.output().replaceAll(/\u001B\[[\d;]*[A-Za-z]/g, '').replaceAll(/\s+/g, ' ')
    assert.match(screen, /2 tools and their policies — 1 choice people made among them, lost for good/)
    assert.match(screen, /first run `mcpctl policy export --server acme -o acme-policy\.yaml`/)
    declined.write('n\r')
    assert.equal(await declined.exit, 130)
    assert.equal((await sandbox.run(['tools', 'list', '--json'])).json().length, 2)
    assert.match((await sandbox.run(['policy', 'export', '--server', 'acme'])).stdout, /delete_ticket: disabled/, 'the suggested export has the choice')

    const accepted = runInPty(['disconnect', 'acme'], sandbox.env)
    await accepted.waitFor('Disconnect acme?')
    accepted.write('y\r')
    assert.equal(await accepted.exit, 0, accepted.output())
    assert.deepEqual((await sandbox.run(['tools', 'list', '--json'])).json(), [])
  })

  it('policy reset without patterns says how many choices go and asks; "no" keeps them', async () => {
    server = await startMcpServer({auth: 'none', tools})
    assert.equal((await sandbox.run(['integrations', 'add', server.url, '--name', 'acme'])).code, 0)
    assert.equal((await sandbox.run(['policy', 'set', 'mcp:acme:delete_ticket', 'mcp:acme:list_tickets', 'disabled'])).code, 0)
    const declined = runInPty(['policy', 'reset'], sandbox.env)
    await declined.waitFor('Remove 2 choices people made?')
    declined.write('n\r')
    assert.equal(await declined.exit, 130)
    const chosen = (await sandbox.run(['policy', 'list', '--source', 'user', '--json'])).json()
    assert.equal(chosen.length, 2)

    const accepted = runInPty(['policy', 'reset'], sandbox.env)
    await accepted.waitFor('Remove 2 choices people made?')
    accepted.write('y\r')
    assert.equal(await accepted.exit, 0, accepted.output())
    assert.deepEqual((await sandbox.run(['policy', 'list', '--source', 'user', '--json'])).json(), [])
  })

  it('connect asks for the new credential of a bearer connection, masked, and replaces it', async () => {
    server = await startMcpServer({auth: 'bearer', token: 'pty-OLD-1', tools})
    assert.equal((await sandbox.run(['integrations', 'add', server.url, '--name', 'acme', '--token-env', 'T'], {env: {T: 'pty-OLD-1'}})).code, 0)
    server.credentials.token = 'pty-NEW-2'
    const term = runInPty(['connect', 'acme', '--insecure-storage'], sandbox.env)
    await term.waitFor('New bearer token for acme')
    term.write('pty-NEW-2\r')
    assert.equal(await term.exit, 0, term.output())
    assert.doesNotMatch(term.output(), /pty-NEW-2/, 'the token is masked')
    assert.match(term.output(), /Replaced the credential of acme/)
    assert.equal((await sandbox.run(['tools', 'call', 'mcp:acme:list_tickets'])).code, 0)
  })
})
