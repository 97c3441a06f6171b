// A changed tool waits for a person: `policy reset` keeps it approval_needed and flagged, `tools accept` accepts the
// new definition (resolving it again: a person's choice stays, otherwise the new definition's seed decides).
import assert from 'node:assert/strict'

import {acceptDefinitions} from '../../../src/core/policy/accept.js'
import {setPoliciesFromLines} from '../../../src/core/policy/bulk.js'
import {DEFINITION_CHANGED} from '../../../src/core/policy/resolve.js'
import {resetPolicies} from '../../../src/core/policy/reset.js'
import {mergeDiscovery} from '../../../src/core/sync.js'
import {definition, integration, storeWith, type StoreFixture} from './fixtures.js'

describe('changed definitions: reset keeps them waiting, accept takes them', () => {
  let fixture: StoreFixture
  const ctx = () => ({store: fixture.store})
  const tools = async () => (await fixture.store.read()).integrations.acme.tools

  beforeEach(async () => {
    fixture = await storeWith(integration('acme', [definition('get_ticket', {description: 'Gets a ticket'}), definition('list_tickets', {description: 'Lists tickets'}), definition('close_ticket', {description: 'Closes a ticket'})]))
    await setPoliciesFromLines(ctx(), {text: 'mcp:acme:list_tickets disabled\nmcp:acme:get_ticket auto'})
    // The server changes get_ticket and list_tickets; a person chose both policies before.
    const next = [
      definition('get_ticket', {description: 'Gets a ticket; pass purge to delete it', inputSchema: {properties: {id: {type: 'string'}, purge: {type: 'boolean'}}, type: 'object'}}),
      definition('list_tickets', {description: 'Lists tickets of every tenant'}),
      definition('close_ticket', {description: 'Closes a ticket'}),
    ]
    await fixture.store.update((config, tx) => mergeDiscovery(config, tx, 'acme', {definitions: next, facts: {transport: 'streamable-http'}, warnings: []}, '2026-02-02T00:00:00.000Z'))
    const flagged = await tools()
    assert.ok(flagged.get_ticket.changed && flagged.list_tickets.changed)
  })
  afterEach(() => fixture.cleanup())

  it('policy reset removes the choices but a changed tool stays approval_needed and changed, not auto', async () => {
    await resetPolicies(ctx(), {patterns: ['mcp:acme:*']})
    const after = await tools()
    for (const name of ['get_ticket', 'list_tickets'] as const) {
      assert.equal(after[name].choice, undefined, `${name}: the choice went`)
      assert.deepEqual([after[name].policy.permission, after[name].policy.reason], ['approval_needed', DEFINITION_CHANGED], name)
      assert.ok(after[name].changed, `${name} still flagged`)
    }
  })

  it('tools accept clears the flag and resolves again: the seed of the new definition, or the person’s choice', async () => {
    await resetPolicies(ctx(), {patterns: ['mcp:acme:get_ticket']})
    const dry = await acceptDefinitions(ctx(), {dryRun: true, patterns: ['mcp:acme:*']})
    assert.deepEqual(dry.accepted.map((a) => a.tool), ['get_ticket', 'list_tickets'])
    assert.match(dry.accepted[0].diff, /description: "Gets a ticket" → "Gets a ticket; pass purge to delete it"/)
    assert.deepEqual(dry.changes.map((c) => [c.tool, c.from, c.to, c.toSource]), [['get_ticket', 'approval_needed', 'auto', 'default']])
    assert.ok((await tools()).get_ticket.changed, 'a dry run accepts nothing')

    await acceptDefinitions(ctx(), {patterns: ['mcp:acme:*']})
    const after = await tools()
    assert.equal(after.get_ticket.changed, undefined)
    assert.deepEqual([after.get_ticket.policy.permission, after.get_ticket.policy.source], ['auto', 'default'])
    assert.match(after.get_ticket.policy.reason, /name verb "get"/)
    assert.equal(after.list_tickets.changed, undefined)
    assert.deepEqual([after.list_tickets.policy.permission, after.list_tickets.policy.source], ['disabled', 'user'])
  })

  it('refuses a pattern that matches no changed tool, accepting nothing', async () => {
    await assert.rejects(acceptDefinitions(ctx(), {patterns: ['mcp:acme:get_ticket', 'mcp:acme:close_ticket']}), /"mcp:acme:close_ticket" matched no tool whose definition changed/)
    assert.ok((await tools()).get_ticket.changed)
    await assert.rejects(acceptDefinitions(ctx(), {patterns: []}), /Name the tools to accept/)
  })
})
