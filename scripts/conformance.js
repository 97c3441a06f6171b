// `npm run conformance`: mcpctl against the MCP conformance suite's client scenarios (the auth suite, `initialize`
// and `tools_call`), through scripts/conformance-client.js, and `mcpctl gateway --http` against its server scenarios
// (`server-initialize`, `ping`, `tools-list`, `dns-rebinding-protection`). Prints passed / failed / warnings per
// scenario with every failure and warning spelled out, and exits 1 unless every scenario passed with no warning and
// the client exited 0.
//
//   npm run conformance                          # the default scenarios
//   npm run conformance -- auth/pre-registration # only these (any name from --list)
//   npm run conformance -- --list                # every client scenario the runner knows
//   npm run conformance -- --keep                # keep the per-scenario results (checks.json, client stdout/stderr)
//
// The runner (@modelcontextprotocol/conformance) needs Node 22. It and a Node 22 binary (the `node` npm package) live
// in scripts/conformance/, a package of their own: as a root dev dependency the `node` package would put Node 22
// first on PATH for every npm script, and `npm test` would stop testing the Node that mcpctl supports. mcpctl itself
// (the client under test) runs on the Node that runs this script.
import {spawn, spawnSync} from 'node:child_process'
import http from 'node:http'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const toolDir = join(root, 'scripts', 'conformance')
const NODE22 = join(toolDir, 'node_modules', 'node', 'bin', 'node')
const RUNNER = join(toolDir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js')
const CLIENT = join(root, 'scripts', 'conformance-client.js')
const TIMEOUT_MS = 60_000
// Each scenario starts its own servers and several mcpctl processes; a few at a time keeps the timings honest.
const PARALLEL = 4

const colour = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code, text) => (colour ? `\u001B[${code}m${text}\u001B[0m` : text)
const red = (text) => paint(31, text)
const green = (text) => paint(32, text)
const yellow = (text) => paint(33, text)
const bold = (text) => paint(1, text)

const argv = process.argv.slice(2)
const keep = argv.includes('--keep')
const listOnly = argv.includes('--list')
const requested = argv.filter((arg) => !arg.startsWith('--'))

function ensureRunner() {
  if (existsSync(NODE22) && existsSync(RUNNER)) return
  console.log(`Installing the conformance runner and Node 22 into ${relative(root, toolDir)}/ (once) …`)
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {cwd: toolDir, stdio: 'inherit'})
  if (result.status !== 0 || !existsSync(NODE22) || !existsSync(RUNNER)) {
    console.error(red(`Could not install the conformance runner (npm ci in ${toolDir} exited ${result.status}).`))
    process.exit(1)
  }
}

/** The newest modification time under `dir` (files only). */
function newest(dir) {
  let latest = 0
  for (const entry of readdirSync(dir, {recursive: true, withFileTypes: true})) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs)
  }
  return latest
}

function checkBuild() {
  if (!existsSync(join(root, 'dist')) || !existsSync(join(root, 'oclif.manifest.json'))) {
    console.error(red('mcpctl is not built: run `npm run build` first.'))
    process.exit(1)
  }
  // bin/run.js runs dist/: a stale build would test yesterday's mcpctl and report it as today's.
  if (newest(join(root, 'src')) > newest(join(root, 'dist'))) {
    console.log(yellow('Note: src/ has changed since the last build; run `npm run build` to test the current code.\n'))
  }
}

/** Every client scenario the runner knows, with its spec versions. */
function listScenarios() {
  const result = spawnSync(NODE22, [RUNNER, 'list', '--client'], {encoding: 'utf8'})
  if (result.status !== 0) {
    console.error(red(`The conformance runner could not list its scenarios:\n${result.stderr}`))
    process.exit(1)
  }
  return [...result.stdout.matchAll(/^\s+- (\S+) \[([^\]]*)\]/gm)].map(([, name, versions]) => ({name, versions: versions.split(',')}))
}

/**
 * The default selection: `initialize`, `tools_call`, and the runner's `auth` suite, i.e. the auth/ scenarios of the
 * dated spec versions (the runner's draft, extension and 2025-03-26 back-compat scenarios are in other suites).
 */
function defaultScenarios(all) {
  const auth = all.filter(
    ({name, versions}) =>
      name.startsWith('auth/') && versions.some((version) => /^\d{4}-\d{2}-\d{2}$/.test(version) && version !== '2025-03-26'),
  )
  return ['initialize', 'tools_call', ...auth.map(({name}) => name)]
}

function findChecks(dir) {
  const files = readdirSync(dir, {recursive: true}).filter((file) => String(file).endsWith('checks.json'))
  return files.length === 1 ? join(dir, String(files[0])) : undefined
}

