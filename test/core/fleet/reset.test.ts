import assert from 'node:assert/strict'

import {setPoliciesFromLines} from '../../../src/core/policy/bulk.js'
import {listPolicies} from '../../../src/core/policy/list.js'
import {resetPolicies} from '../../../src/core/policy/reset.js'
import {helpdesk, storeWith, type StoreFixture} from './fixtures.js'

describe('policy reset and policy list', () => {
  let fixture: StoreFixture
  let ctx: {store: StoreFixture['store']}
  beforeEach(async () => {
    fixture = await storeWith(helpdesk('acme'), helpdesk('globex'))
    ctx = {store: fixture.store}
    await setPoliciesFromLines(ctx, {text: 'mcp:acme:list_tickets disabled\nmcp:globex:list_tickets disabled\nmcp:acme:delete_ticket auto\nmcp:acme:get_ticket auto'})
  })
  afterEach(() => fixture.cleanup())

  it('lists policies filtered by server, permission and source', async () => {
    const config = await fixture.store.read()
    assert.deepEqual(
      listPolicies(config, {source: 'user'}).map((r) => r.name),
      ['mcp:acme:delete_ticket', 'mcp:acme:get_ticket', 'mcp:acme:list_tickets', 'mcp:globex:list_tickets'],
    )
    assert.deepEqual(listPolicies(config, {permission: 'disabled', server: 'globex'}).map((r) => r.tool), ['list_tickets'])
    assert.throws(() => listPolicies(config, {server: 'initech'}), /No integration named "initech"/)
  })

  it('without patterns puts every user policy back to its seeded default', async () => {
    const result = await resetPolicies(ctx, {})
    assert.deepEqual(
      result.changes.map((c) => [c.name, c.from, c.to]),
      [
        ['mcp:acme:delete_ticket', 'auto', 'approval_needed'],
        ['mcp:acme:get_ticket', 'auto', 'auto'],
        ['mcp:acme:list_tickets', 'disabled', 'auto'],
        ['mcp:globex:list_tickets', 'disabled', 'auto'],
      ],
    )
    const config = await fixture.store.read()
    assert.deepEqual(listPolicies(config, {source: 'user'}), [])
    const tool = config.integrations.acme.tools.delete_ticket
    assert.equal(tool.policy.source, 'default')
    assert.match(tool.policy.reason, /name verb "delete" is write-like/)
    assert.deepEqual((await resetPolicies(ctx, {})).changes, [])
  })

  it('with patterns resets only what they match; --dry-run writes nothing; unmatched patterns are errors', async () => {
    const before = fixture.raw()
    const dry = await resetPolicies(ctx, {dryRun: true, patterns: ['mcp:globex:*']})
    assert.deepEqual(dry.changes.map((c) => c.name), ['mcp:globex:list_tickets'])
    assert.equal(dry.unchanged, 5)
    assert.equal(fixture.raw(), before)
    await assert.rejects(resetPolicies(ctx, {patterns: ['mcp:globex:nope_*']}), /matched no tool/)
    await resetPolicies(ctx, {patterns: ['mcp:globex:*']})
    const config = await fixture.store.read()
    assert.equal(config.integrations.globex.tools.list_tickets.policy.source, 'default')
    assert.equal(config.integrations.acme.tools.list_tickets.policy.source, 'user')
  })
})
