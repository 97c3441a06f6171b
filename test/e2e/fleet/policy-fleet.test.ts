// Bulk edits and policy as code through the real CLI, on stores written to disk (no live servers needed).
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cliSandbox} from '../../helpers/cli.js'
import {fixtureIntegration, HELPDESK_TOOLS, writeStore} from '../../helpers/store-fixture.js'

type Row = {name: string; permission: string; source: string}

describe('fleet policies (CLI): --stdin, list, reset, export, apply', () => {
  let sandbox: ReturnType<typeof cliSandbox>
  const config = () => readFileSync(join(sandbox.dir, 'config.json'), 'utf8')
  const write = (name: string, text: string) => {
    const file = join(sandbox.dir, name)
    writeFileSync(file, text)
    return file
  }

  const policies = async (args: string[] = []) => {
    const result = await sandbox.run(['policy', 'list', '--json', ...args])
    assert.equal(result.code, 0, result.stderr)
    return Object.fromEntries(result.json<Row[]>().map((r) => [r.name, `${r.permission}/${r.source}`]))
  }

  beforeEach(() => {
    sandbox = cliSandbox()
    writeStore(sandbox.dir, ['acme', 'globex', 'initech'].map((name) => fixtureIntegration(name, HELPDESK_TOOLS)))
  })
  afterEach(() => sandbox.cleanup())

  it('policy set --stdin bounds what it collects: 50,000 unmatched lines list the first 100, and input over 4 MiB is refused unread', async () => {
    const before = config()
    const lines = (count: number) => Array.from({length: count}, (_, i) => `mcp:acme:nothing_${i} auto`).join('\n')
    const many = await sandbox.run(['policy', 'set', '--stdin', '--json'], {input: lines(50_000)})
    assert.equal(many.code, 2, many.stderr)
    const {error} = many.json()
    assert.equal(error.lines, 50_000)
    assert.equal(error.problems.length, 100)
    assert.match(error.message, /…and 49900 more lines with problems$/)
    assert.ok(many.stdout.length < 30_000, `${many.stdout.length} bytes of JSON`)

    const huge = await sandbox.run(['policy', 'set', '--stdin'], {input: lines(200_000)})
    assert.equal(huge.code, 2, huge.stderr)
    assert.match(huge.stderr, /Standard input for --stdin is larger than 4 MiB; nothing was[\s›]*changed\./)
    assert.equal(config(), before)
  })

  it('policy set --stdin reports every bad line by number, exits 2 and writes nothing', async () => {
    const before = config()
    const input = ['# fleet defaults', 'mcp:*:delete_* disabled', 'mcp:*:list_* sometimes', '', 'mcp:acme:nope auto', 'acme:get_ticket auto', 'mcp:globex:run_script'].join('\n')
    const human = await sandbox.run(['policy', 'set', '--stdin'], {input})
    assert.equal(human.code, 2)
    assert.match(human.stderr, /4 lines of input have problems; nothing was changed/)
    for (const line of [3, 5, 6, 7]) assert.match(human.stderr, new RegExp(`line ${line}: `))
    assert.doesNotMatch(human.stderr, /line 2: /)
    assert.equal(config(), before)

    const json = await sandbox.run(['policy', 'set', '--stdin', '--json'], {input})
    assert.equal(json.code, 2)
    assert.deepEqual(json.json().error.problems.map((p: {line: number}) => p.line), [3, 5, 6, 7])
    assert.equal(config(), before)

    const mixed = await sandbox.run(['policy', 'set', '--stdin', 'mcp:acme:get_ticket', 'auto'], {input: ''})
    assert.equal(mixed.code, 2)
    assert.match(mixed.stderr, /from standard input, not[\s›]*arguments/)
  })

  it('policy set --stdin applies every line as one change: globs as rules, exact names as choices, the most specific deciding', async () => {
    const input = 'mcp:*:delete_* disabled\nmcp:*:run_* disabled\n# one exception\nmcp:initech:delete_user approval_needed\n'
    const result = await sandbox.run(['policy', 'set', '--stdin', '--json'], {input})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.json().changes.length, 9)
    assert.deepEqual(result.json().rules.map((r: {action: string; pattern: string}) => [r.action, r.pattern]), [
      ['added', 'mcp:*:delete_*'],
      ['added', 'mcp:*:run_*'],
    ])
    assert.deepEqual(await policies(['--source', 'user']), {'mcp:initech:delete_user': 'approval_needed/user'})
    const after = await policies()
    assert.equal(after['mcp:initech:delete_user'], 'approval_needed/user')
    assert.equal(after['mcp:acme:delete_user'], 'disabled/rule')
    assert.equal(after['mcp:globex:run_script'], 'disabled/rule')

    // The exact line beats the glob even written first; the glob then decides nothing on initech, and says so.
    const reversed = await sandbox.run(['policy', 'set', '--stdin', '--dry-run'], {input: 'mcp:initech:delete_user approval_needed\nmcp:initech:delete_* disabled\n'})
    assert.equal(reversed.code, 0, reversed.stderr)
    assert.match(reversed.stderr, /Would add rule mcp:initech:delete_\* → disabled: matches 2 tools today, decides 1\./)
    assert.match(reversed.stderr, /Would change 1 tool/)
  })

  it('policy list filters, policy reset puts user choices back to the seeded defaults', async () => {
    await sandbox.run(['policy', 'set', 'mcp:acme:*', 'disabled', '--server', 'acme'])
    assert.equal(Object.keys(await policies(['--source', 'user'])).length, 6)
    assert.deepEqual(Object.keys(await policies(['--server', 'acme', '--permission', 'disabled', '--source', 'user'])).length, 6)
    const unknown = await sandbox.run(['policy', 'list', '--server', 'nope'])
    assert.equal(unknown.code, 2)

    const dry = await sandbox.run(['policy', 'reset', 'mcp:acme:list_*', '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stderr, /Would reset 1 tool/)
    assert.match(dry.stdout, /^mcp:acme:list_tickets\tdisabled \(user\)\tauto \(default\)$/m)

    // Without patterns every choice people made goes: without a terminal that needs --yes, and nothing changes.
    const before = config()
    const unconfirmed = await sandbox.run(['policy', 'reset', '--json'])
    assert.equal(unconfirmed.code, 2)
    assert.match(unconfirmed.json().error.message, /Confirmation to remove 6 choices people made/)
    assert.match(unconfirmed.json().error.hint, /--yes/)
    assert.equal(config(), before)
    assert.equal((await sandbox.run(['policy', 'reset', '--dry-run', '--json'])).json().changes.length, 6, 'a dry run needs no confirmation')

    const all = await sandbox.run(['policy', 'reset', '--yes', '--json'])
    assert.equal(all.code, 0, all.stderr)
    assert.equal(all.json().changes.length, 6)
    assert.deepEqual(await policies(['--source', 'user']), {})
    const after = await policies()
    assert.equal(after['mcp:acme:get_ticket'], 'auto/default')
    assert.equal(after['mcp:acme:delete_ticket'], 'approval_needed/default')
  })

  it('export → apply round trip changes nothing; apply is idempotent; --dry-run exits 6 only when changes are pending', async () => {
    await sandbox.run(['policy', 'set', '--stdin'], {input: 'mcp:*:delete_* disabled\nmcp:acme:list_tickets approval_needed\nmcp:globex:run_script auto\n'})
    const file = join(sandbox.dir, 'policy.yaml')
    const exported = await sandbox.run(['policy', 'export', '-o', file])
    assert.equal(exported.code, 0, exported.stderr)
    const text = readFileSync(file, 'utf8')
    assert.match(text, /^# mcpctl policy — apply with: mcpctl policy apply -f /)
    // Rules as rules (not flattened into today's tools), choices per server.
    assert.match(text, /\nversion: 1\nrules:\n {2}mcp:\*:delete_\*: disabled\nservers:\n {2}acme:\n {4}list_tickets: approval_needed\n {2}globex:\n {4}run_script: auto\n {2}initech: \{\}\n$/)
    assert.equal((await sandbox.run(['policy', 'export'])).stdout.replace(/apply -f \S+/, ''), text.replace(/apply -f \S+/, ''))

    const before = config()
    const roundTrip = await sandbox.run(['policy', 'apply', '-f', file, '--dry-run', '--prune', '--json'])
    assert.equal(roundTrip.code, 0, roundTrip.stderr)
    assert.deepEqual(roundTrip.json().changes, [])
    assert.equal((await sandbox.run(['policy', 'apply', '-f', file, '--prune'])).code, 0)
    assert.equal(config(), before, 'a round trip must not change the store')

    // Edit the file as a reviewer would: apply shows the plan, then nothing the second time.
    writeFileSync(file, text.replace('run_script: auto', 'run_script: disabled').replace('  initech: {}\n', '  initech:\n    "get_*": disabled\n'))
    const pending = await sandbox.run(['policy', 'apply', '-f', file, '--dry-run'])
    assert.equal(pending.code, 6, pending.stderr)
    assert.match(pending.stderr, /Would add rule \*:initech:get_\* → disabled: matches 1 tool today, decides 1\./)
    assert.match(pending.stderr, /Would change 2 tools/)
    assert.match(pending.stdout, /^mcp:globex:run_script\tauto \(user\)\tdisabled \(user\)$/m)
    assert.equal(config(), before)
    const pendingJson = await sandbox.run(['policy', 'apply', '-f', file, '--dry-run', '--json'])
    assert.equal(pendingJson.code, 6)
    assert.deepEqual(pendingJson.json().changes.map((c: {name: string}) => c.name), ['mcp:globex:run_script', 'mcp:initech:get_ticket'])

    const applied = await sandbox.run(['policy', 'apply', '-f', file])
    assert.equal(applied.code, 0, applied.stderr)
    assert.match(applied.stderr, /Changed 2 tools/)
    const second = await sandbox.run(['policy', 'apply', '-f', file, '--json'])
    assert.equal(second.code, 0)
    assert.deepEqual(second.json().changes, [])
    assert.equal((await sandbox.run(['policy', 'apply', '-f', file, '--dry-run'])).code, 0)
  })

  it('--prune resets choices the file no longer mentions', async () => {
    await sandbox.run(['policy', 'set', 'mcp:acme:delete_*', 'mcp:acme:run_script', 'disabled'])
    const file = write('p.json', JSON.stringify({servers: {acme: {'delete_*': 'disabled'}}, version: 1}))
    const plain = await sandbox.run(['policy', 'apply', '-f', file, '--json'])
    assert.deepEqual(plain.json().changes, [])
    const pruned = await sandbox.run(['policy', 'apply', '-f', file, '--prune', '--json'])
    assert.equal(pruned.code, 0, pruned.stderr)
    assert.deepEqual(pruned.json().changes.map((c: {name: string; to: string; toSource: string}) => [c.name, c.to, c.toSource]), [['mcp:acme:run_script', 'approval_needed', 'default']])
    assert.equal((await policies())['mcp:acme:run_script'], 'approval_needed/default')
  })

  it('schema errors name the line, in YAML and in JSON; unknown servers too', async () => {
    const before = config()
    const yaml = await sandbox.run(['policy', 'apply', '-f', write('bad.yaml', 'version: 1\nservers:\n  acme:\n    get_ticket: yes-please\n  umbrella:\n    x: auto\n')])
    assert.equal(yaml.code, 2)
    assert.match(yaml.stderr, /line 4: "yes-please" is not a permission level/)
    assert.match(yaml.stderr, /line 5: no integration named "umbrella"/)

    const json = await sandbox.run(['policy', 'apply', '--json', '-f', write('bad.json', '{\n  "version": 1,\n  "servers": {\n    "acme": {\n      "nothing_here": "auto"\n    }\n  }\n}\n')])
    assert.equal(json.code, 2)
    assert.deepEqual(json.json().error.problems, [{line: 5, message: '"nothing_here" is not a tool of "acme" (a glob makes a rule that needs no tool yet)'}])

    const stdin = await sandbox.run(['policy', 'apply', '-f', '-', '--dry-run'], {input: 'version: 1\nservers:\n  acme:\n    get_ticket: auto\n'})
    assert.equal(stdin.code, 6, stdin.stderr)
    assert.equal(config(), before)
  })

  it('8 concurrent policy apply and policy set processes lose nothing', async () => {
    const servers = Array.from({length: 8}, (_, i) => `srv-${i}`)
    writeStore(sandbox.dir, servers.map((name) => fixtureIntegration(name, HELPDESK_TOOLS)))
    const runs = servers.map((server, i) =>
      i % 2 === 0
        ? sandbox.run(['policy', 'apply', '-f', write(`${server}.yaml`, `version: 1\nservers:\n  ${server}:\n    "delete_*": disabled\n    get_ticket: approval_needed\n`)])
        : sandbox.run(['policy', 'set', '--stdin'], {input: `mcp:${server}:delete_* disabled\nmcp:${server}:get_ticket approval_needed\n`}),
    )
    const results = await Promise.all(runs)
    for (const result of results) assert.equal(result.code, 0, result.stderr)
    const after = await policies()
    for (const server of servers) {
      assert.equal(after[`mcp:${server}:delete_ticket`], 'disabled/rule', server)
      assert.equal(after[`mcp:${server}:delete_user`], 'disabled/rule', server)
      assert.equal(after[`mcp:${server}:get_ticket`], 'approval_needed/user', server)
    }

    assert.equal(Object.keys(await policies(['--source', 'user'])).length, 8)
    const rules = await sandbox.run(['policy', 'rules', 'list', '--json'])
    assert.equal(rules.json().length, 8, 'every process added its rule')
  })
})