/** Run one scenario in the runner (its own output dir); resolves to the runner's verdict and the checks. */
function runScenario(name, outputRoot) {
  const outputDir = join(outputRoot, name.replaceAll('/', '_'))
  // The runner splits --command on spaces and runs it through a shell.
  const command = `${process.execPath} ${CLIENT}`
  const args = [RUNNER, 'client', '--command', command, '--scenario', name, '--timeout', String(TIMEOUT_MS), '-o', outputDir]
  return runRunner(args, outputDir).then(({checks, checksFile, code, output}) => {
    const clientLog = checksFile && existsSync(join(dirname(checksFile), 'stderr.txt')) ? readFileSync(join(dirname(checksFile), 'stderr.txt'), 'utf8') : ''
    return {checks, clientLog, code, name, output, resultDir: checksFile ? dirname(checksFile) : outputDir}
  })
}

/** The runner with `args`, its output collected, then the checks it wrote under `outputDir` (none if it wrote none). */
function runRunner(args, outputDir) {
  return new Promise((resolve) => {
    const child = spawn(NODE22, args, {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk))
    child.on('close', (code) => {
      const checksFile = existsSync(outputDir) ? findChecks(outputDir) : undefined
      resolve({checks: checksFile ? JSON.parse(readFileSync(checksFile, 'utf8')) : [], checksFile, code, output})
    })
  })
}

async function runAll(names, outputRoot) {
  const results = []
  let next = 0
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]
      const result = await runScenario(name, outputRoot)
      results.push(result)
      report(result)
    }
  }
  await Promise.all(Array.from({length: Math.min(PARALLEL, names.length)}, worker))
  return names.map((name) => results.find((result) => result.name === name))
}

/** The gateway's server scenarios, run against `mcpctl gateway --http` (`npm run conformance -- server-initialize`…). */
const SERVER_SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection']

function runServerScenario(name, url, outputRoot) {
  const outputDir = join(outputRoot, `server_${name}`)
  const args = [RUNNER, 'server', '--url', url, '--scenario', name, '-o', outputDir]
  return runRunner(args, outputDir).then(({checks, checksFile, code, output}) => ({
    checks,
    clientLog: checksFile ? '' : output,
    code,
    name: `gateway: ${name}`,
    output,
    resultDir: checksFile ? dirname(checksFile) : outputDir,
  }))
}

/**
 * A gateway over HTTP for the server scenarios: a throw-away store with the bundled example server, and in front of
 * the gateway a loopback relay that adds the bearer token (the runner sends none; the gateway refuses every request
 * without one). The relay passes Host and Origin through untouched, so the rebinding checks reach the gateway as sent.
 */
async function startGatewayForConformance() {
  const {startExampleServer} = await import('./example-server.js')
  const store = mkdtempSync(join(tmpdir(), 'mcpctl-conformance-gateway-'))
  const upstream = await startExampleServer()
  const token = `conformance-${process.pid}-${Date.now()}`
  const env = {...process.env, CI: 'true', MCPCTL_CONFIG_DIR: store, MCPCTL_GATEWAY_TOKEN: token, MCPCTL_KEYRING: 'off'}
  const cli = (args) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), ...args], {env, stdio: ['ignore', 'ignore', 'pipe']})
      let stderr = ''
      child.stderr.on('data', (chunk) => (stderr += chunk))
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`mcpctl ${args.join(' ')} exited ${code}: ${stderr}`))))
    })
  await cli(['integrations', 'add', upstream.url, '--allow-http', '--name', 'helpdesk', '--auth', 'none'])
  const gateway = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'gateway', '--http', '--json'], {env, stdio: ['ignore', 'pipe', 'inherit']})
  const target = new URL(
    await new Promise((resolve, reject) => {
      let out = ''
      gateway.stdout.setEncoding('utf8').on('data', (chunk) => {
        out += chunk
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).url)
      })
      gateway.once('exit', (code) => reject(new Error(`mcpctl gateway exited ${code}`)))
    }),
  )
  const relay = http.createServer((req, res) => {
    const headers = {...req.headers, authorization: `Bearer ${token}`}
    const forward = http.request({headers, hostname: '127.0.0.1', method: req.method, path: req.url, port: target.port}, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    forward.on('error', () => res.writeHead(502).end())
    req.pipe(forward)
  })
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve))
  return {
    async close() {
      relay.closeAllConnections()
      relay.close()
      gateway.kill('SIGTERM')
      await upstream.close()
      rmSync(store, {force: true, recursive: true})
    },
    url: `http://127.0.0.1:${relay.address().port}/mcp`,
  }
}

