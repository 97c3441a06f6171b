// The whole OAuth sign-in as a user lives it: `mcpctl integrations add` (a real CLI process) opens a real browser
// (headless Chromium, as `$BROWSER`) on a real authorization server (oidc-provider over HTTPS), the browser comes back
// to mcpctl's loopback listener, and mcpctl stores the grant and discovers the tools with it.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {browserEnv, chromiumExecutable, readBrowserReport, type BrowserReport} from '../helpers/browser.js'
import {testCa} from '../helpers/ca.js'
import {cliSandbox} from '../helpers/cli.js'
import {startAuthorizationServer, type TestAuthorizationServer} from '../helpers/oauth/authorization-server.js'
import {startResourceServer, type TestResourceServer} from '../helpers/oauth/resource-server.js'

/** Resolve with `check()`'s value once it is not undefined; fail after `ms` naming `what`. */
async function waitFor<T>(what: string, ms: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Every access and refresh token in the 0600 secrets file (grants are JSON inside JSON, hence the optional escapes). */
function storedTokens(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:access|refresh)_token\\*"\s*:\s*\\*"([^"\\]+)/g)].map((match) => match[1])
}

describe('OAuth sign-in in a real browser (CLI + headless Chromium)', function () {
  this.timeout(120_000)
  let as: TestAuthorizationServer | undefined
  let rs: TestResourceServer | undefined
  let sandbox: ReturnType<typeof cliSandbox> | undefined
  let scratch: string
  let executable: string

  before(async function () {
    // Unpacked before mcpctl starts (the first time takes a few seconds), so the browser it runs starts at once.
    this.timeout(180_000)
    executable = await chromiumExecutable()
  })

  beforeEach(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'mcpctl-oauth-browser-'))
    as = await startAuthorizationServer()
    rs = await startResourceServer(as)
  })

  afterEach(async () => {
    sandbox?.cleanup()
    await Promise.allSettled([rs?.close(), as?.close()])
    rmSync(scratch, {force: true, recursive: true})
  })

  it('adds an OAuth server: the browser signs in, the grant is stored, tools are discovered and callable', async () => {
    const reportFile = path.join(scratch, 'browser-report.json')
    sandbox = cliSandbox({
      NODE_EXTRA_CA_CERTS: testCa().caFile,
      // Chromium trusts exactly the test servers' key; mcpctl (Node) trusts the test CA and checks TLS as ever.
      ...browserEnv({executable, report: reportFile, timeoutMs: 60_000, trustCertPem: testCa().cert}),
    })
    const {run} = sandbox
    const server = rs as TestResourceServer
    const authz = as as TestAuthorizationServer

    const add = await run(['integrations', 'add', server.url, '--name', 'secure', '--insecure-storage', '--timeout', '90', '--json'], {timeoutMs: 100_000})
    // The browser writes its report after closing Chromium: waiting for it also means no browser outlives the test.
    // mcpctl always prints the authorization URL before opening the browser; without it, no browser was started.
    const browserStarted = add.code === 0 || add.stderr.includes(authz.issuer) || authz.authorizationRequests.length > 0
    const report = browserStarted
      ? await waitFor<BrowserReport | undefined>('the browser report', 30_000, () => readBrowserReport(reportFile)).catch(() => undefined)
      : readBrowserReport(reportFile)
    const context = `add exited ${add.code}\nstdout: ${add.stdout}\nstderr: ${add.stderr}\nbrowser: ${JSON.stringify(report, null, 2)}`

    assert.ok(report, `the browser was never opened (no report)\n${context}`)
    assert.equal(report.ok, true, context)
    assert.ok(report.visited.some((hop) => hop.startsWith(`${authz.issuer}/`)), `the browser never reached the authorization server\n${context}`)
    assert.match(report.visited.at(-1) ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/, context)
    assert.match(report.callback?.text ?? '', /Authorization succeeded/, context)
    assert.ok(report.screenshot && existsSync(report.screenshot), `no screenshot\n${context}`)

    assert.equal(add.code, 0, context)
    const added = add.json()
    assert.equal(added.auth, 'oauth')
    assert.ok(
      added.tools.some((tool: {name: string}) => tool.name === 'mcp:secure:echo'),
      `echo was not discovered: ${JSON.stringify(added.tools)}`,
    )
    assert.equal(authz.authorizationRequests.length, 1, 'one sign-in')
    const authorization = authz.authorizationRequests[0].params
    assert.equal(authorization.get('code_challenge_method'), 'S256')
    assert.equal(authorization.get('resource'), server.url)
    assert.ok(authz.tokenRequests.some((request) => request.grantType === 'authorization_code' && request.status === 200))

    const show = await run(['integrations', 'show', 'secure', '--json'])
    assert.equal(show.code, 0, show.stderr)
    const detail = show.json()
    assert.equal(detail.auth, 'oauth')
    assert.equal(detail.secretStorage, 'file')
    assert.equal(detail.oauth.issuer, authz.issuer)
    assert.ok(detail.oauth.scopes.includes('mcp'), `scopes: ${JSON.stringify(detail.oauth.scopes)}`)
    const expiresAt = Date.parse(detail.oauth.expiresAt)
    assert.ok(expiresAt > Date.now() && expiresAt <= Date.now() + 3600_000 + 60_000, `expiresAt: ${detail.oauth.expiresAt}`)

    const call = await run(['tools', 'call', 'mcp:secure:echo', '--args', '{"ping":1}', '--yes', '--json'])
    assert.equal(call.code, 0, call.stderr)
    assert.deepEqual(server.calls, ['echo'])

    // The tokens live only in the 0600 secrets file: never in any output, the config, or what the browser saw.
    const secretsFile = path.join(sandbox.dir, 'secrets.json')
    assert.equal(statSync(secretsFile).mode & 0o777, 0o600)
    const tokens = storedTokens(secretsFile)
    assert.ok(tokens.length >= 1, 'the stored grant holds an access token')
    const config = readFileSync(path.join(sandbox.dir, 'config.json'), 'utf8')
    const seen = [add.stdout, add.stderr, show.stdout, show.stderr, call.stdout, call.stderr, config, JSON.stringify(report)]
    for (const token of tokens) {
      for (const text of seen) assert.ok(!text.includes(token), 'a token leaked into output, the config or the browser')
    }
  })
})
