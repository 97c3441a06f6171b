#!/usr/bin/env node
// The client adapter the MCP conformance runner starts for each scenario: `conformance-client.js <server-url>`, with
// MCP_CONFORMANCE_SCENARIO and (for some scenarios) MCP_CONFORMANCE_CONTEXT in the environment. It drives mcpctl
// ONLY through its documented commands and flags, the way a CI job would: add the server (probe, OAuth, discovery) with
// the same flags whatever the scenario (plus the client credentials the runner's context hands out), list the tools,
// call the scenario's tool. Exits 0 only when every step did.
//
// Runs on the machine's Node (the runner itself needs Node 22; mcpctl must work on the Node it supports). Each run
// gets a fresh config dir, no keyring (secrets in the 0600 file) and a $BROWSER that follows redirects, since the
// conformance authorization servers approve at once. Everything it does is logged to stderr, which the runner
// keeps per scenario (stderr.txt).
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const BIN = join(root, 'bin', 'run.js')
const BROWSER = join(root, 'scripts', 'browser-follow-redirects.js')
const NAME = 'conformance'
// Seconds mcpctl waits for the browser; kept under the runner's per-scenario timeout so a stuck flow fails here,
// with mcpctl's own message, instead of being killed.
const AUTH_TIMEOUT_S = 20
const STEP_TIMEOUT_MS = (AUTH_TIMEOUT_S + 10) * 1000

// This client's ID metadata document (the URL the conformance authorization servers know it by; never fetched, only
// compared with the authorization request's client_id). Passed for every server, as a CI job would: mcpctl uses it
// where the authorization server supports client ID metadata documents and registers dynamically elsewhere.
const CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json'

/** The tool each scenario's server offers and checks, with its arguments; none for `initialize` (no tools). */
function toolFor(scenario) {
  if (scenario === 'initialize') return undefined
  if (scenario === 'tools_call') return {args: {a: 5, b: 3}, name: 'add_numbers'}
  return {args: {}, name: 'test-tool'}
}

const log = (line) => process.stderr.write(`[conformance-client] ${line}\n`)

const serverUrl = process.argv.at(-1)
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? ''
if (process.argv.length < 3 || !/^https?:\/\//.test(serverUrl)) {
  log('usage: conformance-client.js <server-url> (MCP_CONFORMANCE_SCENARIO and MCP_CONFORMANCE_CONTEXT in the environment)')
  process.exit(2)
}
let context = {}
try {
  context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT || '{}')
} catch {
  log('MCP_CONFORMANCE_CONTEXT is not JSON')
  process.exit(2)
}

const configDir = mkdtempSync(join(tmpdir(), 'mcpctl-conformance-'))
const env = {
  ...process.env,
  BROWSER,
  CI: 'true',
  MCPCTL_CONFIG_DIR: configDir,
  MCPCTL_KEYRING: 'off',
  NO_COLOR: '1',
}
delete env.FORCE_COLOR

let current
// The runner kills this process on its timeout: take the mcpctl step down with it and leave no store behind.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    current?.kill('SIGKILL')
    rmSync(configDir, {force: true, recursive: true})
    process.exit(128 + (signal === 'SIGTERM' ? 15 : 2))
  })
}

/** Run `mcpctl <args>`; logs the command line, exit code, stdout and stderr. Resolves to {code, stdout}. */
function mcpctl(args, extraEnv = {}) {
  const shown = args.map((arg) => (/[\s{}"'*]/.test(arg) ? `'${arg}'` : arg)).join(' ')
  log(`$ mcpctl ${shown}`)
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {env: {...env, ...extraEnv}, stdio: ['ignore', 'pipe', 'pipe']})
    current = child
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      log(`  (no answer after ${STEP_TIMEOUT_MS / 1000} s: killed)`)
      child.kill('SIGKILL')
    }, STEP_TIMEOUT_MS)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      current = undefined
      log(`  exit ${code ?? signal}`)
      if (stdout.trim()) log(`  stdout: ${stdout.trim().replaceAll('\n', '\n          ')}`)
      if (stderr.trim()) log(`  stderr: ${stderr.trim().replaceAll('\n', '\n          ')}`)
      resolve({code: code ?? 1, stdout})
    })
  })
}

function json(text) {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

async function main() {
  log(`scenario ${scenario || '(none)'} against ${serverUrl}`)
  // The same flags for every scenario: the probe decides the auth; only the credentials the runner hands out vary.
  const add = ['integrations', 'add', serverUrl, '--name', NAME, '--allow-http', '--insecure-storage', '--yes', '--json']
  add.push('--timeout', String(AUTH_TIMEOUT_S), '--client-metadata-url', CLIENT_METADATA_URL)
  const secretEnv = {}
  if (context.client_id) add.push('--client-id', context.client_id)
  if (context.client_secret) {
    // From the environment, never on the command line (where `ps` would show it).
    secretEnv.CONFORMANCE_CLIENT_SECRET = context.client_secret
    add.push('--client-secret-env', 'CONFORMANCE_CLIENT_SECRET')
  }

  const added = await mcpctl(add, secretEnv)
  if (added.code !== 0) return fail(`integrations add exited ${added.code}`)

  const listed = await mcpctl(['tools', 'list', '--server', NAME, '--json'])
  if (listed.code !== 0) return fail(`tools list exited ${listed.code}`)
  const tools = json(listed.stdout)
  if (!Array.isArray(tools)) return fail('tools list --json did not print a JSON array')

  const tool = toolFor(scenario)
  if (!tool) return 0
  const id = `mcp:${NAME}:${tool.name}`
  if (!tools.some((entry) => entry.name === id)) return fail(`${id} is not among the discovered tools`)
  const called = await mcpctl(['tools', 'call', id, '--args', JSON.stringify(tool.args), '--yes', '--json'])
  if (called.code !== 0) return fail(`tools call exited ${called.code}`)
  return 0
}

function fail(message) {
  log(`FAILED: ${message}`)
  return 1
}

let status = 1
try {
  status = await main()
} catch (error) {
  log(`FAILED: ${error?.stack ?? error}`)
} finally {
  rmSync(configDir, {force: true, recursive: true})
}
log(`exit ${status}`)
process.exit(status)
