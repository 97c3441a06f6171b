import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'

import {authorizeServer} from '../../../src/core/oauth/authorize.js'
import {OAuthConnection} from '../../../src/core/oauth/connection.js'
import {callTool, type OAuthWorld, startOAuthWorld} from '../../helpers/oauth/world.js'

const CHROMIUM = '/usr/bin/chromium'

// The same flow as authorize.test.ts, with headless Chromium as the browser: real cookies, redirects and rendering
// of the loopback page. Skipped where Chromium or playwright-core is not installed.
describe('oauth: the flow in a real browser (headless Chromium)', function () {
  let world: OAuthWorld | undefined
  let browser: undefined | {close(): Promise<void>; newContext(options: object): Promise<any>}

  before(async function () {
    const playwright = await import('playwright-core').catch(() => undefined)
    // CI installs Chromium (.ci/run), so there a missing browser is a failure; on a workstation without one, a skip.
    if (!playwright || !existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} or playwright-core is missing: install them (apt-get install -y chromium)`)
      this.skip()
    }
    browser = await playwright!.chromium.launch({
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      executablePath: CHROMIUM,
    })
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
