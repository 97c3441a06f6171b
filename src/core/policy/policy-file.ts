// Policy as code: `policy export` writes the people's choices as a reviewable file; `policy apply` makes the store
// match one. yaml is imported lazily: only these two commands need it.
import {readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {McpctlError, usageError} from '../errors.js'
import type {Context} from '../integrations.js'
import {compareNames, lookup} from '../names.js'
import type {Config, Rule} from '../store/schema.js'
import {LineProblems, MAX_POLICY_INPUT_BYTES, quoteInput} from './bulk.js'
import {type ChoiceInput, type PolicyEdit, type PolicyEditPlan, planAndApply, planEdit, refusalError, type RuleInput} from './edit.js'
import {isGlobPattern, validatePattern} from './pattern.js'
import {isPermission, type Permission, PERMISSIONS} from './permission.js'
import {ruleProblem} from './rules.js'

export const POLICY_FILE_VERSION = 1
export const POLICY_FORMATS = ['yaml', 'json'] as const
export type PolicyFormat = (typeof POLICY_FORMATS)[number]

/** A rule in a file: a level, or `{level, at_most}` (either or both). */
export type PolicyFileValue = Permission | {at_most?: Permission; level?: Permission}

/**
 * A policy file's content. `rules`: qualified-name globs (or names) in order, each with a level and/or a ceiling;
 * absent, the file does not speak for rules. `servers`: per connection, the levels people chose for single tools.
 */
export interface PolicyDocument {
  rules?: Record<string, PolicyFileValue>
  servers: Record<string, Record<string, PolicyFileValue>>
  version: typeof POLICY_FILE_VERSION
}

// ---------------------------------------------------------------------------------------------------------------
// Export

const fileValue = (rule: Pick<Rule, 'atMost' | 'permission'>): PolicyFileValue =>
  rule.atMost === undefined ? rule.permission! : {...(rule.permission ? {level: rule.permission} : {}), at_most: rule.atMost}

/**
 * The rules (in their order) and every listed server with the levels people chose for its tools, keys sorted.
 * Servers without choices are kept as `{}`: the file then speaks for them, so `apply --prune` of a reviewed file
 * resets choices made since. With a server filter, rules are left out: such a file does not speak for them.
 */
export function buildPolicyDocument(config: Config, filter: {server?: string} = {}): PolicyDocument {
  // Built from entries: fromEntries defines keys, so a tool named `__proto__` is exported like any other.
  const servers: [string, Record<string, Permission>][] = []
  const names = filter.server ? [filter.server] : Object.keys(config.integrations).sort(compareNames)
  for (const name of names) {
    const integration = lookup(config.integrations, name)
    if (!integration) continue
    const choices: [string, Permission][] = []
    for (const tool of Object.keys(integration.tools).sort(compareNames)) {
      const {choice} = integration.tools[tool]
      if (choice) choices.push([tool, choice.permission])
    }

    servers.push([name, Object.fromEntries(choices)])
  }

  if (filter.server) return {servers: Object.fromEntries(servers), version: POLICY_FILE_VERSION}
  const rules = Object.fromEntries(config.rules.map((rule) => [rule.pattern, fileValue(rule)]))
  return {rules, servers: Object.fromEntries(servers), version: POLICY_FILE_VERSION}
}

const headerLines = (applyWith: string) => [
  `mcpctl policy — apply with: mcpctl policy apply -f ${applyWith}`,
  'Written by `mcpctl policy export`. rules: in order, <kind>:<connection>:<tool> globs (mcp:acme:delete_*, *:*:run_*)',
  'giving matching tools a level, today and when they appear later, and/or a ceiling (at_most) that no choice may',
  'exceed. servers: per connection, the levels people chose for single tools (globs here become rules too). A tool',
  'gets its choice, else the most specific matching rule (fewest wildcards, then the longest literal text, then the',
  'later rule), else the level mcpctl seeds for it; then every matching ceiling caps it.',
]

/** The file text. Deterministic (no timestamp): exporting an unchanged store twice gives identical files to diff. */
export async function renderPolicyDocument(document: PolicyDocument, format: PolicyFormat, applyWith = `policy.${format}`): Promise<string> {
  // version first, then rules, then servers: the order a reader expects, independent of object key order above.
  const body = {version: document.version, ...(document.rules ? {rules: document.rules} : {}), servers: document.servers}
  if (format === 'json') return `${JSON.stringify({$comment: headerLines(applyWith).join(' '), ...body}, null, 2)}\n`

  const {stringify} = await import('yaml')
  const header = headerLines(applyWith)
    .map((line) => `# ${line}`)
    .join('\n')
  return `${header}\n${stringify(body, {lineWidth: 0})}`
}

export interface ExportResult {
  /** The file written, when `-o` was given. */
  file?: string
  format: PolicyFormat
  policy: PolicyDocument
  /** Rules written. */
  rules: number
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
    rules: Object.keys(policy.rules ?? {}).length,
    servers: servers.length,
    text,
    tools: servers.reduce((sum, choices) => sum + Object.keys(choices).length, 0),
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parse

/** A level and/or a ceiling, from `level` or `{level, at_most}`. */
export interface PolicyFileLevels {
  atMost?: Permission
  level?: Permission
}

/** One `key: value` entry of a server in a policy file, with the line it is on. */
export interface PolicyFileEntry extends PolicyFileLevels {
  key: string
  line: number
}

export interface PolicyFileServer {
  entries: PolicyFileEntry[]
  line: number
  name: string
}

/** One entry of `rules`: a qualified-name pattern. */
export interface PolicyFileRule extends PolicyFileLevels {
  line: number
  pattern: string
}

export interface ParsedPolicyFile {
  problems: LineProblems
  /** Undefined when the file has no `rules` key: it then does not speak for rules (`--prune` leaves them). */
  rules?: PolicyFileRule[]
  servers: PolicyFileServer[]
}

const TOP_LEVEL_KEYS = ['version', 'rules', 'servers', '$comment']

const shown = (value: unknown) => quoteInput(typeof value === 'string' ? value : String(value))

// A server key is a connection name or a glob over them: one segment of a qualified name.
const SERVER_KEY = /^[^:\s]+$/u

/**
 * Parse and check a policy file's shape, reporting every problem with its line. JSON is parsed strictly first
 * (a JSON file must be JSON), then read with yaml's parser, a superset of JSON, for the line of each key.
 */
export async function parsePolicyFile(text: string, format: PolicyFormat): Promise<ParsedPolicyFile> {
  const problems = new LineProblems()
  const servers: PolicyFileServer[] = []
  let rules: PolicyFileRule[] | undefined
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length

  if (format === 'json') {
    try {
      JSON.parse(text)
    } catch (error) {
      const message = (error as Error).message
      const position = /at position (\d+)/.exec(message)
      problems.add(position ? lineAt(Number(position[1])) : lineAt(text.length), `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`)
      return {problems, servers}
    }
  }

  const YAML = await import('yaml')
  const lineCounter = new YAML.LineCounter()
  // yaml's own uniqueKeys check compares each key with every earlier one (40,000 keys: 35 s); duplicates are found
  // below instead, with a set per mapping.
  const document = YAML.parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: false})
  const line = (node: unknown) => {
    const range = (node as {range?: [number, number, number]} | null)?.range
    return range ? lineCounter.linePos(range[0]).line : 1
  }

  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const at = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line
      problems.add(at, `not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`)
    }

    return {problems, servers}
  }

  const isNull = (node: unknown) => node === null || (YAML.isScalar(node) && node.value === null)

  /** One per mapping: false (with the problem recorded) for a key seen before in it. */
  const uniqueKeys = () => {
    const seen = new Map<unknown, number>()
    return (key: unknown, keyLine: number): boolean => {
      if (key === undefined) return true
      const first = seen.get(key)
      if (first === undefined) {
        seen.set(key, keyLine)
        return true
      }

      problems.add(keyLine, `duplicate key ${shown(key)} (map keys must be unique; first on line ${first})`)
      return false
    }
  }

  /** A level, or `{level, at_most}`; undefined (with the problem recorded) when neither reads. */
  const levels = (node: unknown, keyNode: unknown, what: string): PolicyFileLevels | undefined => {
    if (YAML.isScalar(node) && typeof node.value === 'string' && isPermission(node.value)) return {level: node.value}
    if (!YAML.isMap(node)) {
      const value = YAML.isScalar(node) ? node.value : undefined
      problems.add(line(node ?? keyNode), `${shown(value)} is not a permission level (use one of: ${PERMISSIONS.join(', ')}, or {level, at_most})`)
      return undefined
    }

    const result: PolicyFileLevels = {}
    let bad = false
    const levelKey = uniqueKeys()
    for (const pair of node.items) {
      const key = YAML.isScalar(pair.key) ? pair.key.value : undefined
      const value = YAML.isScalar(pair.value) ? pair.value.value : undefined
      if (!levelKey(key, line(pair.key))) {
        bad = true
      } else if (key !== 'level' && key !== 'at_most') {
        problems.add(line(pair.key), `unknown key ${shown(key)} in ${what} (expected level, at_most)`)
        bad = true
      } else if (typeof value !== 'string' || !isPermission(value)) {
        problems.add(line(pair.value ?? pair.key), `${shown(value)} is not a permission level (use one of: ${PERMISSIONS.join(', ')})`)
        bad = true
      } else if (key === 'level') result.level = value
      else result.atMost = value
    }

    if (bad) return undefined
    const problem = result.level || result.atMost ? ruleProblem({atMost: result.atMost, permission: result.level}) : 'needs a level, an at_most or both'
    if (problem) {
      problems.add(line(node), `${what} ${problem}`)
      return undefined
    }

    return result
  }

  const root = document.contents
  if (!YAML.isMap(root)) {
    problems.add(root ? line(root) : 1, 'expected a mapping with `version` and `servers`')
    return {problems, servers}
  }

  let sawVersion = false
  let sawServers = false
  const topLevelKey = uniqueKeys()
  for (const pair of root.items) {
    const key = YAML.isScalar(pair.key) ? pair.key.value : undefined
    const keyLine = line(pair.key)
    if (!topLevelKey(key, keyLine)) continue
    if (typeof key !== 'string' || !TOP_LEVEL_KEYS.includes(key)) {
      problems.add(keyLine, `unknown key ${shown(key)} (expected version, rules, servers)`)
      continue
    }

    if (key === 'version') {
      sawVersion = true
      const value = YAML.isScalar(pair.value) ? pair.value.value : undefined
      if (value !== POLICY_FILE_VERSION) {
        problems.add(line(pair.value ?? pair.key), `version must be ${POLICY_FILE_VERSION}, got ${shown(value)}`)
      }
    } else if (key === '$comment') {
      if (!(YAML.isScalar(pair.value) && typeof pair.value.value === 'string')) problems.add(keyLine, '$comment must be a string')
    } else if (key === 'rules') {
      rules = []
      if (isNull(pair.value)) continue
      if (!YAML.isMap(pair.value)) {
        problems.add(line(pair.value), 'rules must be a mapping of <kind>:<connection>:<tool> pattern → level or {level, at_most}')
        continue
      }

      const ruleKey = uniqueKeys()
      for (const entry of pair.value.items) {
        const pattern = YAML.isScalar(entry.key) ? entry.key.value : undefined
        const entryLine = line(entry.key)
        if (!ruleKey(pattern, entryLine)) continue
        let bad = false
        if (typeof pattern !== 'string') {
          problems.add(entryLine, `rule ${shown(pattern)} must be a <kind>:<connection>:<tool> pattern`)
          bad = true
        } else {
          try {
            validatePattern(pattern)
          } catch (error) {
            if (!(error instanceof McpctlError)) throw error
            problems.add(entryLine, error.message)
            bad = true
          }
        }

        const value = levels(entry.value, entry.key, `rule ${shown(pattern)}`)
        if (!bad && value) rules.push({...value, line: entryLine, pattern: pattern as string})
      }
    } else {
      sawServers = true
      if (isNull(pair.value)) continue
      if (!YAML.isMap(pair.value)) {
        problems.add(line(pair.value), 'servers must be a mapping of server name (or glob) → {tool name or glob: level}')
        continue
      }

      const serverKey = uniqueKeys()
      for (const serverPair of pair.value.items) {
        const name = YAML.isScalar(serverPair.key) ? serverPair.key.value : undefined
        const serverLine = line(serverPair.key)
        if (!serverKey(name, serverLine)) continue
        if (typeof name !== 'string' || !SERVER_KEY.test(name)) {
          problems.add(serverLine, `server ${shown(name)} must be a connection name or a glob over them (no ":" or spaces)`)
          continue
        }

        const server: PolicyFileServer = {entries: [], line: serverLine, name}
        servers.push(server)
        const value = serverPair.value
        if (isNull(value)) continue
        if (!YAML.isMap(value)) {
          problems.add(line(value), `server ${quoteInput(name)} must map tool names or globs to levels`)
          continue
        }

        const toolKeyOnce = uniqueKeys()
        for (const entry of value.items) {
          const entryLine = line(entry.key)
          const toolKey = YAML.isScalar(entry.key) ? entry.key.value : undefined
          if (!toolKeyOnce(toolKey, entryLine)) continue
          let bad = false
          if (typeof toolKey !== 'string' || toolKey === '') {
            problems.add(entryLine, `tool key ${shown(toolKey)} must be a tool name or glob (quote names that look like numbers)`)
            bad = true
          } else if (toolKey.includes(':')) {
            problems.add(entryLine, `tool key ${shown(toolKey)} must be a tool name or glob within ${quoteInput(name)}, without "mcp:<server>:"; full patterns go under rules`)
            bad = true
          } else {
            try {
              validatePattern(`*:${name}:${toolKey}`)
            } catch (error) {
              if (!(error instanceof McpctlError)) throw error
              problems.add(entryLine, error.message)
              bad = true
            }
          }

          const parsed = levels(entry.value, entry.key, `${shown(toolKey)}`)
          if (!bad && parsed) server.entries.push({...parsed, key: toolKey as string, line: entryLine})
        }
      }
    }
  }

  if (!sawVersion) problems.add(1, `missing \`version: ${POLICY_FILE_VERSION}\``)
  if (!sawServers) problems.add(1, 'missing `servers`')
  return {problems, rules, servers}
}

