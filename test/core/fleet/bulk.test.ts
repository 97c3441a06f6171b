import assert from 'node:assert/strict'

import {McpctlError} from '../../../src/core/errors.js'
import {STORE_VERSION} from '../../../src/core/store/store-format.js'
import {LineProblems, parsePolicyLines, planPolicyLines, setPoliciesFromLines} from '../../../src/core/policy/bulk.js'
import {helpdesk, integration, definition, storeWith, type StoreFixture} from './fixtures.js'

const problemsOf = (fn: () => unknown): {line: number; message: string}[] => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof McpctlError, String(error))
    assert.equal(error.kind, 'usage')
    return error.detail!.problems as {line: number; message: string}[]
  }

  assert.fail('expected a usage error')
}

describe('policy set --stdin lines', () => {
  let fixture: StoreFixture
  beforeEach(async () => {
    fixture = await storeWith(helpdesk('acme'), integration('globex', [definition('list_devices'), definition('delete_device')]))
  })
  afterEach(() => fixture.cleanup())

  it('skips blank lines and comments, and numbers lines as the user sees them', () => {
    const {entries, problems} = parsePolicyLines('# header\n\nmcp:acme:delete_* disabled\n   \n  mcp:*:list_*   auto  # no\n')
    assert.deepEqual(entries, [{level: 'disabled', line: 3, pattern: 'mcp:acme:delete_*'}])
    assert.deepEqual(problems.listed.map((p) => p.line), [5])
  })

  it('reports every bad line with its number and writes nothing', async () => {
    const before = fixture.raw()
    const text = [
      'mcp:acme:delete_* disabled', // 1 fine
      'mcp:acme:list_* allow', // 2 bad level
      'acme:list_* auto', // 3 malformed pattern
      'mcp:acme:nothing_here auto', // 4 an exact name that is no tool
      'mcp:acme:nothing_* auto', // 5 a glob matching no tool today: a rule all the same
      '# comment', // 6
      'mcp:acme:get_ticket', // 7 missing level
      'mcp:globex:list_* auto', // 8 fine
    ].join('\n')
    const config = await fixture.store.read()
    const problems = problemsOf(() => planPolicyLines(config, text))
    assert.deepEqual(problems.map((p) => p.line), [2, 3, 4, 7])
    assert.match(problems[0].message, /"allow" is not a permission level/)
    assert.match(problems[1].message, /not a tool pattern/)
    assert.match(problems[2].message, /matched no tool/)
    assert.match(problems[3].message, /expected "<pattern> <level>"/)

    await assert.rejects(setPoliciesFromLines({store: fixture.store}, {text}), (error: McpctlError) => {
      assert.match(error.message, /^4 lines of input have problems; nothing was changed/)
      for (const n of [2, 3, 4, 7]) assert.match(error.message, new RegExp(`line ${n}: `))
      return true
    })
    assert.equal(fixture.raw(), before)
  })

  it('applies all lines in one change: exact names as choices, globs as rules', async () => {
    const result = await setPoliciesFromLines(
      {store: fixture.store},
      {text: "mcp:*:delete_* disabled\nmcp:*:list_* approval_needed\nmcp:globex:delete_device approval_needed\n"},
    )
    assert.equal(result.lines, 3)
    assert.equal(result.dryRun, false)
    const config = await fixture.store.read()
    assert.equal(config.integrations.acme.tools.delete_ticket.policy.permission, 'disabled')
    assert.equal(config.integrations.globex.tools.delete_device.policy.permission, 'approval_needed')
    assert.equal(config.integrations.globex.tools.delete_device.policy.source, 'user')
    assert.equal(config.integrations.acme.tools.list_users.policy.permission, 'approval_needed')
    assert.equal(config.integrations.acme.tools.get_ticket.policy.source, 'default')
    assert.deepEqual(config.rules, [
      {pattern: 'mcp:*:delete_*', permission: 'disabled'},
      {pattern: 'mcp:*:list_*', permission: 'approval_needed'},
    ])
    assert.deepEqual([config.integrations.acme.tools.delete_ticket.policy.source, config.integrations.acme.tools.delete_ticket.policy.rule], ['rule', 'mcp:*:delete_*'])
    assert.equal(config.integrations.acme.tools.delete_ticket.choice, undefined)
    // One entry per tool, with the level of the most specific line that matched it.
    assert.equal(result.changes.filter((c) => c.tool === 'delete_device').length, 1)
    assert.equal(result.changes.find((c) => c.tool === 'delete_device')!.to, 'approval_needed')
  })

  it('where lines overlap, the most specific decides, wherever it is written; a line deciding nothing is warned about', async () => {
    const result = await setPoliciesFromLines(
      {store: fixture.store},
      {text: 'mcp:acme:delete_* approval_needed\nmcp:*:delete_* disabled\nmcp:*:delete_ticket auto\nmcp:acme:delete_ticket disabled\n'},
    )
    const config = await fixture.store.read()
    // The exact name (line 4) beats every glob; among globs, fewer wildcards (line 3, 1 wildcard) beat more (line 2).
    assert.deepEqual([config.integrations.acme.tools.delete_ticket.policy.permission, config.integrations.acme.tools.delete_ticket.policy.source], ['disabled', 'user'])
    assert.equal(config.integrations.globex.tools.delete_device.policy.permission, 'disabled')
    // Same wildcards, longer literal text: mcp:acme:delete_* (line 1) beats mcp:*:delete_* (line 2) though written first.
    const byLine = new Map(result.warnings.map((w) => [w.line, w.message]))
    assert.match(byLine.get(3)!, /mcp:\*:delete_ticket decides none of the 1 tool it matches/)
    assert.match(byLine.get(1)!, /mcp:acme:delete_\* decides none of the 1 tool it matches/)
    assert.equal(byLine.has(2), false, 'line 2 decides globex:delete_device')
    assert.equal(result.rules.find((r) => r.pattern === 'mcp:*:delete_*')!.decides, 1)
  })

  it('honours --server and --where for every line (choices for today\'s tools), and a dry run writes nothing', async () => {
    const before = fixture.raw()
    const result = await setPoliciesFromLines({store: fixture.store}, {dryRun: true, filter: {server: 'acme', where: 'read'}, text: 'mcp:*:* disabled\nmcp:*:wipe_* disabled'})
    assert.deepEqual(result.changes.map((c) => c.tool).sort(), ['get_ticket', 'list_tickets', 'list_users'])
    assert.deepEqual(new Set(result.changes.map((c) => c.toSource)), new Set(['user']))
    assert.deepEqual(result.rules, [])
    assert.deepEqual(result.warnings.map((w) => w.line), [2])
    assert.equal(fixture.raw(), before)
    const problems = problemsOf(() => planPolicyLines({integrations: {}, rules: [], version: STORE_VERSION}, 'mcp:acme:get_ticket auto'))
    assert.match(problems[0].message, /matched no tool/)
  })

  it('quotes bad input with invisible and control characters escaped', async () => {
    const problems = problemsOf(() => planPolicyLines({integrations: {}, rules: [], version: STORE_VERSION}, 'mcp:acme:x auto\u202E\nmcp:acme:y \u001B[31mauto'))
    assert.deepEqual(problems.map((p) => p.line), [1, 2])
    for (const problem of problems) assert.doesNotMatch(problem.message, /[\u202E\u001B]/)
    assert.match(problems[0].message, /"auto\\u\{202e\}" is not a permission level/)
  })

  it('lists the first 100 bad lines and only counts the rest, whatever the input holds', async () => {
    const config = await fixture.store.read()
    const lines = Array.from({length: 20_000}, (_, i) => `mcp:acme:nothing_${i} auto`)
    let error: McpctlError | undefined
    try {
      planPolicyLines(config, lines.join('\n'))
    } catch (caught) {
      error = caught as McpctlError
    }

    assert.ok(error instanceof McpctlError)
    assert.equal(error.detail!.lines, 20_000)
    const problems = error.detail!.problems as {line: number}[]
    assert.deepEqual(problems.map((p) => p.line), Array.from({length: 100}, (_, i) => i + 1))
    assert.match(error.message, /^20000 lines of input have problems/)
    assert.match(error.message, /line 100: pattern "mcp:acme:nothing_99" matched no tool\n {2}…and 19900 more lines with problems$/)
    assert.ok(error.message.length < 10_000, `${error.message.length} characters`)
  })

  it('keeps the lowest lines when problems arrive out of order', () => {
    const problems = new LineProblems()
    for (let line = 500; line > 0; line--) problems.add(line, `problem ${line}`)
    problems.add(3, 'second problem on line 3')
    assert.equal(problems.lines, 500)
    assert.equal(problems.listed.length, 100)
    assert.equal(problems.listed[0].line, 1)
    assert.equal(problems.listed.at(-1)!.line, 99)
  })

  it('refuses empty input', async () => {
    await assert.rejects(setPoliciesFromLines({store: fixture.store}, {text: '# only a comment\n'}), /no `<pattern> <level>` lines/)
  })
})
