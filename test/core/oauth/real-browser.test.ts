import assert from 'node:assert/strict'

import {chromium, type Browser} from 'playwright-core'

import {authorizeServer} from '../../../src/core/oauth/authorize.js'
import {OAuthConnection} from '../../../src/core/oauth/connection.js'
import {CHROMIUM_ARGS, chromiumExecutable} from '../../helpers/browser.js'
import {callTool, type OAuthWorld, startOAuthWorld} from '../../helpers/oauth/world.js'

// The same flow as authorize.test.ts, with headless Chromium as the browser: real cookies, redirects and rendering
// of the loopback page. The Chromium is the one npm installed (see chromiumExecutable): it runs everywhere the suite does.
describe('oauth: the flow in a real browser (headless Chromium)', function () {
  let world: OAuthWorld | undefined
  let browser: Browser | undefined

  before(async function () {
    this.timeout(180_000) // the first run unpacks Chromium (a few seconds)
    browser = await chromium.launch({args: CHROMIUM_ARGS, executablePath: await chromiumExecutable()})
  })
  after(async () => {
    await browser?.close()
  })
  afterEach(async () => {
    await world?.close()
  })

  it('signs in, lands on the plain success page, and the tokens work', async () => {
    world = await startOAuthWorld()
    // The test CA is not in Chromium's trust store; what is under test here is the flow, not TLS.
    const context = await browser!.newContext({ignoreHTTPSErrors: true})
    const page = await context.newPage()
    try {
      const grant = await authorizeServer({
        notify() {},
        async openUrl(url) {
          void page.goto(url.href).catch(() => {})
        },
        serverUrl: world.rs.url,
        timeoutMs: 20_000,
      })
      await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/)
      assert.equal(await page.locator('h1').textContent(), 'Authorization succeeded')
      assert.match((await page.locator('body').textContent()) ?? '', /You can close this tab/)
      assert.match(await callTool(world.rs.url, OAuthConnection.forGrant('acme', grant).provider), /echo/)
    } finally {
      await context.close()
    }
  })
})
