import assert from 'node:assert/strict'
import {readFileSync, truncateSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {McpctlError} from '../../../src/core/errors.js'
import {MAX_POLICY_INPUT_BYTES, setPoliciesFromLines} from '../../../src/core/policy/bulk.js'
import {applyPolicyFile, buildPolicyDocument, exportPolicies, parsePolicyFile} from '../../../src/core/policy/policy-file.js'
import {definition, helpdesk, integration, storeWith, type StoreFixture} from './fixtures.js'

const problemsOf = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof McpctlError, String(error))
    assert.equal(error.kind, 'usage')
    return error.detail!.problems as {line: number; message: string}[]
  }

  assert.fail('expected a usage error')
}

describe('policy files (export / apply)', () => {
  let fixture: StoreFixture
  let ctx: {store: StoreFixture['store']}
  const file = (name: string, text: string) => {
    const target = path.join(fixture.dir, name)
    writeFileSync(target, text)
    return target
  }

  beforeEach(async () => {
    fixture = await storeWith(helpdesk('acme'), integration('globex', [definition('list_devices'), definition('delete_device'), definition('run_script')]))
    ctx = {store: fixture.store}
  })
  afterEach(() => fixture.cleanup())

  it('exports only user choices, sorted, with a header and a version, deterministically', async () => {
    await setPoliciesFromLines(ctx, {text: 'mcp:globex:run_script disabled\nmcp:acme:list_users approval_needed\nmcp:acme:delete_ticket disabled'})
    const yaml = await exportPolicies(ctx, {format: 'yaml'})
    assert.equal(
      yaml.text.split('\n').filter((l) => !l.startsWith('#')).join('\n'),
      'version: 1\nrules: {}\nservers:\n  acme:\n    delete_ticket: disabled\n    list_users: approval_needed\n  globex:\n    run_script: disabled\n',
    )
    assert.match(yaml.text, /^# mcpctl policy — apply with: mcpctl policy apply -f policy\.yaml\n/)
    assert.equal(yaml.tools, 3)
    assert.equal((await exportPolicies(ctx, {format: 'yaml'})).text, yaml.text)

    const json = await exportPolicies(ctx, {format: 'json', server: 'globex'})
    const parsed = JSON.parse(json.text)
    assert.deepEqual(Object.keys(parsed), ['$comment', 'version', 'servers'], 'a one-server file does not speak for rules')
    assert.deepEqual(parsed.servers, {globex: {run_script: 'disabled'}})
    assert.deepEqual(buildPolicyDocument(await fixture.store.read(), {server: 'acme'}).servers, {acme: {delete_ticket: 'disabled', list_users: 'approval_needed'}})
  })

  it('export → apply round trip changes nothing (YAML and JSON)', async () => {
    await setPoliciesFromLines(ctx, {text: 'mcp:*:delete_* disabled\nmcp:acme:list_tickets approval_needed\nmcp:acme:get_ticket auto'})
    for (const format of ['yaml', 'json'] as const) {
      const target = path.join(fixture.dir, `policy.${format}`)
      await exportPolicies(ctx, {format, output: target})
      const before = fixture.raw()
      const result = await applyPolicyFile(ctx, {file: target, prune: true})
      assert.deepEqual(result.changes, [])
      assert.equal(result.unchanged, 4)
      assert.equal(fixture.raw(), before, 'the store was rewritten with different content')
    }
  })

  it('makes the store match the file; applying it twice changes nothing the second time', async () => {
    const target = file('p.yaml', 'version: 1\nservers:\n  acme:\n    "list_*": approval_needed\n    list_users: disabled\n    delete_ticket: disabled\n  globex: {}\n')
    const dry = await applyPolicyFile(ctx, {dryRun: true, file: target})
    assert.equal(dry.dryRun, true)
    assert.deepEqual(
      dry.changes.map((c) => [c.name, c.from, c.to]),
      [
        ['mcp:acme:delete_ticket', 'approval_needed', 'disabled'],
        ['mcp:acme:list_tickets', 'auto', 'approval_needed'],
        // An exact name wins over a glob, wherever it is written.
        ['mcp:acme:list_users', 'auto', 'disabled'],
      ],
    )
    assert.equal((await fixture.store.read()).integrations.acme.tools.delete_ticket.policy.source, 'default')

    const first = await applyPolicyFile(ctx, {file: target})
    assert.equal(first.changes.length, 3)
    const tool = (await fixture.store.read()).integrations.acme.tools.list_users
    assert.deepEqual([tool.policy.permission, tool.policy.source, tool.policy.reason], ['disabled', 'user', 'set by policy file p.yaml'])

    const before = fixture.raw()
    const second = await applyPolicyFile(ctx, {file: target})
    assert.deepEqual(second.changes, [])
    assert.equal(second.unchanged, 3)
    assert.equal(fixture.raw(), before)
  })

  it('--prune resets user choices the file no longer mentions, only in the servers it lists', async () => {
    await setPoliciesFromLines(ctx, {text: 'mcp:acme:delete_ticket disabled\nmcp:acme:list_users disabled\nmcp:globex:run_script disabled'})
    const target = file('p.yaml', 'version: 1\nservers:\n  acme:\n    delete_ticket: disabled\n')
    const without = await applyPolicyFile(ctx, {dryRun: true, file: target})
    assert.deepEqual(without.changes, [])

    const pruned = await applyPolicyFile(ctx, {file: target, prune: true})
    assert.deepEqual(
      pruned.changes.map((c) => [c.name, c.from, c.to, c.toSource]),
      [['mcp:acme:list_users', 'disabled', 'auto', 'default']],
    )
    const config = await fixture.store.read()
    assert.equal(config.integrations.acme.tools.list_users.policy.source, 'default')
    assert.match(config.integrations.acme.tools.list_users.policy.reason, /name verb "list" is read-like/)
    assert.equal(config.integrations.acme.tools.delete_ticket.policy.source, 'user')
    assert.equal(config.integrations.globex.tools.run_script.policy.source, 'user', 'a server absent from the file is not pruned')
    assert.deepEqual((await applyPolicyFile(ctx, {file: target, prune: true})).changes, [])
  })

  it('reports every schema problem with its line, and writes nothing', async () => {
    const before = fixture.raw()
    const target = file(
      'bad.yaml',
      [
        'version: 1', // 1
        'colour: blue', // 2 unknown key
        'servers:', // 3
        '  acme:', // 4
        '    delete_ticket: never', // 5 bad level
        '    nothing_here: auto', // 6 not a tool of acme
        '    mcp:acme:get_ticket: auto', // 7 qualified name
        '  initech:', // 8 unknown server
        '    list_x: auto', // 9
        '  globex:', // 10
        '    run_script: [auto]', // 11 not a level
      ].join('\n'),
    )
    const problems = await problemsOf(applyPolicyFile(ctx, {file: target}))
    assert.deepEqual(
      problems.map((p) => p.line),
      [2, 5, 6, 7, 8, 11],
    )
    assert.match(problems.find((p) => p.line === 8)!.message, /no integration named "initech"/)
    assert.match(problems.find((p) => p.line === 6)!.message, /"nothing_here" is not a tool of "acme"/)
    assert.equal(fixture.raw(), before)
  })

  it('names the line of YAML syntax errors, duplicate keys, and JSON errors', async () => {
    const dup = await problemsOf(applyPolicyFile(ctx, {file: file('d.yaml', 'version: 1\nservers:\n  acme:\n    get_ticket: auto\n    get_ticket: disabled\n')}))
    assert.equal(dup[0].line, 5)
    assert.match(dup[0].message, /unique/)

    const json = await problemsOf(applyPolicyFile(ctx, {file: file('p.json', '{\n  "version": 1,\n  "servers": {\n    "acme": {"get_ticket": "auto",}\n  }\n}\n')}))
    assert.equal(json[0].line, 4)
    assert.match(json[0].message, /not valid JSON/)

    const key = await problemsOf(applyPolicyFile(ctx, {file: file('k.json', '{\n  "version": 1,\n  "servers": {\n    "acme": {\n      "get_ticket": "sometimes"\n    }\n  }\n}\n')}))
    assert.deepEqual(key.map((p) => p.line), [5])

    const version = await problemsOf(applyPolicyFile(ctx, {file: file('v.yaml', 'version: 2\nservers: {}\n')}))
    assert.deepEqual(version.map((p) => p.line), [1])
    assert.match(version[0].message, /version must be 1/)

    await assert.rejects(applyPolicyFile(ctx, {file: path.join(fixture.dir, 'absent.yaml')}), /Cannot read the policy file .*absent\.yaml \(no such file\)/)
  })

  it('parses in time linear in the keys: eight times the keys cost about eight times the CPU, not sixty-four', async () => {
    const policy = (keys: number) => ['version: 1', 'servers:', '  acme:', ...Array.from({length: keys}, (_, i) => `    tool_${i}: disabled`)].join('\n')
    // CPU time (not wall-clock) of the parse itself, best of a few runs.
    const cpu = async (text: string, runs: number) => {
      let best = Number.POSITIVE_INFINITY
      for (let run = 0; run < runs; run++) {
        const start = process.cpuUsage()
        const parsed = await parsePolicyFile(text, 'yaml')
        const used = process.cpuUsage(start)
        assert.equal(parsed.problems.lines, 0)
        best = Math.min(best, used.user + used.system)
      }

      return best
    }

    await parsePolicyFile(policy(2500), 'yaml')
    const small = await cpu(policy(2500), 3)
    const large = await cpu(policy(20_000), 2)
    // yaml's own unique-key check compared every key with every earlier one: ~45× here (40,000 keys took 35 s).
    assert.ok(large / small < 20, `20,000 keys cost ${(large / small).toFixed(1)}× the CPU of 2,500`)
  })

  it('still reports a duplicate key per mapping, with both lines', async () => {
    const text = 'version: 1\nservers:\n  acme:\n    get_ticket: auto\n    list_*: auto\n    get_ticket: disabled\n  acme:\n    get_ticket: auto\n'
    const parsed = await parsePolicyFile(text, 'yaml')
    assert.deepEqual(parsed.problems.listed, [
      {line: 6, message: 'duplicate key "get_ticket" (map keys must be unique; first on line 4)'},
      {line: 7, message: 'duplicate key "acme" (map keys must be unique; first on line 3)'},
    ])
  })

  it(`refuses a policy file over ${MAX_POLICY_INPUT_BYTES / 1024 / 1024} MiB unread`, async () => {
    const target = path.join(fixture.dir, 'huge.yaml')
    writeFileSync(target, 'version: 1\nservers: {}\n')
    truncateSync(target, MAX_POLICY_INPUT_BYTES + 1)
    const before = fixture.raw()
    await assert.rejects(applyPolicyFile(ctx, {file: target}), (error: unknown) => {
      assert.ok(error instanceof McpctlError)
      assert.equal(error.kind, 'usage')
      assert.match(error.message, /The policy file .*huge\.yaml is larger than 4 MiB \(4 MiB\); nothing was changed\./)
      return true
    })
    assert.equal(fixture.raw(), before)
  })

  it('parses an exported file into the entries it holds', async () => {
    const parsed = await parsePolicyFile(readFileSync(file('x.yaml', '# c\nversion: 1\nservers:\n  acme:\n    a: auto\n  globex:\n'), 'utf8'), 'yaml')
    assert.deepEqual(parsed.problems.listed, [])
    assert.deepEqual(parsed.servers, [
      {entries: [{key: 'a', level: 'auto', line: 5}], line: 4, name: 'acme'},
      {entries: [], line: 6, name: 'globex'},
    ])
  })
})
