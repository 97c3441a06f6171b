// `policy set` and `tools list` through the real CLI on a store built on disk.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {cliSandbox} from '../helpers/cli.js'
import {fixtureIntegration, HELPDESK_TOOLS, writeStore} from '../helpers/store-fixture.js'

describe('policy set and tools list (CLI)', () => {
  let sandbox: ReturnType<typeof cliSandbox>

  beforeEach(() => {
    sandbox = cliSandbox()
    writeStore(sandbox.dir, [fixtureIntegration('acme', HELPDESK_TOOLS), fixtureIntegration('ninja', HELPDESK_TOOLS)])
  })
  afterEach(() => sandbox.cleanup())

  const permissions = async () => {
    const rows = (await sandbox.run(['tools', 'list', '--json'])).json<{name: string; permission: string; source: string}[]>()
    return Object.fromEntries(rows.map((r) => [r.name, `${r.permission}/${r.source}`]))
  }

  it('lists every tool as mcp:<server>:<tool> with the fields scripts rely on', async () => {
    const result = await sandbox.run(['tools', 'list', '--json'])
    assert.equal(result.code, 0, result.stderr)
    const rows = result.json()
    assert.equal(rows.length, 12)
    const row = rows.find((r: {name: string}) => r.name === 'mcp:acme:get_ticket')
    assert.deepEqual(
      {description: row.description, permission: row.permission, server: row.server, source: row.source, tool: row.tool},
      {description: 'Gets a ticket.', permission: 'auto', server: 'acme', source: 'default', tool: 'get_ticket'},
    )
    assert.match(row.reason, /get/)
  })

  it('filters by server and permission, and prints tab-separated rows without a header when piped', async () => {
    const result = await sandbox.run(['tools', 'list', '--server', 'ninja', '--permission', 'auto'])
    assert.equal(result.code, 0, result.stderr)
    const lines = result.stdout.trim().split('\n')
    assert.deepEqual(lines.map((l) => l.split('\t').slice(0, 2)), [
      ['mcp:ninja:get_ticket', 'auto'],
      ['mcp:ninja:list_tickets', 'auto'],
    ])
    assert.doesNotMatch(result.stdout, /\u001B\[/)
  })

  it('lists only the tools matching the patterns given', async () => {
    const result = await sandbox.run(['tools', 'list', 'mcp:*:delete_*', 'mcp:acme:run_script', '--json'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(result.json().map((r: {name: string}) => r.name).sort(), [
      'mcp:acme:delete_ticket',
      'mcp:acme:delete_user',
      'mcp:acme:run_script',
      'mcp:ninja:delete_ticket',
      'mcp:ninja:delete_user',
    ])
  })

  it('sets one tool by exact name', async () => {
    const result = await sandbox.run(['policy', 'set', 'mcp:acme:delete_ticket', 'disabled', '--json'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(result.json().changes.map((c: {name: string}) => c.name), ['mcp:acme:delete_ticket'])
    const after = await permissions()
    assert.equal(after['mcp:acme:delete_ticket'], 'disabled/user')
    assert.equal(after['mcp:ninja:delete_ticket'], 'approval_needed/default')
  })

  it('sets many tools by glob across servers, and only those, as a rule that names itself', async () => {
    const result = await sandbox.run(['policy', 'set', 'mcp:*:delete_*', 'disabled'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /Added rule mcp:\*:delete_\* → disabled: matches 4 tools today, decides 4\./)
    const after = await permissions()
    for (const name of ['mcp:acme:delete_ticket', 'mcp:acme:delete_user', 'mcp:ninja:delete_ticket', 'mcp:ninja:delete_user']) {
      assert.equal(after[name], 'disabled/rule', name)
    }

    assert.equal(Object.values(after).filter((v) => v.startsWith('disabled')).length, 4)
    const listed = await sandbox.run(['tools', 'list', 'mcp:acme:delete_user'])
    assert.match(listed.stdout, /^mcp:acme:delete_user\tdisabled\trule mcp:\*:delete_\*\t/m)
  })

  it('--dry-run prints the plan and changes nothing', async () => {
    const before = readFileSync(join(sandbox.dir, 'config.json'), 'utf8')
    const result = await sandbox.run(['policy', 'set', 'mcp:acme:*', 'auto', '--dry-run', '--json'])
    assert.equal(result.code, 0, result.stderr)
    const plan = result.json()
    assert.equal(plan.dryRun, true)
    assert.equal(plan.changes.length, 6)
    assert.equal(readFileSync(join(sandbox.dir, 'config.json'), 'utf8'), before)
  })

  it('an exact name that is no tool is an error and changes nothing, even beside one that matches', async () => {
    const before = readFileSync(join(sandbox.dir, 'config.json'), 'utf8')
    const result = await sandbox.run(['policy', 'set', 'mcp:acme:delete_*', 'mcp:acme:nuke_all', 'disabled'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /mcp:acme:nuke_all/)
    assert.equal(readFileSync(join(sandbox.dir, 'config.json'), 'utf8'), before)
  })

  it('a glob that matches no tool today is a rule all the same, and says so', async () => {
    const result = await sandbox.run(['policy', 'set', 'mcp:acme:delete_*', 'mcp:acme:nuke_*', 'disabled'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /Added rule mcp:acme:nuke_\* → disabled: it matches no tool today and applies to tools that appear later\./)
    assert.equal((await permissions())['mcp:acme:delete_user'], 'disabled/rule')
  })

  it('an unknown level is an error naming the valid ones', async () => {
    const result = await sandbox.run(['policy', 'set', 'mcp:acme:get_ticket', 'allow', '--json'])
    assert.equal(result.code, 2)
    const {error} = result.json()
    assert.equal(error.kind, 'usage')
    assert.match(error.message, /"allow" is not a permission level/)
    assert.match(error.hint, /auto, approval_needed, disabled/)
  })

  it('rejects a malformed pattern', async () => {
    const result = await sandbox.run(['policy', 'set', 'delete_*', 'disabled'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /mcp:<server>:<tool>/)
  })

  it('8 concurrent policy set processes lose nothing', async () => {
    const tools = HELPDESK_TOOLS.map((t) => t.name)
    // 8 processes, each setting a different (server, tool) pair: every one must survive.
    const targets = [...tools.map((t) => `mcp:acme:${t}`), 'mcp:ninja:get_ticket', 'mcp:ninja:run_script']
    const results = await Promise.all(targets.map((name) => sandbox.run(['policy', 'set', name, 'disabled'])))
    for (const result of results) assert.equal(result.code, 0, result.stderr)
    const after = await permissions()
    for (const name of targets) assert.equal(after[name], 'disabled/user', name)
  })
})
