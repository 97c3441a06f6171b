// Policy as code: `policy export` writes the people's choices as a reviewable file; `policy apply` makes the store
// match one. yaml is imported lazily: only these two commands need it.
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {McpctlError, usageError} from '../errors.js'
import type {Context} from '../integrations.js'
import {qualifiedToolName} from '../names.js'
import type {Config} from '../store/schema.js'
import {type LineProblem, lineProblemsError, quoteInput} from './bulk.js'
import {compilePatterns, isGlobPattern} from './pattern.js'
import {isPermission, type Permission, PERMISSIONS, type PolicySource} from './permission.js'
import {applyPolicyChanges, planAssignments, type PolicyAssignment, type PolicyChange, planAndApply} from './plan.js'
import {applyResets, compareNames, type ResetChange, resetChangeFor} from './reset.js'

export const POLICY_FILE_VERSION = 1
export const POLICY_FORMATS = ['yaml', 'json'] as const
export type PolicyFormat = (typeof POLICY_FORMATS)[number]

/** A policy file's content: per server, tool names or globs (within that server) → level. */
export interface PolicyDocument {
  servers: Record<string, Record<string, Permission>>
  version: typeof POLICY_FILE_VERSION
}

// ---------------------------------------------------------------------------------------------------------------
// Export

/**
 * Every listed server with the levels people chose (source `user`), keys sorted. Servers without choices are kept
 * as `{}`: the file then speaks for them, so `apply --prune` of a reviewed file resets choices made since.
 */
export function buildPolicyDocument(config: Config, filter: {server?: string} = {}): PolicyDocument {
  const servers: PolicyDocument['servers'] = {}
  const names = filter.server ? [filter.server] : Object.keys(config.integrations).sort(compareNames)
  for (const name of names) {
    const integration = config.integrations[name]
    if (!integration) continue
    const choices: Record<string, Permission> = {}
    for (const tool of Object.keys(integration.tools).sort(compareNames)) {
      const {policy} = integration.tools[tool]
      if (policy.source === 'user') choices[tool] = policy.permission
    }

    servers[name] = choices
  }

  return {servers, version: POLICY_FILE_VERSION}
}

const headerLines = (applyWith: string) => [
  `mcpctl policy — apply with: mcpctl policy apply -f ${applyWith}`,
  'Written by `mcpctl policy export`: per server, the permissions people chose (source user). Tools not listed',
  "keep the default mcpctl seeds for them. Keys are tool names, or globs (* and ?) within the server's tools;",
  'an exact name wins over a glob, and among globs the later one wins.',
]

/** The file text. Deterministic (no timestamp): exporting an unchanged store twice gives identical files to diff. */
export async function renderPolicyDocument(document: PolicyDocument, format: PolicyFormat, applyWith = `policy.${format}`): Promise<string> {
  if (format === 'json') {
    return `${JSON.stringify({$comment: headerLines(applyWith).join(' '), version: document.version, servers: document.servers}, null, 2)}\n`
  }

  const {stringify} = await import('yaml')
  const header = headerLines(applyWith)
    .map((line) => `# ${line}`)
    .join('\n')
  // version first, then servers: the order a reader expects, independent of object key order above.
  return `${header}\n${stringify({version: document.version, servers: document.servers}, {lineWidth: 0})}`
}

export interface ExportResult {
  /** The file written, when `-o` was given. */
  file?: string
  format: PolicyFormat
  policy: PolicyDocument
  servers: number
  /** The file's text (what `-o` writes, or what goes to stdout). */
  text: string
  tools: number
}

