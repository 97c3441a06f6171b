// The main job through the real CLI over HTTPS (test CA via NODE_EXTRA_CA_CERTS): probe, add, list, show, disconnect.
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {testCa} from '../helpers/ca.js'
import {type CliResult, cliSandbox} from '../helpers/cli.js'
import {startEverythingServer} from '../helpers/everything.js'
import {startMcpServer, type TestMcpServer, type TestTool} from '../helpers/servers.js'

const TOOLS: TestTool[] = [
  {description: 'Lists tickets.', inputSchema: {type: 'object'}, name: 'list_tickets'},
  {description: 'Deletes a ticket.', inputSchema: {type: 'object'}, name: 'delete_ticket'},
]

/** Every file under the store dir, concatenated: secrets must never be in the config or definitions. */
const configFiles = (dir: string) =>
  ['config.json', ...(existsSync(join(dir, 'definitions')) ? readdirSync(join(dir, 'definitions')).map((f) => join('definitions', f)) : [])]
    .filter((f) => existsSync(join(dir, f)))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n')

describe('integrations (CLI, HTTPS)', function () {
  this.timeout(60_000)
  const servers: TestMcpServer[] = []
  let sandbox: ReturnType<typeof cliSandbox>
  const outputs: CliResult[] = []

  const start = async (options: Parameters<typeof startMcpServer>[0]) => {
    const server = await startMcpServer({tools: TOOLS, ...options})
    servers.push(server)
    return server
  }

  const run = async (args: string[], options: {env?: Record<string, string | undefined>; input?: string} = {}) => {
    const result = await sandbox.run(args, options)
    outputs.push(result)
    return result
  }

  beforeEach(() => {
    sandbox = cliSandbox({NODE_EXTRA_CA_CERTS: testCa().caFile})
    outputs.length = 0
  })
  afterEach(async () => {
    sandbox.cleanup()
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })

  describe('probe', () => {
    const cases: [string, Parameters<typeof startMcpServer>[0], string, string][] = [
      ['no auth', {auth: 'none'}, 'none', 'streamable-http'],
      ['static bearer', {auth: 'bearer'}, 'bearer', 'streamable-http'],
      ['bare 401', {auth: 'bare401'}, 'header', 'streamable-http'],
      ['API-key header', {auth: 'header'}, 'header', 'streamable-http'],
      ['403 with no challenge', {auth: 'forbidden'}, 'header', 'streamable-http'],
      ['OAuth protected resource', {auth: 'oauth-prm'}, 'oauth', 'streamable-http'],
      ['legacy SSE', {auth: 'none', transport: 'sse'}, 'none', 'sse'],
    ]
    for (const [title, options, auth, transport] of cases) {
      it(`says ${auth} over ${transport} for ${title}`, async () => {
        const server = await start(options)
        const result = await run(['integrations', 'probe', server.url, '--json'])
        assert.equal(result.code, 0, result.stderr)
        const verdict = result.json()
        assert.equal(verdict.auth, auth)
        assert.equal(verdict.transport, transport)
        assert.equal(verdict.url, server.url)
        if (auth === 'oauth') assert.deepEqual(verdict.oauth.authorizationServers, ['https://auth.example.test'])
      })
    }

    it('ends the session an unauthenticated initialize opened', async () => {
      const server = await start({auth: 'none'})
      assert.equal((await run(['integrations', 'probe', server.url])).code, 0)
      assert.ok(server.requests.some((r) => r.method === 'DELETE'), 'expected a DELETE ending the session')
    })

    it('refuses plain http, and http to a non-loopback host even with --allow-http', async () => {
      const plain = await run(['integrations', 'probe', 'http://127.0.0.1:9/mcp', '--json'])
      assert.equal(plain.code, 2)
      assert.match(plain.json().error.message, /--allow-http/)
      const remote = await run(['integrations', 'probe', 'http://mcp.example.com/mcp', '--allow-http'])
      assert.equal(remote.code, 2)
      assert.match(remote.stderr, /loopback/)
    })

    it('reports an unreachable server with the server exit code', async () => {
      const server = await start({auth: 'none'})
      await server.close()
      const result = await run(['integrations', 'probe', server.url, '--json'])
      assert.equal(result.code, 4)
      assert.equal(result.json().error.kind, 'server')
    })
  })

  describe('add', () => {
    it('adds a server without auth, seeds policies and prints them', async () => {
      const server = await start({auth: 'none'})
      const result = await run(['integrations', 'add', server.url, '--name', 'open', '--json'])
      assert.equal(result.code, 0, result.stderr)
      const added = result.json()
      assert.equal(added.name, 'open')
      assert.equal(added.auth, 'none')
      assert.deepEqual(
        added.tools.map((t: {name: string; permission: string}) => [t.name, t.permission]),
        [
          ['mcp:open:list_tickets', 'auto'],
          ['mcp:open:delete_ticket', 'approval_needed'],
        ],
      )
      const human = await run(['integrations', 'show', 'open'])
      assert.match(human.stdout, /mcp:open:delete_ticket\tapproval_needed\tdefault/)
    })

    it('adds a bearer server with the token from stdin, kept out of the config and every output', async () => {
      const server = await start({auth: 'bearer', token: 'tok-SECRET-4a7f'})
      const result = await run(['integrations', 'add', server.url, '--name', 'acme', '--auth', 'bearer', '--token-stdin', '--insecure-storage', '--json'], {
        input: 'tok-SECRET-4a7f\n',
      })
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.json().secretStorage, 'file')
      assert.ok(server.requests.some((r) => r.headers.authorization === 'Bearer tok-SECRET-4a7f'))
      await run(['integrations', 'show', 'acme', '--json'])
      await run(['integrations', 'list'])
      await run(['tools', 'list', '--json'])
      assert.doesNotMatch(configFiles(sandbox.dir), /tok-SECRET-4a7f/)
      for (const output of outputs) assert.doesNotMatch(output.stdout + output.stderr, /tok-SECRET-4a7f/)
      const secretsFile = join(sandbox.dir, 'secrets.json')
      assert.match(readFileSync(secretsFile, 'utf8'), /tok-SECRET-4a7f/)
      assert.equal(statMode(secretsFile), 0o600)
      assert.equal(statMode(join(sandbox.dir, 'config.json')), 0o600)
    })

    it('uses the probe one step further: a bearer server that lets initialize through is added as bearer without --auth', async () => {
      const server = await start({auth: 'bearer', openInitialize: true, token: 'tok-LATE-1'})
      const result = await run(['integrations', 'add', server.url, '--name', 'late', '--token-env', 'LATE_TOKEN', '--json'], {env: {LATE_TOKEN: 'tok-LATE-1'}})
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.json().auth, 'bearer')
      assert.equal(result.json().probe.challengedAt, 'tools/list')
    })

    it('refuses a second connection to the same server URL unless --allow-duplicate, before contacting it', async () => {
      const server = await start({auth: 'none'})
      assert.equal((await run(['integrations', 'add', server.url, '--name', 'acme'])).code, 0)
      const seen = server.requests.length
      for (const url of [`${server.url}/`, server.url.replace('/mcp', '/./mcp')]) {
        const again = await run(['integrations', 'add', url, '--name', 'acme-two', '--json'])
        assert.equal(again.code, 2, url)
        assert.match(again.json().error.message, /is already connected as "acme"/)
        assert.match(again.json().error.hint, /--allow-duplicate/)
      }
      assert.equal(server.requests.length, seen, 'refused before any network work')
      const allowed = await run(['integrations', 'add', server.url, '--name', 'acme-two', '--allow-duplicate', '--json'])
      assert.equal(allowed.code, 0, allowed.stderr)
      assert.deepEqual((await run(['integrations', 'list', '--json'])).json().map((i: {name: string}) => i.name).sort(), ['acme', 'acme-two'])
    })

    it('sends repeatable --header NAME=VALUE (stored, not secret) on every request beside the credential', async () => {
      const server = await start({auth: 'header', headerName: 'x-api-key', headerValue: 'key-T1'})
      const added = await run(
        ['integrations', 'add', server.url, '--name', 'rmm', '--header-name', 'x-api-key', '--token-env', 'RMM_KEY', '--header', 'X-Tenant-Id=acme', '--header', 'x-region=eu-1', '--json'],
        {env: {RMM_KEY: 'key-T1'}},
      )
      assert.equal(added.code, 0, added.stderr)
      assert.deepEqual(added.json().headers, {'x-region': 'eu-1', 'x-tenant-id': 'acme'})
      assert.equal((await run(['tools', 'call', 'mcp:rmm:list_tickets'], {env: {RMM_KEY: 'key-T1'}})).code, 0)
      const toEndpoint = server.requests.filter((r) => r.path === '/mcp')
      assert.ok(toEndpoint.length >= 4, 'probe, session, listing and the call')
      for (const request of toEndpoint) assert.deepEqual([request.headers['x-tenant-id'], request.headers['x-region']], ['acme', 'eu-1'], `${request.method} ${JSON.stringify(request.body)}`)
      const show = (await run(['integrations', 'show', 'rmm', '--json'])).json()
      assert.deepEqual(show.headers, {'x-region': 'eu-1', 'x-tenant-id': 'acme'})
      assert.match(configFiles(sandbox.dir), /"x-tenant-id": ?"acme"/)
    })

    it('refuses a --header that would carry the credential or steer the protocol, before contacting the server', async () => {
      const server = await start({auth: 'header', headerName: 'x-api-key'})
      for (const [header, message] of [
        ['authorization=Bearer x', /cannot set authorization/],
        ['x-api-key=test-key', /credential header of this connection/],
        ['mcp-session-id=1', /cannot set mcp-session-id/],
        ['no-equals-sign', /not NAME=VALUE/],
      ] as const) {
        const result = await run(['integrations', 'add', server.url, '--name', 'rmm', '--header-name', 'x-api-key', '--token-env', 'K', '--header', header, '--json'], {env: {K: 'test-key'}})
        assert.equal(result.code, 2, header)
        assert.match(result.json().error.message, message)
      }
      assert.equal(server.requests.length, 0)
    })

    it('probes, then takes a custom header whose value is referenced from the environment', async () => {
      const server = await start({auth: 'header', headerName: 'x-api-key', headerValue: 'itg-KEY-99'})
      const result = await run(['integrations', 'add', server.url, '--name', 'itglue', '--header-name', 'x-api-key', '--token-env', 'ITG_KEY', '--json'], {
        env: {ITG_KEY: 'itg-KEY-99'},
      })
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.json().auth, 'header')
      const show = (await run(['integrations', 'show', 'itglue', '--json'])).json()
      assert.equal(show.headerName, 'x-api-key')
      assert.equal(show.secretStorage, 'env:ITG_KEY')
      assert.doesNotMatch(configFiles(sandbox.dir), /itg-KEY-99/)
      assert.equal(existsSync(join(sandbox.dir, 'secrets.json')), false)
      const listed = async (env: Record<string, string | undefined>) => (await run(['integrations', 'list', '--json'], {env})).json()[0].status
      assert.equal(await listed({ITG_KEY: 'itg-KEY-99'}), 'ok')
      assert.equal(await listed({ITG_KEY: undefined}), '$ITG_KEY unset', 'a CI job sees the missing variable before a call fails')
    })

    it('refuses a wrong token with the auth exit code, stores nothing, and never echoes the token', async () => {
      const server = await start({auth: 'bearer', token: 'right-token'})
      const result = await run(['integrations', 'add', server.url, '--name', 'acme', '--auth', 'bearer', '--token-stdin', '--insecure-storage'], {
        input: 'wrong-TOKEN-123',
      })
      assert.equal(result.code, 3, result.stderr)
      assert.doesNotMatch(result.stdout + result.stderr, /wrong-TOKEN-123/)
      const list = await run(['integrations', 'list', '--json'])
      assert.deepEqual(list.json(), [])
      assert.equal(existsSync(join(sandbox.dir, 'secrets.json')) && /wrong-TOKEN/.test(readFileSync(join(sandbox.dir, 'secrets.json'), 'utf8')), false)
    })

    it('without a keyring or --insecure-storage, refuses to store a secret and stores nothing', async () => {
      const server = await start({auth: 'bearer'})
      const result = await run(['integrations', 'add', server.url, '--name', 'acme', '--auth', 'bearer', '--token-stdin', '--json'], {input: 'test-token'})
      assert.equal(result.code, 2)
      assert.match(result.json().error.hint, /--insecure-storage/)
      assert.deepEqual((await run(['integrations', 'list', '--json'])).json(), [])
    })

    it('a forgotten URL never turns the piped token into the URL', async () => {
      const result = await run(['integrations', 'add', '--token-stdin', '--name', 'x'], {input: 'tok-PIPED-555'})
      assert.equal(result.code, 2)
      assert.doesNotMatch(result.stdout + result.stderr, /tok-PIPED-555/)
    })

    it('in CI, a missing answer is an error naming the flag', async () => {
      const header = await start({auth: 'bare401'})
      const choice = await run(['integrations', 'add', header.url, '--name', 'x'])
      assert.equal(choice.code, 2)
      assert.match(choice.stderr, /--auth bearer, or --auth header/)
      const bearer = await start({auth: 'bearer'})
      // --insecure-storage: the sandbox has no keyring, which would be reported first (before asking for a token).
      const secret = await run(['integrations', 'add', bearer.url, '--name', 'y', '--insecure-storage', '--json'])
      assert.equal(secret.code, 2)
      assert.match(secret.json().error.hint, /--token-stdin/)
    })

    it('refuses a name that is taken or invalid, leaving the first one intact', async () => {
      const server = await start({auth: 'none'})
      assert.equal((await run(['integrations', 'add', server.url, '--name', 'acme'])).code, 0)
      const clash = await run(['integrations', 'add', server.url, '--name', 'acme', '--json'])
      assert.equal(clash.code, 2)
      assert.match(clash.json().error.message, /already exists/)
      const invalid = await run(['integrations', 'add', server.url, '--name', 'Bad:Name'])
      assert.equal(invalid.code, 2)
      assert.equal((await run(['tools', 'list', '--json'])).json().length, 2)
    })

    it('uses the suggested name when none is given in CI (for localhost: the server’s own name)', async () => {
      const server = await start({auth: 'none', host: 'localhost'})
      const result = await run(['integrations', 'add', server.url, '--json'])
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.json().name, 'mcpctl-test-server')
    })

    it('falls back to legacy SSE', async () => {
      const server = await start({auth: 'none', transport: 'sse'})
      const result = await run(['integrations', 'add', server.url, '--name', 'legacy', '--json'])
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.json().transport, 'sse')
      assert.equal(result.json().tools.length, 2)
    })

    it('discovers every page of a paginated listing', async () => {
      const tools = Array.from({length: 120}, (_, i) => ({description: 'Gets a thing.', inputSchema: {type: 'object'}, name: `get_thing_${i}`}))
      const server = await start({auth: 'none', pages: 4, tools})
      const result = await run(['integrations', 'add', server.url, '--name', 'paged', '--json'])
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.json().tools.length, 120)
    })

    it('seeds by name verb, description verb and annotations', async () => {
      const server = await start({
        auth: 'none',
        tools: [
          {description: 'x', inputSchema: {type: 'object'}, name: 'get_user'},
          {description: 'x', inputSchema: {type: 'object'}, name: 'createUser'},
          {description: 'Gets the weather for a site.', inputSchema: {type: 'object'}, name: 'weather'},
          {description: 'Deletes a device.', inputSchema: {type: 'object'}, name: 'device_purge'},
          {annotations: {readOnlyHint: true}, description: 'x', inputSchema: {type: 'object'}, name: 'list_sites'},
          {annotations: {destructiveHint: true}, description: 'x', inputSchema: {type: 'object'}, name: 'get_and_wipe'},
          {annotations: {readOnlyHint: true}, description: 'Mystery.', inputSchema: {type: 'object'}, name: 'zork'},
        ],
      })
      const result = await run(['integrations', 'add', server.url, '--name', 'seed', '--json'])
      assert.equal(result.code, 0, result.stderr)
      const seeded = Object.fromEntries(result.json().tools.map((t: {permission: string; tool: string}) => [t.tool, t.permission]))
      assert.deepEqual(seeded, {
        createUser: 'approval_needed',
        device_purge: 'approval_needed',
        get_and_wipe: 'approval_needed',
        get_user: 'auto',
        list_sites: 'auto',
        weather: 'auto',
        zork: 'auto',
      })
    })

    it('makes hostile tool descriptions inert on the terminal and in JSON', async () => {
      const hostile = 'Lists \u001B[31mred\u001B[0m\rOVERWRITE \u202Eevil\u200B \u001B]8;;https://x.test\u0007link\u001B]8;;\u0007'
      const server = await start({auth: 'none', tools: [{description: hostile, inputSchema: {type: 'object'}, name: 'list_evil'}]})
      assert.equal((await run(['integrations', 'add', server.url, '--name', 'evil'])).code, 0)
      const piped = await run(['tools', 'list'])
      for (const raw of ['\u001B', '\r', '\u202E', '\u200B', '\u0007']) assert.ok(!piped.stdout.includes(raw), `raw ${JSON.stringify(raw)} reached the terminal`)
      assert.match(piped.stdout, /\\x1b\[31mred/)
      const json = await run(['tools', 'list', '--json'])
      assert.ok(!json.stdout.includes('\u202E') && !json.stdout.includes('\u200B'))
      assert.equal(json.json()[0].description, hostile, 'JSON keeps the exact text, escaped')
    })

    it('works with the reference server (server-everything) as its own process', async () => {
      const everything = await startEverythingServer()
      try {
        const probe = await run(['integrations', 'probe', everything.url, '--allow-http', '--json'])
        assert.equal(probe.json().auth, 'none')
        const result = await run(['integrations', 'add', everything.url, '--allow-http', '--name', 'everything', '--json'])
        assert.equal(result.code, 0, result.stderr)
        const tools = result.json().tools.map((t: {tool: string}) => t.tool)
        assert.ok(tools.includes('echo'), `tools: ${tools}`)
        // Its get-env "Returns all environment variables" (readOnlyHint: true): a sensitive read, never auto.
        const seeded = Object.fromEntries(result.json().tools.map((t: {class: string; permission: string; tool: string}) => [t.tool, `${t.class}/${t.permission}`]))
        assert.equal(seeded['get-env'], 'sensitive/approval_needed')
        assert.equal(seeded['get-sum'], 'read/auto')
      } finally {
        await everything.close()
      }
    })
  })

  describe('connect (rotate a static credential)', () => {
    it('replaces a bearer token after the server accepts it, keeping tools and policies; a refused one changes nothing', async () => {
      const server = await start({auth: 'bearer', token: 'tok-OLD-1111'})
      const secretsFile = join(sandbox.dir, 'secrets.json')
      const added = await run(['integrations', 'add', server.url, '--name', 'acme', '--auth', 'bearer', '--token-stdin', '--insecure-storage'], {input: 'tok-OLD-1111'})
      assert.equal(added.code, 0, added.stderr)
      assert.equal((await run(['policy', 'set', 'mcp:acme:delete_ticket', 'disabled'])).code, 0)

      // The key is rotated at the server: calls now fail, and the hint names this connection's command.
      server.credentials.token = 'tok-NEW-2222'
      const stale = await run(['tools', 'call', 'mcp:acme:list_tickets', '--json'])
      assert.equal(stale.code, 3)
      assert.match(stale.json().error.hint, /Replace it with `mcpctl connect acme`/)

      const noTerminal = await run(['connect', 'acme', '--json'])
      assert.equal(noTerminal.code, 2)
      assert.match(noTerminal.json().error.message, /The new credential for "acme"/)
      assert.match(noTerminal.json().error.hint, /--token-stdin/)
      assert.doesNotMatch(noTerminal.json().error.message + noTerminal.json().error.hint, /OAuth|browser/)

      const refused = await run(['connect', 'acme', '--token-stdin', '--json'], {input: 'tok-WRONG-3333'})
      assert.equal(refused.code, 3)
      assert.match(refused.json().error.message, /The current credential of "acme" was kept/)
      assert.match(readFileSync(secretsFile, 'utf8'), /tok-OLD-1111/)

      const replaced = await run(['connect', 'acme', '--token-stdin', '--json'], {input: 'tok-NEW-2222\n'})
      assert.equal(replaced.code, 0, replaced.stderr)
      assert.deepEqual([replaced.json().auth, replaced.json().secretStorage], ['bearer', 'file'])
      const secrets = readFileSync(secretsFile, 'utf8')
      assert.match(secrets, /tok-NEW-2222/)
      assert.doesNotMatch(secrets, /tok-OLD-1111/, 'the old secret is deleted')

      const call = await run(['tools', 'call', 'mcp:acme:list_tickets'])
      assert.equal(call.code, 0, call.stderr)
      const rows = (await run(['tools', 'list', '--json'])).json()
      assert.deepEqual(rows.map((r: {name: string; permission: string; source: string}) => [r.name, r.permission, r.source]), [
        ['mcp:acme:delete_ticket', 'disabled', 'user'],
        ['mcp:acme:list_tickets', 'auto', 'default'],
      ])
      assert.doesNotMatch(configFiles(sandbox.dir), /tok-(OLD|NEW)/)
      for (const output of outputs) assert.doesNotMatch(output.stdout + output.stderr, /tok-(OLD|NEW|WRONG)/)
    })

    it('replaces a header credential with a reference to another environment variable', async () => {
      const server = await start({auth: 'header', headerName: 'x-api-key', headerValue: 'key-A'})
      assert.equal((await run(['integrations', 'add', server.url, '--name', 'docs', '--header-name', 'x-api-key', '--token-env', 'DOCS_KEY'], {env: {DOCS_KEY: 'key-A'}})).code, 0)
      server.credentials.headerValue = 'key-B'
      const replaced = await run(['connect', 'docs', '--token-env', 'DOCS_KEY_2', '--json'], {env: {DOCS_KEY_2: 'key-B'}})
      assert.equal(replaced.code, 0, replaced.stderr)
      const show = (await run(['integrations', 'show', 'docs', '--json'])).json()
      assert.deepEqual([show.headerName, show.secretStorage], ['x-api-key', 'env:DOCS_KEY_2'])
      assert.equal((await run(['tools', 'call', 'mcp:docs:list_tickets'], {env: {DOCS_KEY_2: 'key-B'}})).code, 0)
    })

    it('refuses OAuth flags for a static connection and tokens for one without a credential', async () => {
      const bearer = await start({auth: 'bearer'})
      assert.equal((await run(['integrations', 'add', bearer.url, '--name', 'acme', '--token-env', 'T'], {env: {T: 'test-token'}})).code, 0)
      const oauthFlag = await run(['connect', 'acme', '--scope', 'mcp', '--json'])
      assert.equal(oauthFlag.code, 2)
      assert.match(oauthFlag.json().error.message, /uses bearer auth; --scope is for OAuth/)
      const open = await start({auth: 'none'})
      assert.equal((await run(['integrations', 'add', open.url, '--name', 'open'])).code, 0)
      const none = await run(['connect', 'open', '--json'])
      assert.equal(none.code, 2)
      assert.match(none.json().error.message, /uses no credential/)
    })
  })

  describe('disconnect', () => {
    it('needs --yes without a terminal, then removes the connection, its tools, policies and secret', async () => {
      const server = await start({auth: 'bearer', token: 'tok-REMOVE-me'})
      await run(['integrations', 'add', server.url, '--name', 'acme', '--auth', 'bearer', '--token-stdin', '--insecure-storage'], {input: 'tok-REMOVE-me'})
      await run(['policy', 'set', 'mcp:acme:list_tickets', 'disabled'])

      const refused = await run(['disconnect', 'acme', '--json'])
      assert.equal(refused.code, 2)
      assert.match(refused.json().error.hint, /--yes/)
      assert.match(refused.json().error.hint, /the 1 choice people made go with it: keep them first with `mcpctl policy export --server acme -o acme-policy\.yaml`/)
      assert.equal((await run(['tools', 'list', '--json'])).json().length, 2)

      const receipt = await run(['disconnect', 'acme', '--yes', '--json'])
      assert.equal(receipt.code, 0, receipt.stderr)
      assert.deepEqual(receipt.json().removed, {integration: true, policies: 2, secrets: 1, tools: 2})
      assert.deepEqual((await run(['tools', 'list', '--json'])).json(), [])
      assert.doesNotMatch(readFileSync(join(sandbox.dir, 'secrets.json'), 'utf8'), /tok-REMOVE-me/)
      assert.equal(existsSync(join(sandbox.dir, 'definitions', 'acme.json')), false)

      // Reconnecting seeds defaults again: the user's old choice is gone with the connection.
      await run(['integrations', 'add', server.url, '--name', 'acme', '--auth', 'bearer', '--token-stdin', '--insecure-storage'], {input: 'tok-REMOVE-me'})
      const row = (await run(['tools', 'list', '--json'])).json().find((r: {tool: string}) => r.tool === 'list_tickets')
      assert.deepEqual([row.permission, row.source], ['auto', 'default'])
    })

    it('names the known integrations when the name is unknown', async () => {
      const server = await start({auth: 'none'})
      await run(['integrations', 'add', server.url, '--name', 'acme'])
      const result = await run(['disconnect', 'nope', '--yes'])
      assert.equal(result.code, 2)
      assert.match(result.stderr, /Known integrations: acme/)
    })
  })
})


const statMode = (file: string) => statSync(file).mode & 0o777
