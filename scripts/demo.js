// `npm run demo`: the main job end to end against the bundled example server, in a throw-away store.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startExampleServer} from './example-server.js'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const token = 'demo-' + Math.random().toString(36).slice(2)
const store = mkdtempSync(join(tmpdir(), 'mcpctl-demo-'))
const server = await startExampleServer({token})
const env = {...process.env, MCPCTL_CONFIG_DIR: store, MCPCTL_KEYRING: 'off', HELPDESK_TOKEN: token}

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
  await step('7. Disconnect: removes the connection, its tools and policies', ['disconnect', 'helpdesk', '--yes'])
  await step('8. Nothing is left', ['integrations', 'list'])
} finally {
  await server.close()
  rmSync(store, {force: true, recursive: true})
}

process.stdout.write(failed ? '\nThe demo failed.\n' : '\nDone. Try it on your own servers: mcpctl integrations add <url>\n')
process.exitCode = failed ? 1 : 0
