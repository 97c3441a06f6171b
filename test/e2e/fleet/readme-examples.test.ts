// The README's fleet examples, run as written (by bash, `mcpctl` being bin/run.js) on a fleet that lacks some of the
// tools and servers they name: no wipe_*, reset_* or reset_password* tools, no halo or acme-* servers.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {BIN, cliSandbox, ROOT} from '../../helpers/cli.js'
import {fixtureIntegration, HELPDESK_TOOLS, writeStore} from '../../helpers/store-fixture.js'

const README = readFileSync(join(ROOT, 'README.md'), 'utf8')

/** The fenced block that follows the first line containing `after` (its body, without the fences). */
function blockAfter(after: string): string {
  const start = README.indexOf(after)
  assert.notEqual(start, -1, `README no longer says: ${after}`)
  const match = /```(\w*)\n([\s\S]*?)```/.exec(README.slice(start))
  assert.ok(match, `no code block after: ${after}`)
  return match[2]
}

function bash(script: string, env: Record<string, string>): Promise<{code: null | number; stderr: string; stdout: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\nmcpctl() { "${process.execPath}" "${BIN}" "$@"; }\n${script}`], {
      cwd: env.MCPCTL_CONFIG_DIR,
      env: {...process.env, CI: 'true', ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stderr, stdout}))
  })
}

describe("the README's fleet examples, as written", function () {
  this.timeout(300_000) // a few dozen CLI runs

  it('work on a fleet that lacks some of the tools they name', async () => {
    const sandbox = cliSandbox()
    try {
      writeStore(sandbox.dir, ['acme', 'globex', 'initech'].map((name) => fixtureIntegration(name, HELPDESK_TOOLS)))
      const env = {MCPCTL_CONFIG_DIR: sandbox.dir, MCPCTL_KEYRING: 'off'}
      const run = async (what: string, script: string) => {
        const result = await bash(script, env)
        assert.equal(result.code, 0, `${what}:\n${script}\n${result.stderr}`)
        return result
      }

      const baseline = await run('the fleet baseline', blockAfter('A baseline for a whole fleet'))
      assert.match(baseline.stderr, /Added rule \*:\*:wipe_\* → disabled: it matches no tool today and applies to tools that appear later\./)
      await run('the bulk edit', blockAfter('A bulk edit from the shell:'))
      await run('the --stdin example', blockAfter('### `mcpctl policy set <pattern...> <level>`'))

      writeFileSync(join(sandbox.dir, 'policy.yaml'), blockAfter('### `mcpctl policy export` / `mcpctl policy apply -f <file>`'))
      await run('the policy file example', 'mcpctl policy apply -f policy.yaml')

      const rules = (await sandbox.run(['policy', 'rules', 'list', '--json'])).json<{matches: number; pattern: string}[]>()
      const matches = Object.fromEntries(rules.map((r) => [r.pattern, r.matches]))
      for (const pattern of ['*:*:wipe_*', '*:*:reset_password*', 'mcp:*:reset_*', 'mcp:halo:list_*', 'mcp:acme-*:reset_*']) assert.equal(matches[pattern], 0, pattern)
      const rows = (await sandbox.run(['tools', 'list', '--json'])).json<{name: string; permission: string; source: string}[]>()
      const byName = Object.fromEntries(rows.map((r) => [r.name, `${r.permission}/${r.source}`]))
      assert.equal(byName['mcp:globex:delete_user'], 'disabled/rule')
      assert.equal(byName['mcp:acme:delete_ticket'], 'approval_needed/user', "the file's exact name is a person's choice")
      // The piped loop made every auto tool a person's approval_needed; the run_* ceiling holds the script runners.
      assert.equal(rows.filter((r) => r.permission === 'auto').length, 0)
      assert.equal(byName['mcp:initech:run_script'], 'approval_needed/default')
    } finally {
      sandbox.cleanup()
    }
  })
})
