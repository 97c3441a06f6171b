// A real browser for end-to-end OAuth tests: headless Chromium driven by playwright-core.
//
// Which Chromium: the one `@sparticuz/chromium` ships inside its npm package (Linux x64; no system packages, no
// download), unpacked once into node_modules/.cache — or any other, such as Debian's /usr/bin/chromium, named by
// `$MCPCTL_TEST_CHROMIUM`. See `chromiumExecutable`.
//
// mcpctl opens the authorization URL with the command in `$BROWSER`, so the browser must be a command:
// `browser-open.mjs <url>` (beside this file) runs `openInChromium` below. Tests configure it through the
// environment, which mcpctl passes on to its `$BROWSER` (see `browserEnv`), and read what it saw from a JSON
// report it writes last, after Chromium has closed (so "the report exists" also means "the browser is gone").
//
// What it does: a fresh profile, navigate to the URL, click through any sign-in/consent form the authorization
// server shows (submit buttons), wait until the page is the loopback callback (the authorization URL's
// `redirect_uri`) showing the success text, screenshot it for humans, close.
import {execFile} from 'node:child_process'
import {createHash, createPublicKey} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

/** A Chromium other than the npm one (e.g. `/usr/bin/chromium`): its path. */
export const CHROMIUM_ENV = 'MCPCTL_TEST_CHROMIUM'
/** Debian's Chromium: used when the npm one cannot run here (not Linux x64) and `$MCPCTL_TEST_CHROMIUM` is unset. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium'
/** The `$BROWSER` command: an executable node script taking the URL as its only argument. */
export const BROWSER_OPEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'browser-open.mjs')

/** Flags for a quiet, headless test browser (shared by every test that launches one). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
]

/** Environment variables `browser-open.mjs` reads (all optional). */
export const BROWSER_ENV = {
  /** Base64 SHA-256 hashes of server public keys (SPKI) whose certificate errors Chromium ignores, comma-separated. */
  trustSpki: 'MCPCTL_TEST_BROWSER_TRUST_SPKI',
  /** Where to write the JSON report (default: none). */
  report: 'MCPCTL_TEST_BROWSER_REPORT',
  /** Where to write the screenshot of the last page (default: a new temp file, named in the report). */
  screenshot: 'MCPCTL_TEST_BROWSER_SCREENSHOT',
  /** A regular expression the callback page's text must match (default: /Authorization succeeded/). */
  successText: 'MCPCTL_TEST_BROWSER_SUCCESS_TEXT',
  /** Give up after this many milliseconds (default 30000). */
  timeoutMs: 'MCPCTL_TEST_BROWSER_TIMEOUT_MS',
  /** The Chromium binary (default: `chromiumExecutable()`, which may have to unpack it first). */
  executable: 'MCPCTL_TEST_BROWSER_EXECUTABLE',
} as const

export interface BrowserReport {
  ok: boolean
  error?: string
  /** Origin and path of every page the browser requested, redirects included (no query: it carries code and state). */
  visited: string[]
  /** Submit buttons clicked (their text), in order. */
  clicked: string[]
  /** The callback page: HTTP status, title and text. */
  callback?: {status?: number; text: string; title: string}
  screenshot?: string
}

export interface OpenOptions {
  /** The Chromium binary (default: `chromiumExecutable()`). */
  executable?: string
  /** SPKI hashes (base64 SHA-256) to trust despite certificate errors: the test servers' key, never a CA. */
  trustSpki?: string[]
  screenshot?: string
  successText?: RegExp
  timeoutMs?: number
}

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * The Chromium the browser tests drive: `$MCPCTL_TEST_CHROMIUM` when set; else, on Linux x64, the binary
 * `@sparticuz/chromium` ships brotli-compressed inside its npm package, unpacked once per version into
 * node_modules/.cache/mcpctl-chromium/<version>/; elsewhere `/usr/bin/chromium`. Throws (a test failure, not a skip)
 * when none of them is there, saying what to do.
 */
export async function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const chosen = env[CHROMIUM_ENV]
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`$${CHROMIUM_ENV} is ${chosen}, which does not exist: point it at a Chromium binary, or unset it to use the npm one.`)
    return chosen
  }

  if (process.platform === 'linux' && process.arch === 'x64') return unpackNpmChromium()
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM
  throw new Error(
    `@sparticuz/chromium ships a Linux x64 binary only, and ${SYSTEM_CHROMIUM} is missing: set $${CHROMIUM_ENV} to a Chromium or Chrome binary.`,
  )
}

