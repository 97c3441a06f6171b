// The test browser itself: the browser tests run on any machine `npm install` ran on, with no system Chromium.
import assert from 'node:assert/strict'
import {accessSync, constants} from 'node:fs'
import path from 'node:path'

import {chromium} from 'playwright-core'

import {CHROMIUM_ARGS, CHROMIUM_ENV, chromiumExecutable, SYSTEM_CHROMIUM} from './browser.js'

describe('test browser: the Chromium npm installed', function () {
  this.timeout(180_000) // the first run unpacks Chromium

  it('is found without $MCPCTL_TEST_CHROMIUM, launches headless and renders a page', async () => {
    const env = {...process.env, [CHROMIUM_ENV]: undefined}
    const executable = await chromiumExecutable(env)
    accessSync(executable, constants.X_OK)
    if (process.platform === 'linux' && process.arch === 'x64') {
      assert.notEqual(executable, SYSTEM_CHROMIUM)
      assert.ok(executable.includes(`${path.sep}node_modules${path.sep}.cache${path.sep}mcpctl-chromium${path.sep}`), executable)
    }

    const browser = await chromium.launch({args: CHROMIUM_ARGS, executablePath: executable})
    try {
      const page = await browser.newPage()
      await page.setContent('<h1>Authorization succeeded</h1>')
      assert.equal(await page.locator('h1').textContent(), 'Authorization succeeded')
      assert.match(browser.version(), /^\d+\./)
    } finally {
      await browser.close()
    }
  })

  it('is found again at once (unpacked once per version)', async () => {
    const first = await chromiumExecutable({})
    assert.equal(await chromiumExecutable({}), first)
  })

  it('takes another Chromium from $MCPCTL_TEST_CHROMIUM, and names the variable when that file is missing', async () => {
    assert.equal(await chromiumExecutable({[CHROMIUM_ENV]: process.execPath}), process.execPath)
    await assert.rejects(chromiumExecutable({[CHROMIUM_ENV]: '/nonexistent/chromium'}), /\$MCPCTL_TEST_CHROMIUM is \/nonexistent\/chromium, which does not exist/)
  })
})
