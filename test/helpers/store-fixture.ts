// Builds a valid config store on disk without live servers, for tests of policy and listing commands.
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Config, Integration, Rule} from '../../src/core/store/schema.js'
import {STORE_VERSION} from '../../src/core/store/store-format.js'
import {newToolRecord} from '../../src/core/tool-record.js'

export interface FixtureTool {
  annotations?: Record<string, unknown>
  description?: string
  inputSchema?: unknown
  name: string
}

/** An integration record as `integrations add` would have stored it (auth none), with seeded default policies. */
export function fixtureIntegration(name: string, tools: FixtureTool[], url = `https://${name}.example.test/mcp`): Integration {
  const now = new Date().toISOString()
  const records: Integration['tools'] = {}
  for (const tool of tools) {
    records[tool.name] = newToolRecord({description: '', inputSchema: {type: 'object'}, ...tool}, now)
  }

  return {auth: {type: 'none'}, createdAt: now, name, syncedAt: now, tools: records, transport: 'streamable-http', updatedAt: now, url, warnings: []}
}

/** Write `config.json` (0600, dir 0700) holding these integrations (and rules, as stored: their tools not yet resolved). */
export function writeStore(dir: string, integrations: Integration[], rules: Rule[] = []): Config {
  const config: Config = {integrations: Object.fromEntries(integrations.map((i) => [i.name, i])), rules, version: STORE_VERSION}
  mkdirSync(dir, {mode: 0o700, recursive: true})
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config), {mode: 0o600})
  return config
}

/** A helpdesk-like tool set covering read, write and unknown verbs. */
export const HELPDESK_TOOLS: FixtureTool[] = [
  {description: 'Lists tickets.', name: 'list_tickets'},
  {description: 'Gets a ticket.', name: 'get_ticket'},
  {description: 'Creates a ticket.', name: 'create_ticket'},
  {description: 'Deletes a ticket.', name: 'delete_ticket'},
  {description: 'Deletes a user.', name: 'delete_user'},
  {description: 'Runs a script.', name: 'run_script'},
]
