// Fleet-sized stores for `npm run bench`, written straight to disk in the real schema's shape (seeded with the built
// `newToolRecord`, so every record is exactly what discovery would store).
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

// Verbs in roughly the mix an MSP fleet shows: reads dominate, a tenth are deletes (the `policy set` bench target).
const VERBS = ['list', 'get', 'search', 'find', 'describe', 'create', 'update', 'delete', 'run', 'sync']
const NOUNS = ['ticket', 'company', 'contact', 'device', 'alert', 'invoice', 'user', 'mailbox', 'site', 'script']

/** `count` tool definitions: names like `delete_device_7`, a one-line description, a small input schema. */
export function benchTools(count) {
  return Array.from({length: count}, (_, i) => {
    const verb = VERBS[i % VERBS.length]
    const noun = NOUNS[Math.floor(i / VERBS.length) % NOUNS.length]
    const name = `${verb}_${noun}_${i}`
    return {
      description: `${verb[0].toUpperCase()}${verb.slice(1)}s a ${noun} in the PSA, with paging and a company filter (${i}).`,
      inputSchema: {properties: {company: {type: 'string'}, id: {type: 'string'}, page: {type: 'integer'}}, required: ['id'], type: 'object'},
      name,
      ...(verb === 'delete' ? {annotations: {destructiveHint: true}} : {}),
    }
  })
}

/**
 * Write config.json (+ definitions/) into `dir` for `servers` integrations of `toolsPerServer` tools each.
 * `urlFor(i)` gives each integration's URL (loopback http for sync benches, never contacted otherwise).
 */
export async function writeBenchStore(root, dir, {servers, toolsPerServer, urlFor = (i) => `https://psa-${i}.example.test/mcp`}) {
  const {newToolRecord} = await import(join(root, 'dist', 'core', 'tool-record.js'))
  const {ConfigStore, definitionsFileName} = await import(join(root, 'dist', 'core', 'store', 'config-store.js'))
  const now = new Date().toISOString()
  const definitions = benchTools(toolsPerServer)
  const integrations = {}
  mkdirSync(join(dir, 'definitions'), {mode: 0o700, recursive: true})
  for (let i = 0; i < servers; i++) {
    const name = `psa-${String(i).padStart(3, '0')}`
    const tools = {}
    for (const definition of definitions) tools[definition.name] = newToolRecord(definition, now)
    integrations[name] = {auth: {type: 'none'}, createdAt: now, name, syncedAt: now, tools, transport: 'streamable-http', updatedAt: now, url: urlFor(i), warnings: []}
    writeFileSync(join(dir, 'definitions', definitionsFileName(name)), `${JSON.stringify(Object.fromEntries(definitions.map((d) => [d.name, d])))}\n`, {mode: 0o600})
  }

  // Through the store, as mcpctl itself writes it (validated, with its validated digest): the state a real store is in.
  await new ConfigStore(dir).update((config) => {
    Object.assign(config.integrations, integrations)
  })
  return Object.keys(integrations)
}

/** A `policy apply` file with `entries` exact names spread over the first servers (100 per server), in YAML. */
export function benchPolicyFile(serverNames, toolsPerServer, entries) {
  const names = benchTools(toolsPerServer).map((d) => d.name)
  const levels = ['disabled', 'approval_needed', 'auto']
  const lines = ['# mcpctl policy — bench', 'version: 1', 'servers:']
  let written = 0
  for (const server of serverNames) {
    if (written >= entries) break
    lines.push(`  ${server}:`)
    for (const [j, name] of names.entries()) {
      if (written >= entries) break
      lines.push(`    ${name}: ${levels[(j + written) % levels.length]}`)
      written++
    }
  }

  return `${lines.join('\n')}\n`
}
