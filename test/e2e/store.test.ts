// The store as the CLI meets it: a corrupt file stops every command, is backed up and never echoed or cleared.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cliSandbox} from '../helpers/cli.js'
import {fixtureIntegration, HELPDESK_TOOLS, writeStore} from '../helpers/store-fixture.js'

describe('config store (CLI)', () => {
  let sandbox: ReturnType<typeof cliSandbox>
  beforeEach(() => {
    sandbox = cliSandbox()
  })
  afterEach(() => sandbox.cleanup())

  const corruptions: [string, string][] = [
    ['truncated JSON', '{"version":1,"integrations":{"acme":{"name":"sk-live-PLANTED-9"'],
    ['an empty file', ''],
    ['a schema violation', JSON.stringify({integrations: {acme: {name: 'sk-live-PLANTED-9'}}, version: 1})],
  ]
  for (const [what, content] of corruptions) {
    it(`refuses ${what}: names the problem, backs it up, keeps it, never prints it`, async () => {
      const file = join(sandbox.dir, 'config.json')
      writeFileSync(file, content, {mode: 0o600})
      for (const args of [['tools', 'list'], ['policy', 'set', 'mcp:acme:x', 'auto'], ['integrations', 'list', '--json']]) {
        const result = await sandbox.run(args)
        assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`)
        assert.match(result.stdout + result.stderr, /config\.json/)
        assert.doesNotMatch(result.stdout + result.stderr, /sk-live-PLANTED/)
      }

      assert.equal(readFileSync(file, 'utf8'), content, 'the original is untouched')
      const backups = readdirSync(sandbox.dir).filter((f) => f.startsWith('config.json.corrupt-'))
      assert.equal(backups.length, 1)
      assert.equal(readFileSync(join(sandbox.dir, backups[0]), 'utf8'), content)
    })
  }

  it('refuses a symlinked config.json for reads and writes, leaving its target alone', async () => {
    const target = join(sandbox.dir, 'elsewhere.json')
    writeStore(sandbox.dir, [fixtureIntegration('acme', HELPDESK_TOOLS)])
    renameSync(join(sandbox.dir, 'config.json'), target)
    symlinkSync(target, join(sandbox.dir, 'config.json'))
    const original = readFileSync(target, 'utf8')
    for (const args of [['tools', 'list'], ['policy', 'set', 'mcp:acme:get_ticket', 'disabled']]) {
      const result = await sandbox.run(args)
      assert.equal(result.code, 1, result.stderr)
      assert.match(result.stderr, /config\.json is a symbolic[\s›]*link; mcpctl does not follow links/)
    }

    assert.equal(readFileSync(target, 'utf8'), original)
  })

  it('keeps the directory 0700 and the file 0600 across writes', async () => {
    writeStore(sandbox.dir, [fixtureIntegration('acme', HELPDESK_TOOLS)])
    const result = await sandbox.run(['policy', 'set', 'mcp:acme:get_ticket', 'disabled'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(statSync(join(sandbox.dir, 'config.json')).mode & 0o777, 0o600)
    assert.equal(statSync(sandbox.dir).mode & 0o777, 0o700)
  })
})
