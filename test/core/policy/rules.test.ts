import assert from 'node:assert/strict'

import {compareSpecificity, compilePatterns, patternSpecificity} from '../../../src/core/policy/pattern.js'
import {PERMISSIONS, strictness} from '../../../src/core/policy/permission.js'
import {resolvePolicy} from '../../../src/core/policy/resolve.js'
import {RuleSet} from '../../../src/core/policy/rules.js'
import type {Rule} from '../../../src/core/store/schema.js'
import {newToolRecord} from '../../../src/core/tool-record.js'

const AT = '2026-01-01T00:00:00.000Z'

describe('RuleSet', () => {
  it('decides by the most specific rule that sets a level, and caps by the strictest ceiling', () => {
    const rules = new RuleSet([
      {pattern: '*:*:delete_*', permission: 'disabled'},
      {pattern: 'mcp:acme:*', permission: 'auto'},
      {atMost: 'approval_needed', pattern: '*:*:run_*'},
      {pattern: 'mcp:acme:delete_ticket', permission: 'approval_needed'},
      {atMost: 'disabled', pattern: 'mcp:acme:run_wipe'},
      {pattern: 'halopsa:*:*', permission: 'approval_needed'},
    ])
    assert.equal(rules.decide('mcp', 'acme', 'delete_ticket').decider?.pattern, 'mcp:acme:delete_ticket')
    assert.equal(rules.decide('mcp', 'acme', 'delete_user').decider?.pattern, 'mcp:acme:*', 'one wildcard beats three')
    assert.equal(rules.decide('mcp', 'globex', 'delete_user').decider?.pattern, '*:*:delete_*')
    assert.equal(rules.decide('mcp', 'globex', 'list_users').decider, undefined)
    const run = rules.decide('mcp', 'acme', 'run_script')
    assert.equal(run.decider?.pattern, 'mcp:acme:*', 'a ceiling alone decides no level')
    assert.equal(run.ceiling?.pattern, '*:*:run_*')
    assert.equal(rules.decide('mcp', 'acme', 'run_wipe').ceiling?.atMost, 'disabled', 'the strictest ceiling caps')
    assert.equal(rules.decide('halopsa', 'acme', 'list_tickets').decider?.pattern, 'halopsa:*:*')
    assert.equal(rules.decide('mcp', 'initech', 'list_tickets').decider, undefined)
    assert.deepEqual(rules.matching('mcp', 'acme', 'run_wipe'), ['mcp:acme:*', '*:*:run_*', 'mcp:acme:run_wipe'])
  })

  it('agrees with matching every pattern one by one, for random rules and names', () => {
    // The index (per connection, by literal prefix, memoised and shared) must never change an answer.
    let seed = 42
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed % n
    }

    const pick = <T>(items: T[]) => items[random(items.length)]
    const kinds = ['mcp', 'halopsa', 'ninja']
    const servers = ['acme', 'acme-eu', 'globex', 'a', 'b-1']
    const tools = ['delete_user', 'delete_ticket', 'list_users', 'run_script', 'run', 'get', 'd', 'delete_', 'x_delete_y']
    const segment = (values: string[]) =>
      pick([() => '*', () => pick(values), () => `${pick(values).slice(0, 1 + random(3))}*`, () => `*${pick(values).slice(-2)}`, () => `${pick(values).slice(0, 2)}?*`])()
    for (let round = 0; round < 30; round++) {
      const rules: Rule[] = Array.from({length: 1 + random(25)}, () => {
        const rule: Rule = {pattern: `${segment(kinds)}:${segment(servers)}:${segment(tools)}`}
        if (random(3) > 0) rule.permission = pick([...PERMISSIONS])
        if (!rule.permission || random(4) === 0) rule.atMost = pick(['approval_needed', 'disabled'])
        return rule
      })
      const set = new RuleSet(rules)
      const compiled = compilePatterns(rules.map((r) => r.pattern))
      const ranked = rules.map((r, order) => ({...patternSpecificity(r.pattern), order}))
      for (const kind of kinds) {
        for (const server of servers) {
          for (const tool of tools) {
            const matched = compiled.match(`${kind}:${server}:${tool}`)
            const setters = matched.filter((i) => rules[i].permission !== undefined)
            const best = setters.length === 0 ? undefined : setters.reduce((a, b) => (compareSpecificity(ranked[b], ranked[a]) > 0 ? b : a))
            const ceilings = matched.filter((i) => rules[i].atMost !== undefined).map((i) => rules[i].atMost!)
            const strictest = ceilings.length === 0 ? undefined : ceilings.reduce((a, b) => (strictness(b) > strictness(a) ? b : a))
            const decision = set.decide(kind, server, tool)
            const where = `${kind}:${server}:${tool} in round ${round}`
            assert.equal(decision.decider, best === undefined ? undefined : rules[best], where)
            assert.equal(decision.ceiling?.atMost, strictest, where)
            assert.deepEqual(set.matching(kind, server, tool), matched.map((i) => rules[i].pattern), where)
          }
        }
      }
    }
  })
})

describe('resolvePolicy', () => {
  const tool = (name: string, description = '') => newToolRecord({description, name}, AT)
  const rules = new RuleSet([
    {pattern: '*:*:delete_*', permission: 'disabled'},
    {pattern: 'mcp:acme:list_*', permission: 'approval_needed'},
    {atMost: 'approval_needed', pattern: '*:*:run_*'},
    {pattern: 'mcp:acme:run_*', permission: 'auto'},
  ])
  const resolve = (record: ReturnType<typeof tool>) => resolvePolicy(record, rules.decide('mcp', 'acme', record.name))

  it("takes a person's choice, else the most specific rule, else the seeded default", () => {
    assert.deepEqual(resolve({...tool('delete_user'), choice: {permission: 'approval_needed', reason: 'set by user', updatedAt: AT}}), {
      permission: 'approval_needed',
      reason: 'set by user',
      source: 'user',
    })
    assert.deepEqual(resolve(tool('delete_user')), {permission: 'disabled', reason: 'rule *:*:delete_*', rule: '*:*:delete_*', source: 'rule'})
    assert.deepEqual(resolve(tool('list_users')), {permission: 'approval_needed', reason: 'rule mcp:acme:list_*', rule: 'mcp:acme:list_*', source: 'rule'})
    assert.deepEqual(resolve(tool('get_user')), {permission: 'auto', reason: 'name verb "get" is read-like', source: 'default'})
  })

  it('caps by every matching ceiling, naming it and what it capped', () => {
    assert.deepEqual(resolve(tool('run_script')), {
      permission: 'approval_needed',
      reason: 'ceiling *:*:run_*: at most approval_needed (auto by rule mcp:acme:run_*)',
      rule: '*:*:run_*',
      source: 'ceiling',
    })
    assert.deepEqual(resolve({...tool('run_script'), choice: {permission: 'disabled', reason: 'set by user', updatedAt: AT}}).permission, 'disabled', 'stricter than the ceiling: kept')
  })

  it('holds a changed definition at approval_needed, whatever decided auto', () => {
    const changed = {at: AT, diff: 'description: "a" → "b"', previousFingerprint: 'sha256:x'}
    assert.deepEqual(resolve({...tool('get_user'), changed}), {permission: 'approval_needed', reason: 'definition changed', source: 'default'})
    assert.equal(resolve({...tool('get_user'), changed, choice: {permission: 'auto', reason: 'set by user', updatedAt: AT}}).permission, 'approval_needed')
    assert.equal(resolve({...tool('delete_user'), changed}).permission, 'disabled')
  })
})