export async function exportPolicies(ctx: Pick<Context, 'store'>, request: {format: PolicyFormat; output?: string; server?: string}): Promise<ExportResult> {
  const config = await ctx.store.read()
  if (request.server) {
    const {requireIntegration} = await import('../integrations.js')
    requireIntegration(config, request.server)
  }

  const policy = buildPolicyDocument(config, {server: request.server})
  const text = await renderPolicyDocument(policy, request.format, request.output ?? `policy.${request.format}`)
  if (request.output) {
    try {
      await writeFile(request.output, text)
    } catch (error) {
      throw usageError(`Cannot write ${request.output} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, 'Check that the directory exists and is writable.')
    }
  }

  const servers = Object.values(policy.servers)
  return {
    file: request.output,
    format: request.format,
    policy,
    servers: servers.length,
    text,
    tools: servers.reduce((sum, choices) => sum + Object.keys(choices).length, 0),
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parse

/** One `key: level` entry of a server in a policy file, with the line it is on. */
export interface PolicyFileEntry {
  key: string
  level: Permission
  line: number
}

export interface PolicyFileServer {
  entries: PolicyFileEntry[]
  line: number
  name: string
}

export interface ParsedPolicyFile {
  problems: LineProblem[]
  servers: PolicyFileServer[]
}

const TOP_LEVEL_KEYS = ['version', 'servers', '$comment']

const shown = (value: unknown) => quoteInput(typeof value === 'string' ? value : String(value))

/**
 * Parse and check a policy file's shape, reporting every problem with its line. JSON is parsed strictly first
 * (a JSON file must be JSON), then read with yaml's parser, a superset of JSON, for the line of each key.
 */
export async function parsePolicyFile(text: string, format: PolicyFormat): Promise<ParsedPolicyFile> {
  const problems: LineProblem[] = []
  const servers: PolicyFileServer[] = []
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length

  if (format === 'json') {
    try {
      JSON.parse(text)
    } catch (error) {
      const message = (error as Error).message
      const position = /at position (\d+)/.exec(message)
      problems.push({line: position ? lineAt(Number(position[1])) : lineAt(text.length), message: `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`})
      return {problems, servers}
    }
  }

  const YAML = await import('yaml')
  const lineCounter = new YAML.LineCounter()
  const document = YAML.parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  const line = (node: unknown) => {
    const range = (node as {range?: [number, number, number]} | null)?.range
    return range ? lineCounter.linePos(range[0]).line : 1
  }

  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const at = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line
      problems.push({line: at, message: `not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`})
    }

    return {problems, servers}
  }

  const root = document.contents
  if (!YAML.isMap(root)) {
    problems.push({line: root ? line(root) : 1, message: 'expected a mapping with `version` and `servers`'})
    return {problems, servers}
  }

  let sawVersion = false
  let sawServers = false
  for (const pair of root.items) {
    const key = YAML.isScalar(pair.key) ? pair.key.value : undefined
    const keyLine = line(pair.key)
    if (typeof key !== 'string' || !TOP_LEVEL_KEYS.includes(key)) {
      problems.push({line: keyLine, message: `unknown key ${shown(key)} (expected version, servers)`})
      continue
    }

    if (key === 'version') {
      sawVersion = true
      const value = YAML.isScalar(pair.value) ? pair.value.value : undefined
      if (value !== POLICY_FILE_VERSION) {
        problems.push({line: line(pair.value ?? pair.key), message: `version must be ${POLICY_FILE_VERSION}, got ${shown(value)}`})
      }
    } else if (key === '$comment') {
      if (!(YAML.isScalar(pair.value) && typeof pair.value.value === 'string')) problems.push({line: keyLine, message: '$comment must be a string'})
    } else {
      sawServers = true
      if (pair.value === null || (YAML.isScalar(pair.value) && pair.value.value === null)) continue
      if (!YAML.isMap(pair.value)) {
        problems.push({line: line(pair.value), message: 'servers must be a mapping of server name → {tool or glob: level}'})
        continue
      }

      for (const serverPair of pair.value.items) {
        const name = YAML.isScalar(serverPair.key) ? serverPair.key.value : undefined
        const serverLine = line(serverPair.key)
        if (typeof name !== 'string') {
          problems.push({line: serverLine, message: `server name ${shown(name)} must be a string`})
          continue
        }

        const server: PolicyFileServer = {entries: [], line: serverLine, name}
        servers.push(server)
        const value = serverPair.value
        if (value === null || (YAML.isScalar(value) && value.value === null)) continue
        if (!YAML.isMap(value)) {
          problems.push({line: line(value), message: `server "${name}" must map tool names or globs to levels`})
          continue
        }

        for (const entry of value.items) {
          const entryLine = line(entry.key)
          const toolKey = YAML.isScalar(entry.key) ? entry.key.value : undefined
          const level = YAML.isScalar(entry.value) ? entry.value.value : undefined
          let bad = false
          if (typeof toolKey !== 'string' || toolKey === '') {
            problems.push({line: entryLine, message: `tool key ${shown(toolKey)} must be a tool name or glob (quote names that look like numbers)`})
            bad = true
          } else if (toolKey.includes(':')) {
            problems.push({line: entryLine, message: `tool key ${shown(toolKey)} must be a tool name or glob within "${name}", without the "mcp:<server>:" or "<app-id>:<connection>:" in front`})
            bad = true
          } else {
            try {
              compilePatterns([qualifiedToolName({name}, toolKey)])
            } catch (error) {
              if (!(error instanceof McpctlError)) throw error
              problems.push({line: entryLine, message: error.message})
              bad = true
            }
          }

          if (typeof level !== 'string' || !isPermission(level)) {
            problems.push({line: line(entry.value ?? entry.key), message: `${shown(level)} is not a permission level (use one of: ${PERMISSIONS.join(', ')})`})
            bad = true
          }

          if (!bad) server.entries.push({key: toolKey as string, level: level as Permission, line: entryLine})
        }
      }
    }
  }

  if (!sawVersion) problems.push({line: 1, message: `missing \`version: ${POLICY_FILE_VERSION}\``})
  if (!sawServers) problems.push({line: 1, message: 'missing `servers`'})
  return {problems, servers}
}

// ---------------------------------------------------------------------------------------------------------------
// Plan and apply

/** One tool's change: to a level as a user's choice (`toSource: user`), or back to its seeded default (pruned). */
export interface ApplyChange extends PolicyChange {
  toSource: PolicySource
}

export interface ApplyPlan {
  changes: ApplyChange[]
  /** Entries (tool keys) in the file. */
  entries: number
  /** Servers in the file. */
  servers: number
  /** Tools the file mentions that already had that level as a user's choice. */
  unchanged: number
}

/**
 * Compare a parsed file with a config. Keys are matched within their server; an exact name wins over a glob, and
 * among globs the later in the file wins. Unknown servers and keys matching no tool are problems (with their line),
 * like a `policy set` pattern that matches nothing. `prune`: user choices in the file's servers that no key matches
 * go back to their seeded default. Servers absent from the file are never touched.
 */
export function planPolicyApply(config: Config, parsed: ParsedPolicyFile, options: {prune?: boolean} = {}): {plan: ApplyPlan; problems: LineProblem[]} {
  const problems = [...parsed.problems]
  const set: PolicyChange[] = []
  const pruned: ResetChange[] = []
  let unchanged = 0
  let entries = 0
  for (const server of parsed.servers) {
    entries += server.entries.length
    const integration = config.integrations[server.name]
    if (!integration) {
      const known = Object.keys(config.integrations).sort(compareNames)
      problems.push({line: server.line, message: `no integration named "${server.name}"${known.length > 0 && known.length <= 10 ? ` (known: ${known.join(', ')})` : ''}`})
      continue
    }

    // Globs first, exact names after: with "last wins", an exact name then beats any glob wherever it is written.
    const ordered = [...server.entries.filter((e) => isGlobPattern(e.key)), ...server.entries.filter((e) => !isGlobPattern(e.key))]
    const assignments: PolicyAssignment[] = ordered.map((e) => ({level: e.level, pattern: qualifiedToolName(integration, e.key)}))
    const plan = planAssignments(config, assignments, {server: server.name})
    for (const [index, entry] of ordered.entries()) {
      if (plan.hits[index] === 0) problems.push({line: entry.line, message: `"${entry.key}" matched no tool of "${server.name}"`})
    }

    set.push(...plan.changes)
    unchanged += plan.unchanged
    if (options.prune) {
      const mentioned = compilePatterns(assignments.map((a) => a.pattern))
      for (const tool of Object.values(integration.tools)) {
        if (tool.policy.source !== 'user' || mentioned.matchesAny(qualifiedToolName(integration, tool.name))) continue
        const change = resetChangeFor(integration, tool)
        if (change) pruned.push(change)
      }
    }
  }

  const changes: ApplyChange[] = [
    ...set.map((c) => ({...c, toSource: 'user' as const})),
    ...pruned.map(({class: _class, reason: _reason, ...c}) => ({...c, toSource: 'default' as const})),
  ].sort((a, b) => compareNames(a.name, b.name))
  return {plan: {changes, entries, servers: parsed.servers.length, unchanged}, problems}
}

export interface ApplyResult extends ApplyPlan {
  dryRun: boolean
  file: string
  prune: boolean
}

/** `.json` files are JSON; anything else is YAML (which also reads JSON), or JSON when it looks like it. */
export function policyFormatFor(file: string, text: string): PolicyFormat {
  if (path.extname(file).toLowerCase() === '.json') return 'json'
  if (path.extname(file) === '' && text.trimStart().startsWith('{')) return 'json'
  return 'yaml'
}

export async function readPolicyFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw usageError(`Cannot read the policy file ${file} (${code === 'ENOENT' ? 'no such file' : code ?? (error as Error).message}).`, 'Write one with `mcpctl policy export -o policy.yaml`.')
  }
}

