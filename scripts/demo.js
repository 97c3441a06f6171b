// `npm run demo`: the main job end to end against the bundled example server, in a throw-away store; then a built-in
// catalog app connected to the bundled example vendor API (loopback HTTPS, see example-vendor.js).
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startExampleServer} from './example-server.js'
import {startExampleVendor} from './example-vendor.js'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const token = 'demo-' + Math.random().toString(36).slice(2)
const store = mkdtempSync(join(tmpdir(), 'mcpctl-demo-'))
const apiKey = 'ITG.demo-' + Math.random().toString(36).slice(2)
const server = await startExampleServer({token})
const vendor = await startExampleVendor({apiKey})
// NODE_EXTRA_CA_CERTS: the CLI trusts the example vendor's throw-away CA (and nothing else changes).
const env = {...process.env, MCPCTL_CONFIG_DIR: store, MCPCTL_KEYRING: 'off', HELPDESK_TOKEN: token, ITGLUE_KEY: apiKey, NODE_EXTRA_CA_CERTS: vendor.caFile}

const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\u001B[1m${s}\u001B[22m` : s)
let failed = false

// The example server lives in this process, so each step runs asynchronously (spawnSync would block the server).
async function step(title, args) {
  if (failed) return
  process.stdout.write(`\n${bold('# ' + title)}\n${bold('$ mcpctl ' + args.map((a) => (/[\s*'"$|]/.test(a) ? `'${a}'` : a)).join(' '))}\n`)
  const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), ...args], {env, stdio: ['ignore', 'inherit', 'inherit']})
  const status = await new Promise((resolve) => child.on('close', resolve))
  if (status !== 0) {
    process.stderr.write(`demo: that step exited ${status}\n`)
    failed = true
  }
}

/** An agent's view: an MCP client (the SDK's own) spawns `mcpctl gateway` over stdio, as Claude Code or Cursor would. */
async function agentStep() {
  if (failed) return
  process.stdout.write(`\n${bold('# 7. Use it from your agent: an MCP client talks to `mcpctl gateway` (what `mcpctl gateway install` sets up)')}\n`)
  const {Client} = await import('@modelcontextprotocol/client')
  const {StdioClientTransport} = await import('@modelcontextprotocol/client/stdio')
  const client = new Client({name: 'demo-agent', version: '1.0.0'}, {capabilities: {elicitation: {form: {}}}})
  client.setRequestHandler('elicitation/create', async (request) => {
    process.stdout.write(`  the client asks the person: ${request.params.message}\n  → the person approves\n`)
    return {action: 'accept', content: {approve: true}}
  })
  try {
    await client.connect(new StdioClientTransport({args: [join(root, 'bin', 'run.js'), 'gateway'], command: process.execPath, env, stderr: 'inherit'}))
    const {tools} = await client.listTools()
    process.stdout.write(`  tools/list: ${tools.length} tools (the disabled ones are not offered): ${tools.map((tool) => tool.name).join(', ')}\n`)
    const show = (result) => result.content.map((item) => item.text).join(' ')
    process.stdout.write(`  call helpdesk__list_tickets (auto): ${show(await client.callTool({arguments: {company: 'acme'}, name: 'helpdesk__list_tickets'}))}\n`)
    process.stdout.write('  call helpdesk__create_ticket (approval_needed):\n')
    process.stdout.write(`  result: ${show(await client.callTool({arguments: {summary: 'Printer on fire'}, name: 'helpdesk__create_ticket'}))}\n`)
    const refused = await client.callTool({arguments: {id: 42}, name: 'helpdesk__delete_ticket'})
    process.stdout.write(`  call helpdesk__delete_ticket (disabled): ${show(refused)}\n`)
  } catch (error) {
    process.stderr.write(`demo: the agent step failed: ${error.message}\n`)
    failed = true
  } finally {
    await client.close().catch(() => {})
  }
}

try {
  process.stdout.write(`A throw-away store in ${store}; an example helpdesk MCP server on ${server.url} (bearer token in $HELPDESK_TOKEN).\n`)
  await step('1. Probe: how does the server authenticate?', ['integrations', 'probe', server.url, '--allow-http'])
  await step('2. Add it: authenticate, discover the tools, seed a policy for each', [
    'integrations', 'add', server.url, '--allow-http', '--name', 'helpdesk', '--auth', 'bearer', '--token-env', 'HELPDESK_TOKEN',
  ])
  await step('3. Every tool with its permission', ['tools', 'list'])
  await step('4. Preview a bulk change: no deletes, ever', ['policy', 'set', 'mcp:helpdesk:delete_*', 'mcp:helpdesk:reset_*', 'disabled', '--dry-run'])
  await step('5. Apply it', ['policy', 'set', 'mcp:helpdesk:delete_*', 'mcp:helpdesk:reset_*', 'disabled'])
  await step('6. The same, as JSON for scripts', ['tools', 'list', '--permission', 'disabled', '--json'])
  await agentStep()
  await step('8. Every call the agent made, in the audit log (argument digests, never arguments)', ['audit'])
  process.stdout.write(`\nBuilt-in apps: an example IT Glue API on ${vendor.url} (API key in $ITGLUE_KEY).\n`)
  await step('9. The catalog of built-in apps', ['integrations', 'catalog'])
  await step('10. Connect one: the key is checked against the vendor first, then its tools get seeded permissions', [
    'connect', 'it-glue', '--name', 'acme-docs', '--field', `instance=${vendor.url}`, '--secret-env', 'api-key=ITGLUE_KEY',
  ])
  await step('11. Call a read tool (auto): the vendor\'s JSON:API answer, flattened', ['tools', 'call', 'it-glue:acme-docs:search_orgs', '--args', '{"name":"Acme Corporation"}'])
} finally {
  await server.close()
  await vendor.close()
  rmSync(store, {force: true, recursive: true})
}

process.stdout.write(failed ? '\nThe demo failed.\n' : '\nDone. Try it on your own servers: mcpctl integrations add <url> or mcpctl connect <app-id>, then mcpctl gateway install claude-code\n')
process.exitCode = failed ? 1 : 0
