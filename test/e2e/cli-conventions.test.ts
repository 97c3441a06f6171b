// What people expect of any CLI: `help <topic>`, "did you mean" for a mistyped command (a question on a terminal,
// the suggestion in the error elsewhere, JSON with --json), and shell completion.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {cliSandbox} from '../helpers/cli.js'
import {runInPty} from '../helpers/pty.js'

/** oclif wraps error lines (` ›   ` prefixed) to the terminal width: compare the text, not the layout. */
const unwrapped = (stderr: string) => stderr.replaceAll(/\s*›\s+/g, ' ').replaceAll(/\s+/g, ' ').trim()

describe('CLI conventions: help, did you mean, completion', function () {
  this.timeout(60_000)
  let sandbox: ReturnType<typeof cliSandbox>
  let cache: string

  beforeEach(() => {
    cache = mkdtempSync(path.join(tmpdir(), 'mcpctl-cache-'))
    sandbox = cliSandbox({XDG_CACHE_HOME: cache})
  })
  afterEach(() => {
    sandbox.cleanup()
    rmSync(cache, {force: true, recursive: true})
  })

  it('`help tools` shows the topic with its commands', async () => {
    const help = await sandbox.run(['help', 'tools'])
    assert.equal(help.code, 0, help.stderr)
    assert.match(help.stdout, /USAGE\s+\$ mcpctl tools COMMAND/)
    for (const command of ['tools call', 'tools list', 'tools sync']) assert.ok(help.stdout.includes(command), help.stdout)
  })

  describe('a mistyped command, without a terminal', () => {
    const cases: Array<{args: string[]; message: RegExp; suggestion: string}> = [
      {args: ['tools', 'lsit'], message: /"tools lsit" is not an mcpctl command/, suggestion: 'mcpctl tools list'},
      {
        args: ['integration', 'add', 'https://mcp.example.com/mcp'],
        message: /"integration add https:\/\/mcp\.example\.com\/mcp" is not an mcpctl command/,
        suggestion: 'mcpctl integrations add https://mcp.example.com/mcp',
      },
      {args: ['policy', 'apply', 'policy.yaml'], message: /"policy apply" takes the file with -f/, suggestion: 'mcpctl policy apply -f policy.yaml'},
      {args: ['polcy', 'set', 'mcp:acme:delete_*', 'disabled'], message: /is not an mcpctl command/, suggestion: 'mcpctl policy set mcp:acme:delete_* disabled'},
    ]
    for (const {args, message, suggestion} of cases) {
      it(`\`${args.join(' ')}\`: a usage error (exit 2) that names \`${suggestion}\``, async () => {
        const result = await sandbox.run(args)
        assert.equal(result.code, 2, result.stderr)
        assert.match(unwrapped(result.stderr), message)
        assert.ok(unwrapped(result.stderr).includes(`Did you mean: ${suggestion}`), result.stderr)
        assert.equal(result.stdout, '')
      })
    }

    it('with --json: only JSON on stdout, the suggestion as a field (also after an argument with a colon)', async () => {
      const result = await sandbox.run(['integration', 'add', 'https://mcp.example.com/mcp', '--json'])
      assert.equal(result.code, 2, result.stderr)
      const {error} = result.json()
      assert.equal(error.kind, 'usage')
      assert.equal(error.exitCode, 2)
      assert.equal(error.suggestion, 'mcpctl integrations add https://mcp.example.com/mcp')
      assert.match(error.message, /is not an mcpctl command/)
    })

    it('something unlike any command: points at help', async () => {
      const result = await sandbox.run(['frobnicate', '--json'])
      assert.equal(result.code, 2)
      assert.deepEqual(result.json().error.hint, '`mcpctl help` lists the commands.')
    })
  })

  it('on a terminal: asks "Did you mean …?" and runs the command on yes; "no" is a usage error', async () => {
    const accepted = runInPty(['integrations', 'lsit'], sandbox.env)
    await accepted.waitFor(/Did you mean .*integrations list/)
    accepted.write('y\r')
    assert.equal(await accepted.exit, 0, accepted.output())
    assert.match(accepted.output(), /No integrations yet/)

    const declined = runInPty(['integrations', 'lsit'], sandbox.env)
    await declined.waitFor(/Did you mean .*integrations list/)
    declined.write('n\r')
    assert.equal(await declined.exit, 2, declined.output())
    assert.doesNotMatch(declined.output(), /No integrations yet/)
  })

  it('`autocomplete` sets up bash, zsh and powershell, and bash completes commands and flags', async () => {
    const setup = await sandbox.run(['autocomplete', 'bash'])
    assert.equal(setup.code, 0, setup.stderr)
    assert.match(setup.stdout, /mcpctl autocomplete script bash/)
    const base = path.join(cache, 'mcpctl', 'autocomplete')
    for (const file of ['bash_setup', 'zsh_setup', 'functions/zsh/_mcpctl', 'functions/bash/mcpctl.bash']) {
      assert.ok(existsSync(path.join(base, file)), `${file} was not written`)
    }
    assert.match(readFileSync(path.join(base, 'functions', 'zsh', '_mcpctl'), 'utf8'), /tools/)
    const powershell = await sandbox.run(['autocomplete', 'powershell'])
    assert.equal(powershell.code, 0, powershell.stderr)
    assert.match(powershell.stdout, /mcpctl autocomplete script powershell/)

    // Real bash: source what `autocomplete script bash` prints, then ask the completion function as bash would on TAB.
    const script = (await sandbox.run(['autocomplete', 'script', 'bash'])).stdout
    const complete = (words: string[]) => {
      const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _mcpctl_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`
      const result = spawnSync('bash', ['--norc', '-c', program], {encoding: 'utf8'})
      assert.equal(result.status, 0, result.stderr)
      return result.stdout.split('\n').filter(Boolean)
    }
    assert.ok(complete(['mcpctl', 'tools', 'l']).includes('list'), `tools l<TAB>: ${complete(['mcpctl', 'tools', 'l'])}`)
    assert.ok(complete(['mcpctl', 'pol']).includes('policy'))
    assert.ok(complete(['mcpctl', 'tools', 'list', '--ser']).includes('--server'))
  })
})