// ---------------------------------------------------------------------------------------------------------------
// Plan and apply

export interface ApplyPlan extends PolicyEditPlan {
  /** Entries in the file: rules and server keys. */
  entries: number
  /** Servers in the file. */
  servers: number
}

/**
 * What a parsed file asks of a config, as one edit. Under `servers`, an exact server and tool name with a level is a
 * person's choice for that tool (an unknown server or tool is a problem, with its line); any glob, or an `at_most`,
 * makes a rule `*:<server>:<tool>`. `rules` entries are rules as written. Overlaps resolve as everywhere: a choice
 * beats any rule, then the most specific rule wins. `prune`: the rules become exactly the file's (when it has a
 * `rules` key), and choices in the file's servers that it does not list go.
 */
export function editForPolicyFile(config: Config, parsed: ParsedPolicyFile, options: {prune?: boolean; reason: string}): {edit: PolicyEdit; problems: LineProblems} {
  const problems = parsed.problems.copy()
  const rules: RuleInput[] = (parsed.rules ?? []).map(({atMost, level, line, pattern}) => ({atMost, line, pattern, permission: level}))
  const choices: ChoiceInput[] = []
  const clearChoices: {server: string; tool: string}[] = []
  let knownNames: string | undefined
  const known = () => {
    if (knownNames === undefined) {
      const names = Object.keys(config.integrations).sort(compareNames)
      knownNames = names.length > 0 && names.length <= 10 ? ` (known: ${names.join(', ')})` : ''
    }

    return knownNames
  }

  for (const server of parsed.servers) {
    const literal = !isGlobPattern(server.name)
    const integration = literal && Object.hasOwn(config.integrations, server.name) ? config.integrations[server.name] : undefined
    const chosen = new Set<string>()
    for (const entry of server.entries) {
      if (!literal || isGlobPattern(entry.key) || entry.atMost !== undefined) {
        rules.push({atMost: entry.atMost, line: entry.line, pattern: `*:${server.name}:${entry.key}`, permission: entry.level})
        continue
      }

      if (!integration) {
        problems.add(server.line, `no integration named ${quoteInput(server.name)}${known()}`)
        continue
      }

      if (!Object.hasOwn(integration.tools, entry.key)) {
        problems.add(entry.line, `${quoteInput(entry.key)} is not a tool of ${quoteInput(server.name)} (a glob makes a rule that needs no tool yet)`)
        continue
      }

      chosen.add(entry.key)
      choices.push({line: entry.line, permission: entry.level!, reason: options.reason, server: server.name, tool: entry.key})
    }

    if (options.prune && integration) {
      for (const tool of Object.values(integration.tools)) if (tool.choice && !chosen.has(tool.name)) clearChoices.push({server: server.name, tool: tool.name})
    }
  }

  rules.sort((a, b) => a.line! - b.line!)
  return {edit: {choices, clearChoices, replaceRules: Boolean(options.prune && parsed.rules), rules}, problems}
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
  let text: Buffer
  try {
    const {size} = await stat(file)
    if (size > MAX_POLICY_INPUT_BYTES) {
      throw usageError(`The policy file ${file} is larger than ${MAX_POLICY_INPUT_BYTES / 1024 / 1024} MiB (${Number((size / 1024 / 1024).toFixed(1))} MiB); nothing was changed.`, 'Use globs to cover many tools with one key, or split the file by server.')
    }

    text = await readFile(file)
  } catch (error) {
    if (error instanceof McpctlError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw usageError(`Cannot read the policy file ${file} (${code === 'ENOENT' ? 'no such file' : code ?? (error as Error).message}).`, 'Write one with `mcpctl policy export -o policy.yaml`.')
  }

  return text.toString('utf8')
}

/**
 * Make the store match a policy file: parse, plan against the config under the store lock, apply in one update.
 * `text` is the file's content when it did not come from `file` (stdin). Every problem is reported, with its line,
 * before anything is written; so is every choice a ceiling refuses (exit 7).
 */
export async function applyPolicyFile(
  ctx: Pick<Context, 'store'>,
  request: {dryRun?: boolean; file: string; prune?: boolean; text?: string},
): Promise<ApplyResult> {
  const text = request.text ?? (await readPolicyFile(request.file))
  const parsed = await parsePolicyFile(text, policyFormatFor(request.file, text))
  const display = request.file === '-' ? 'standard input' : request.file
  const reason = `set by policy file ${request.file === '-' ? '(stdin)' : path.basename(request.file)}`
  const entries = (parsed.rules?.length ?? 0) + parsed.servers.reduce((sum, server) => sum + server.entries.length, 0)
  return planAndApply(ctx.store, request.dryRun, (config) => {
    const {edit, problems} = editForPolicyFile(config, parsed, {prune: request.prune, reason})
    const error = problems.error(display, 'See the format with `mcpctl policy export` and the tool names with `mcpctl tools list`.')
    if (error) throw error
    const {refused, ...plan} = planEdit(config, edit)
    if (refused.length > 0) throw refusalError(refused, display)
    return {...plan, entries, file: request.file, prune: Boolean(request.prune), servers: parsed.servers.length}
  })
}
