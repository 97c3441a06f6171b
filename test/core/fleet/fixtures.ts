// Store fixtures for the fleet tests: real ConfigStores in temp dirs, with tools seeded the way discovery seeds them.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {ConfigStore, type ToolDefinition} from '../../../src/core/store/config-store.js'
import type {Config, Integration} from '../../../src/core/store/schema.js'
import {newToolRecord} from '../../../src/core/tool-record.js'

export const AT = '2026-01-01T00:00:00.000Z'

export function definition(name: string, extra: Partial<ToolDefinition> = {}): ToolDefinition {
  return {description: '', inputSchema: {properties: {id: {type: 'string'}}, required: ['id'], type: 'object'}, name, ...extra}
}

/** An integration whose tools are seeded from `definitions`, as `integrations add` stores them. */
export function integration(name: string, definitions: ToolDefinition[]): Integration {
  const tools: Integration['tools'] = {}
  for (const d of definitions) tools[d.name] = newToolRecord(d, AT)
  const result: Integration = {auth: {type: 'none'}, createdAt: AT, name, tools, transport: 'streamable-http', updatedAt: AT, url: `https://${name}.example/mcp`, warnings: []}
  storedDefinitions.set(result, Object.fromEntries(definitions.map((d) => [d.name, d])))
  return result
}

const storedDefinitions = new WeakMap<Integration, Record<string, ToolDefinition>>()

export const helpdesk = (name = 'acme') =>
  integration(name, ['list_tickets', 'get_ticket', 'delete_ticket', 'create_ticket', 'list_users', 'frobnicate'].map((n) => definition(n)))

export interface StoreFixture {
  dir: string
  store: ConfigStore
  cleanup(): void
  /** The config file's bytes: to prove that nothing was written. */
  raw(): string
}

/** A temp store holding these integrations (and their definitions). */
export async function storeWith(...integrations: Integration[]): Promise<StoreFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpctl-fleet-'))
  const store = new ConfigStore(dir)
  await store.update((config: Config, tx) => {
    for (const i of integrations) {
      config.integrations[i.name] = i
      tx.setDefinitions(i.name, storedDefinitions.get(i) ?? {})
    }
  })
  return {
    cleanup: () => rmSync(dir, {force: true, recursive: true}),
    dir,
    raw: () => readFileSync(store.file, 'utf8'),
    store,
  }
}
