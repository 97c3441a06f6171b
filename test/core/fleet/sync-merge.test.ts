import assert from 'node:assert/strict'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'

import {diffDefinitions, formatDefinitionDiff} from '../../../src/core/definition-diff.js'
import {setPoliciesFromLines} from '../../../src/core/policy/bulk.js'
import {STORE_VERSION} from '../../../src/core/store/store-format.js'
import {DEFINITION_CHANGED, mergeDiscovery, type ServerSync} from '../../../src/core/sync.js'
import {fingerprintTool} from '../../../src/core/tool-record.js'
import {definition, integration, storeWith, type StoreFixture} from './fixtures.js'

describe('definition diffs', () => {
  it('names fields and schema paths: description old → new, properties added, removed, changed', () => {
    const before = definition('get_ticket', {
      annotations: {readOnlyHint: true},
      description: 'Gets a ticket',
      inputSchema: {properties: {id: {type: 'string'}, verbose: {type: 'boolean'}}, required: ['id'], type: 'object'},
    })
    const after = definition('get_ticket', {
      annotations: {readOnlyHint: false},
      description: 'Gets a ticket and deletes it',
      inputSchema: {properties: {'drop.all': {type: 'boolean'}, id: {type: 'integer'}}, required: ['id', 'drop.all'], type: 'object'},
    })
    assert.equal(
      formatDefinitionDiff(diffDefinitions(before, after)),
      [
        'description: "Gets a ticket" → "Gets a ticket and deletes it"',
        'inputSchema.properties["drop.all"]: added {"type":"boolean"}',
        'inputSchema.properties.id.type: "string" → "integer"',
        'inputSchema.properties.verbose: removed (was {"type":"boolean"})',
        'inputSchema.required: ["id"] → ["id","drop.all"]',
        'annotations.readOnlyHint: true → false',
      ].join('\n'),
    )
    assert.deepEqual(diffDefinitions(before, {...before}), [])
  })

  it('caps long values and long diffs', () => {
    const before = definition('t', {description: 'x'.repeat(1000), inputSchema: {properties: {}}})
    const properties = Object.fromEntries(Array.from({length: 100}, (_, i) => [`p${i}`, {type: 'string'}]))
    const text = formatDefinitionDiff(diffDefinitions(before, definition('t', {description: 'y', inputSchema: {properties}})))
    assert.ok(text.length < 5000, `diff is ${text.length} characters`)
    assert.match(text, /… and 61 more differences$/)
    assert.match(text.split('\n')[0], /^description: "x+… → "y"$/)
  })
})

describe('schemas with keys named like Object.prototype properties', () => {
  // As a server sends them: parsed JSON, where `__proto__` is an own key (a literal would set the prototype).
  const schema = (json: string) => definition('t', {inputSchema: JSON.parse(json)})

  it('fingerprints a change under a `__proto__` key', () => {
    const before = schema('{"type":"object","properties":{"__proto__":{"type":"string"}}}')
    const after = schema('{"type":"object","properties":{"__proto__":{"type":"string","description":"now deletes"}}}')
    assert.notEqual(fingerprintTool(before), fingerprintTool(after))
  })

  it('diffs a `constructor` or `__proto__` property that one side lacks as added, not as Object itself', () => {
    const before = schema('{"type":"object","properties":{}}')
    const after = schema('{"type":"object","properties":{"constructor":{"type":"string"},"__proto__":{"type":"boolean"}}}')
    assert.equal(
      formatDefinitionDiff(diffDefinitions(before, after)),
      ['inputSchema.properties.__proto__: added {"type":"boolean"}', 'inputSchema.properties.constructor: added {"type":"string"}'].join('\n'),
    )
  })
})

describe('merging a re-discovery into the store', () => {
  let fixture: StoreFixture
  const original = [
    definition('list_tickets', {description: 'Lists tickets'}),
    definition('get_ticket', {description: 'Gets a ticket'}),
    definition('close_ticket', {description: 'Closes a ticket'}),
    definition('old_tool', {description: 'Gets old things'}),
    definition('export_report', {description: 'Gets a report'}),
  ]
  beforeEach(async () => {
    fixture = await storeWith(integration('acme', original))
  })
  afterEach(() => fixture.cleanup())

  const merge = (definitions: typeof original): Promise<ServerSync> =>
    fixture.store.update((config, tx) => mergeDiscovery(config, tx, 'acme', {definitions, facts: {transport: 'streamable-http'}, warnings: []}, '2026-02-02T00:00:00.000Z'))

  it('seeds new tools, removes vanished ones, keeps users’ policies, demotes changed auto tools with a diff', async () => {
    await setPoliciesFromLines({store: fixture.store}, {text: 'mcp:acme:export_report disabled\nmcp:acme:close_ticket auto'})
    const changedGet = definition('get_ticket', {description: 'Gets a ticket', inputSchema: {properties: {id: {type: 'string'}, purge: {type: 'boolean'}}, required: ['id'], type: 'object'}})
    const changedExport = definition('export_report', {description: 'Gets a report, then emails it'})
    const result = await merge([original[0], changedGet, original[2], changedExport, definition('delete_ticket', {description: 'Deletes a ticket'})])

    assert.deepEqual(result.added.map((t) => [t.tool, t.permission, t.source]), [['delete_ticket', 'approval_needed', 'default']])
    assert.deepEqual(result.removed.map((t) => t.name), ['mcp:acme:old_tool'])
    assert.deepEqual(result.changed.map((t) => [t.tool, t.from, t.permission, t.demoted]), [
      ['export_report', 'disabled', 'disabled', false],
      ['get_ticket', 'auto', 'approval_needed', true],
    ])
    assert.equal(result.unchanged, 2)

    const config = await fixture.store.read()
    const tools = config.integrations.acme.tools
    assert.deepEqual(Object.keys(tools).sort(), ['close_ticket', 'delete_ticket', 'export_report', 'get_ticket', 'list_tickets'])
    assert.deepEqual([tools.close_ticket.policy.permission, tools.close_ticket.policy.source], ['auto', 'user'])
    const get = tools.get_ticket
    assert.deepEqual([get.policy.permission, get.policy.source, get.policy.reason], ['approval_needed', 'default', DEFINITION_CHANGED])
    assert.equal(get.fingerprint, fingerprintTool(changedGet))
    assert.equal(get.changed?.previousFingerprint, fingerprintTool(original[1]))
    assert.equal(get.changed?.diff, 'inputSchema.properties.purge: added {"type":"boolean"}')
    assert.deepEqual([tools.export_report.policy.permission, tools.export_report.policy.source], ['disabled', 'user'])
    assert.equal(tools.export_report.description, 'Gets a report, then emails it')
    assert.match(tools.export_report.changed!.diff, /^description: "Gets a report" → "Gets a report, then emails it"$/)
    const stored = await fixture.store.readDefinitions('acme')
    assert.deepEqual(stored.get_ticket, changedGet)
    assert.equal(stored.old_tool, undefined)

    // A second identical sync changes nothing, and the flag stays until someone sets the policy again.
    const again = await merge([original[0], changedGet, original[2], changedExport, definition('delete_ticket', {description: 'Deletes a ticket'})])
    assert.deepEqual([again.added.length, again.removed.length, again.changed.length, again.unchanged], [0, 0, 0, 5])
    assert.ok((await fixture.store.read()).integrations.acme.tools.get_ticket.changed)
    await setPoliciesFromLines({store: fixture.store}, {text: 'mcp:acme:get_ticket auto'})
    assert.equal((await fixture.store.read()).integrations.acme.tools.get_ticket.changed, undefined)
  })

  it('rewrites stored definitions only when something changed, or when the file is missing', async () => {
    const file = fixture.store.definitionsFile('acme')
    writeFileSync(file, `${readFileSync(file, 'utf8').trim()}  \n`) // a marker a rewrite would drop
    const marked = readFileSync(file, 'utf8')
    const result = await merge(original)
    assert.equal(result.unchanged, 5)
    assert.equal(readFileSync(file, 'utf8'), marked)

    rmSync(file)
    await fixture.store.update((config, tx) =>
      mergeDiscovery(config, tx, 'acme', {definitions: original, facts: {transport: 'streamable-http'}, warnings: []}, 'now', {definitionsStored: false}),
    )
    assert.deepEqual(Object.keys(await fixture.store.readDefinitions('acme')).sort(), original.map((d) => d.name).sort())
  })

  it('does not resurrect an integration disconnected during the sync', async () => {
    const result = await fixture.store.update((config, tx) => {
      delete config.integrations.acme
      return mergeDiscovery(config, tx, 'acme', {definitions: original, facts: {transport: 'streamable-http'}, warnings: []}, 'now')
    })
    assert.equal(result.ok, false)
    assert.deepEqual(await fixture.store.read(), {integrations: {}, rules: [], version: STORE_VERSION})
  })
})
