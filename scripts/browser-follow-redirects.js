#!/usr/bin/env node
// A stand-in `$BROWSER` for the conformance runs: mcpctl calls it with the authorization URL as its only argument.
// The conformance authorization servers approve at once (their authorization endpoint redirects straight to the
// redirect URI), so "using the browser" is just following redirects until the loopback callback, then requesting
// that address so mcpctl's listener receives the code.
//
// The redirect loop is manual so that the callback is recognised (the `redirect_uri` the authorization URL names)
// and requested exactly once, and so that nothing is fetched beyond it. Silent on success: mcpctl may share its
// stdout/stderr with this process, and with --json its stdout must stay pure JSON.
const MAX_HOPS = 10

function fail(message) {
  process.stderr.write(`browser-follow-redirects: ${message}\n`)
  process.exit(1)
}

function parseUrl(value, base) {
  let url
  try {
    url = new URL(value, base)
  } catch {
    fail(`not a URL: ${String(value).slice(0, 200)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`refusing to open a ${url.protocol} URL`)
  return url
}

const start = process.argv[2] ? parseUrl(process.argv[2]) : fail('usage: browser-follow-redirects.js <authorization-url>')
const redirectUri = start.searchParams.get('redirect_uri')
const callback = redirectUri ? parseUrl(redirectUri) : undefined
// Without a redirect_uri in the URL (not an OAuth authorization request), any page on 127.0.0.1 over http counts.
const isCallback = (url) =>
  callback ? url.origin === callback.origin && url.pathname === callback.pathname : url.protocol === 'http:' && url.hostname === '127.0.0.1'

let url = start
for (let hop = 0; hop <= MAX_HOPS; hop++) {
  let response
  try {
    response = await fetch(url, {redirect: 'manual', signal: AbortSignal.timeout(15_000)})
  } catch (error) {
    fail(`GET ${url.origin}${url.pathname} failed: ${error.cause?.message ?? error.message}`)
  }
  const body = await response.text().catch(() => '')
  if (isCallback(url)) {
    if (response.ok) process.exit(0)
    fail(`the callback page answered ${response.status}: ${body.slice(0, 300)}`)
  }
  const location = response.headers.get('location')
  if (response.status < 300 || response.status >= 400 || !location) {
    fail(`${url.origin}${url.pathname} answered ${response.status} without redirecting: ${body.slice(0, 300)}`)
  }
  url = parseUrl(location, url)
}
fail(`more than ${MAX_HOPS} redirects`)
