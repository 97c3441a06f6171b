#!/usr/bin/env node
// `$BROWSER` for end-to-end OAuth tests: `browser-open.mjs <url>` opens the URL in headless Chromium and signs in
// (see browser.ts beside it, loaded through tsx so the logic stays typed and importable by tests). Exit 0 when the
// browser reached the loopback callback and it said the authorization succeeded, 1 otherwise.
import {tsImport} from 'tsx/esm/api'

const {browserOpenMain} = await tsImport('./browser.ts', import.meta.url)
process.exitCode = await browserOpenMain(process.argv.slice(2))