/**
 * `@sparticuz/chromium`'s own `executablePath()` unpacks into os.tmpdir() and reuses whatever `/tmp/chromium` it finds,
 * even one another process is still writing. So it runs in a child whose TMPDIR is a private staging directory, which
 * is then renamed into place in one step: parallel test runs either see the whole binary or none.
 */
async function unpackNpmChromium(): Promise<string> {
  // build/cjs/index.cjs → the package root (its package.json is not in the package's exports).
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium')
  const {version} = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', '..', 'package.json'), 'utf8')) as {version: string}
  const cache = path.join(ROOT, 'node_modules', '.cache', 'mcpctl-chromium')
  const home = path.join(cache, version)
  const binary = path.join(home, 'chromium')
  if (existsSync(binary)) return binary

  mkdirSync(cache, {recursive: true})
  const staging = mkdtempSync(path.join(cache, `.${version}-`))
  try {
    const script = `const {default: chromium} = await import('@sparticuz/chromium'); process.stdout.write(await chromium.executablePath())`
    const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], {
      cwd: ROOT,
      env: {...process.env, TMPDIR: staging},
      timeout: 120_000,
    })
    if (stdout !== path.join(staging, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${stdout}, not into ${staging}`)
    try {
      renameSync(staging, home)
    } catch (error) {
      // Another run got there first: its copy is complete (renamed whole), use it.
      if (!existsSync(binary)) throw error
    }
  } finally {
    rmSync(staging, {force: true, recursive: true})
  }

  return binary
}

/** Base64 SHA-256 of a PEM certificate's public key: the form `--ignore-certificate-errors-spki-list` takes. */
export function spkiHash(certPem: string): string {
  const der = createPublicKey(certPem).export({format: 'der', type: 'spki'})
  return createHash('sha256').update(der).digest('base64')
}

/** The environment that makes `$BROWSER` this headless Chromium, reporting to `report`. */
export function browserEnv(options: {
  executable?: string
  report: string
  screenshot?: string
  successText?: RegExp
  timeoutMs?: number
  trustCertPem?: string
}) {
  const env: Record<string, string> = {BROWSER: BROWSER_OPEN, [BROWSER_ENV.report]: options.report}
  if (options.executable) env[BROWSER_ENV.executable] = options.executable
  if (options.screenshot) env[BROWSER_ENV.screenshot] = options.screenshot
  if (options.successText) env[BROWSER_ENV.successText] = options.successText.source
  if (options.timeoutMs) env[BROWSER_ENV.timeoutMs] = String(options.timeoutMs)
  if (options.trustCertPem) env[BROWSER_ENV.trustSpki] = spkiHash(options.trustCertPem)
  return env
}

/** The report, once the browser has written it (it does so after closing Chromium); undefined before. */
export function readBrowserReport(file: string): BrowserReport | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BrowserReport) : undefined
}

/** Options from the environment, as `browser-open.mjs` receives them from mcpctl. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenOptions & {report?: string} {
  return {
    executable: env[BROWSER_ENV.executable] || undefined,
    report: env[BROWSER_ENV.report] || undefined,
    screenshot: env[BROWSER_ENV.screenshot] || undefined,
    successText: env[BROWSER_ENV.successText] ? new RegExp(env[BROWSER_ENV.successText] as string) : undefined,
    timeoutMs: env[BROWSER_ENV.timeoutMs] ? Number(env[BROWSER_ENV.timeoutMs]) : undefined,
    trustSpki: env[BROWSER_ENV.trustSpki] ? (env[BROWSER_ENV.trustSpki] as string).split(',').filter(Boolean) : undefined,
  }
}

const withoutQuery = (href: string) => {
  try {
    const url = new URL(href)
    return `${url.origin}${url.pathname}`
  } catch {
    return '(not a URL)'
  }
}

/** Open `url` in a fresh headless Chromium and sign in; resolves to the report (never rejects). */
export async function openInChromium(url: string, options: OpenOptions = {}): Promise<BrowserReport> {
  const report: BrowserReport = {clicked: [], ok: false, visited: []}
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  const remaining = () => Math.max(1, deadline - Date.now())
  const successText = options.successText ?? /Authorization succeeded/

  let target: URL
  try {
    target = new URL(url)
    if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new Error(`refusing a ${target.protocol} URL`)
  } catch (error) {
    return {...report, error: `not an http(s) URL: ${(error as Error).message}`}
  }
  const redirectUri = target.searchParams.get('redirect_uri')
  const callback = redirectUri ? new URL(redirectUri) : undefined
  const isCallback = (page: URL) =>
    callback ? page.origin === callback.origin && page.pathname === callback.pathname : page.protocol === 'http:' && page.hostname === '127.0.0.1'

  const {chromium} = await import('playwright-core')
  const profile = mkdtempSync(path.join(tmpdir(), 'mcpctl-chromium-'))
  const args = [...CHROMIUM_ARGS]
  // Chromium honours this only with an explicit --user-data-dir (launchPersistentContext passes one): it trusts the
  // test servers' own key, not the test CA, so nothing else gets through. The CLI verifies TLS strictly either way.
  if (options.trustSpki?.length) args.push(`--ignore-certificate-errors-spki-list=${options.trustSpki.join(',')}`)
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined
  try {
    const executablePath = options.executable ?? (await chromiumExecutable())
    context = await chromium.launchPersistentContext(profile, {args, executablePath, headless: true, timeout: remaining()})
    const page = context.pages()[0] ?? (await context.newPage())
    let callbackStatus: number | undefined
    // Every hop, redirects included (one navigation may pass through several servers before it commits).
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) report.visited.push(withoutQuery(request.url()))
    })
    page.on('response', (response) => {
      if (response.request().isNavigationRequest() && isCallback(new URL(response.url()))) callbackStatus = response.status()
    })

    await page.goto(target.href, {timeout: remaining(), waitUntil: 'commit'})
    const submit = page.locator('form button[type=submit], form input[type=submit], form button:not([type])').first()
    // Until the callback: either the page is already there, or a form waits for the user (sign in, consent): click.
    for (;;) {
      const landed = page.waitForURL((current) => isCallback(current), {timeout: remaining(), waitUntil: 'load'}).then(() => 'callback' as const)
      const form = submit.waitFor({state: 'visible', timeout: remaining()}).then(() => 'form' as const)
      landed.catch(() => {})
      form.catch(() => {})
      const next = await Promise.race([landed, form])
      if (next === 'callback') break
      const label = ((await submit.textContent({timeout: remaining()})) ?? (await submit.getAttribute('value')) ?? '').trim()
      report.clicked.push(label || '(submit)')
      if (report.clicked.length > 10) throw new Error('more than 10 forms before the callback')
      await Promise.all([page.waitForEvent('framenavigated', {timeout: remaining()}), submit.click({timeout: remaining()})])
    }

    const text = (await page.locator('body').innerText({timeout: remaining()})).trim()
    report.callback = {status: callbackStatus, text, title: await page.title()}
    report.screenshot = options.screenshot ?? path.join(mkdtempSync(path.join(tmpdir(), 'mcpctl-screenshot-')), 'callback.png')
    await page.screenshot({fullPage: true, path: report.screenshot, timeout: remaining()})
    if (callbackStatus !== undefined && callbackStatus !== 200) throw new Error(`the callback page answered ${callbackStatus}: ${text.slice(0, 300)}`)
    if (!successText.test(text)) throw new Error(`the callback page does not say ${successText}: ${text.slice(0, 300)}`)
    report.ok = true
  } catch (error) {
    // Playwright names the URL it was loading: keep origin and path, not the query (state, code).
    report.error = (error as Error).message.split('\n')[0].replace(/(https?:\/\/[^\s?#]+)[?#]\S*/g, '$1?…')
  } finally {
    await context?.close().catch(() => {})
    rmSync(profile, {force: true, recursive: true})
  }
  return report
}

/** What browser-open.mjs does: open, then write the report (after the browser is closed). Exit code 0 or 1. */
export async function browserOpenMain(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const {report: reportFile, ...options} = optionsFromEnv(env)
  const report = argv[0] ? await openInChromium(argv[0], options) : {clicked: [], error: 'usage: browser-open.mjs <url>', ok: false, visited: []}
  if (reportFile) {
    // Written whole then renamed: a test waiting for the file never reads half of it.
    writeFileSync(`${reportFile}.partial`, JSON.stringify(report, null, 2), {mode: 0o600})
    renameSync(`${reportFile}.partial`, reportFile)
  }
  // stderr only, and only on failure: mcpctl may share its terminal (and its --json stdout) with this process.
  if (!report.ok) process.stderr.write(`browser-open: ${report.error}\n`)
  return report.ok ? 0 : 1
}