/**
 * Make the store match a policy file: parse, plan against the config under the store lock, apply in one update.
 * `text` is the file's content when it did not come from `file` (stdin). Every problem is reported, with its line,
 * before anything is written.
 */
export async function applyPolicyFile(
  ctx: Pick<Context, 'store'>,
  request: {dryRun?: boolean; file: string; prune?: boolean; text?: string},
): Promise<ApplyResult> {
  const text = request.text ?? (await readPolicyFile(request.file))
  const parsed = await parsePolicyFile(text, policyFormatFor(request.file, text))
  const display = request.file === '-' ? 'standard input' : request.file
  const reason = `set by policy file ${request.file === '-' ? '(stdin)' : path.basename(request.file)}`
  return planAndApply(
    ctx.store,
    request.dryRun,
    (config) => {
      const {plan, problems} = planPolicyApply(config, parsed, {prune: request.prune})
      const error = lineProblemsError(problems, display, 'See the format with `mcpctl policy export` and the tool names with `mcpctl tools list`.')
      if (error) throw error
      return {...plan, file: request.file, prune: Boolean(request.prune)}
    },
    (config, plan, now) => {
      applyPolicyChanges(
        config,
        plan.changes.filter((c) => c.toSource === 'user'),
        now,
        reason,
      )
      const resets = plan.changes.filter((c) => c.toSource === 'default').map((c) => resetChangeFor(config.integrations[c.server], config.integrations[c.server].tools[c.tool]))
      applyResets(
        config,
        resets.filter((c): c is ResetChange => c !== undefined),
        now,
      )
    },
  )
}
