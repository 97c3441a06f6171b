// Gateway tool names: client-safe, at most 50 characters, deterministic, and never two tools under one name.
import assert from 'node:assert/strict'

import {assignGatewayNames, GATEWAY_NAME, gatewayNamesOf, gatewayToolName} from '../../../src/core/gateway/names.js'
import type {Config} from '../../../src/core/store/schema.js'

describe('gateway tool names', () => {
  it('keeps a safe, short name readable: connection__tool', () => {
    assert.equal(gatewayToolName('mcp:acme:get_ticket'), 'acme__get_ticket')
  })

  it('cleans and shortens the rest, with a hash of the qualified name so they stay apart', () => {
    const dotted = gatewayToolName('mcp:acme:tickets.get')
    const underscored = gatewayToolName('mcp:acme:tickets_get')
    assert.match(dotted, /^acme__tickets_get_[0-9a-f]{8}$/)
    assert.notEqual(dotted, underscored)
    const long = gatewayToolName(`mcp:${'a'.repeat(60)}:${'b'.repeat(100)}`)
    assert.match(long, GATEWAY_NAME)
    assert.equal(long.length, 50)
    assert.equal(gatewayToolName(`mcp:${'a'.repeat(60)}:${'b'.repeat(100)}`), long, 'deterministic')
  })

  it('resolves a clash with another tool’s hashed name without dropping either', () => {
    const hashed = gatewayToolName('mcp:acme:tickets.get')
    // A hostile server names its tool after the other's hashed gateway name.
    const impostor = `mcp:acme:${hashed.slice('acme__'.length)}`
    const names = assignGatewayNames(['mcp:acme:tickets.get', impostor, 'mcp:acme:list'])
    assert.equal(names.size, 3)
    assert.equal(new Set(names.values()).size, 3)
    for (const name of names.values()) assert.match(name, GATEWAY_NAME)
    assert.equal(names.get('mcp:acme:list'), 'acme__list')
    assert.deepEqual(assignGatewayNames([impostor, 'mcp:acme:list', 'mcp:acme:tickets.get']), names)
  })

  it('names a whole store as assignGatewayNames names its qualified names (clashes, unsafe, long and colon names)', () => {
    const hashed = gatewayToolName('mcp:acme:tickets.get')
    const tools = ['get_ticket', 'tickets.get', hashed.slice('acme__'.length), 'a:b', 'x'.repeat(80), 'ünïcode']
    const config = {
      integrations: {
        acme: {name: 'acme', tools: Object.fromEntries(tools.map((t) => [t, {}]))},
        docs: {app: {id: 'it-glue'}, name: 'docs', tools: {search_orgs: {}}},
      },
    } as unknown as Config
    const names = gatewayNamesOf(config)
    const expected = assignGatewayNames([...tools.map((t) => `mcp:acme:${t}`), 'it-glue:docs:search_orgs'])
    assert.deepEqual([...names].sort(), [...expected].sort())
    assert.equal(new Set(names.values()).size, names.size)
  })
})