const count = (checks, status) => checks.filter((check) => check.status === status).length

function report(result) {
  const {checks, code, name} = result
  const passed = count(checks, 'SUCCESS')
  const failed = count(checks, 'FAILURE')
  const warnings = count(checks, 'WARNING')
  // The runner's exit code also fails a scenario whose client exited non-zero (unless the scenario expects that).
  const ok = code === 0 && failed === 0 && warnings === 0
  result.ok = ok
  const mark = ok ? green('✓') : red('✗')
  const warned = warnings > 0 ? yellow(`, ${warnings} warning${warnings === 1 ? '' : 's'}`) : ''
  console.log(`${mark} ${bold(name)}: ${passed} passed, ${failed} failed${warned}`)
  for (const check of checks.filter((c) => c.status === 'FAILURE')) {
    console.log(red(`    FAILURE ${check.id}: ${check.description}${check.errorMessage ? ` (${check.errorMessage})` : ''}`))
  }
  for (const check of checks.filter((c) => c.status === 'WARNING')) {
    console.log(yellow(`    WARNING ${check.id}: ${check.description}${check.details ? ` ${JSON.stringify(check.details)}` : ''}`))
  }
  if (code !== 0 && failed === 0 && warnings === 0) {
    const why = /CLIENT TIMED OUT/.test(result.output) ? 'the client timed out' : 'the client (mcpctl) failed'
    console.log(red(`    ${why}; runner exit ${code}`))
  }
  if (!ok) {
    const tail = result.clientLog.trim().split('\n').slice(-25).join('\n      ')
    if (tail) console.log(`    client log (last lines; all of it in ${result.resultDir}/stderr.txt):\n      ${tail}`)
  }
}

ensureRunner()
const all = listScenarios()
if (listOnly) {
  const defaults = new Set(defaultScenarios(all))
  for (const {name, versions} of all) console.log(`${defaults.has(name) ? '*' : ' '} ${name} [${versions.join(', ')}]`)
  console.log('\nServer scenarios run against mcpctl gateway --http:')
  for (const name of SERVER_SCENARIOS) console.log(`* ${name}`)
  console.log('\n* = run by default')
  process.exit(0)
}
const unknown = requested.filter((name) => !all.some((scenario) => scenario.name === name) && !SERVER_SCENARIOS.includes(name))
if (unknown.length > 0) {
  console.error(red(`Unknown scenario(s): ${unknown.join(', ')}. See npm run conformance -- --list`))
  process.exit(2)
}
checkBuild()
if (root.includes(' ')) {
  console.error(red('The conformance runner splits its --command on spaces: run from a checkout whose path has none.'))
  process.exit(1)
}

const names = (requested.length > 0 ? requested : defaultScenarios(all)).filter((name) => !SERVER_SCENARIOS.includes(name))
const serverNames = requested.length > 0 ? requested.filter((name) => SERVER_SCENARIOS.includes(name)) : SERVER_SCENARIOS
const outputRoot = mkdtempSync(join(tmpdir(), 'mcpctl-conformance-results-'))
console.log(`MCP conformance (runner ${JSON.parse(readFileSync(join(dirname(dirname(RUNNER)), 'package.json'), 'utf8')).version}, Node 22 for the runner, ${process.version} for mcpctl): ${names.length + serverNames.length} scenarios\n`)
const results = await runAll(names, outputRoot)
if (serverNames.length > 0) {
  const gateway = await startGatewayForConformance()
  try {
    for (const name of serverNames) {
      const result = await runServerScenario(name, gateway.url, outputRoot)
      results.push(result)
      report(result)
    }
  } finally {
    await gateway.close()
  }
}

const totals = {failed: 0, passed: 0, warnings: 0}
for (const {checks} of results) {
  totals.passed += count(checks, 'SUCCESS')
  totals.failed += count(checks, 'FAILURE')
  totals.warnings += count(checks, 'WARNING')
}
const bad = results.filter((result) => !result.ok)
console.log(`\n${bold('Total')}: ${results.length - bad.length}/${results.length} scenarios passed; checks: ${totals.passed} passed, ${totals.failed} failed, ${totals.warnings} warnings`)
if (bad.length > 0) console.log(red(`Not passing: ${bad.map((result) => result.name).join(', ')}`))
if (keep || bad.length > 0) console.log(`Results (checks.json, client stdout/stderr per scenario): ${outputRoot}`)
else rmSync(outputRoot, {force: true, recursive: true})
process.exitCode = bad.length > 0 ? 1 : 0
