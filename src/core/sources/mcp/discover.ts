// Tool discovery: every page of tools/list, with caps so a hostile server cannot exhaust us.
// Pages are requested with a deliberately loose result schema instead of `client.listTools()`: the SDK's strict
// parse rejects a whole page for one malformed tool, and its listTools compiles every output schema at once. Here
// each tool is checked on its own — skipped or repaired with a warning — and nothing recurses over server data.
import {z} from 'zod'

import {McpctlError} from '../../errors.js'
import {exceedsDepth} from '../../json-depth.js'
import {TOOL_NAME} from '../../names.js'
import type {ToolDefinition} from '../../store/config-store.js'
import type {Session} from './session.js'
import {quote, redactDeep, redactor} from '../../net/untrusted.js'

export const DISCOVERY_LIMITS = {
  /** Characters of a pagination cursor: a cursor is sent back and kept to detect loops, so a huge one costs twice. */
  maxCursorLength: 4096,
  maxPages: 100,
  maxSchemaDepth: 32,
  maxTools: 5000,
}

export interface Discovery {
  tools: ToolDefinition[]
  /** Invalid or duplicate names skipped, caps reached, repeated cursors: one readable line each. */
  warnings: string[]
}

/** What replaces a schema nested deeper than `maxSchemaDepth`. */
export {exceedsDepth} from '../../json-depth.js'

export const TRUNCATED_SCHEMA = {type: 'object', 'x-mcpctl-truncated': true} as const

// Per kind of problem, this many warnings name the tool; the rest are counted in one line (100k bad names → 11 lines).
const WARNINGS_PER_KIND = 10

const ListPage = z.looseObject({
  nextCursor: z.unknown().optional(),
  tools: z.array(z.unknown()),
})

export async function discoverTools(session: Session, limits = DISCOVERY_LIMITS): Promise<Discovery> {
  const capabilities = session.client.getServerCapabilities()
  if (capabilities && !capabilities.tools) {
    return {tools: [], warnings: ['the server does not offer tools']}
  }

  const warnings = new WarningLog()
  // A server may echo the credential into what it lists: no stored or shown definition keeps it (see the end).
  const secrets = session.secrets()
  const clean = redactor(secrets)
  const tools: ToolDefinition[] = []
  const names = new Set<string>()
  const cursors = new Set<string>()
  let cursor: string | undefined
  let pages = 0

  for (;;) {
    if (pages >= limits.maxPages) {
      warnings.add('cap', `server listed more than ${limits.maxPages} pages of tools; stopped after ${limits.maxPages} pages`)
      break
    }
    const page = await listPage(session, cursor)
    pages++

    let full = false
    for (const raw of page.tools) {
      if (tools.length >= limits.maxTools) {
        full = true
        break
      }
      const tool = checkTool(raw, names, limits, warnings)
      if (tool && clean(tool.name) !== tool.name) {
        // Renaming it would make a name the server does not know: the tool cannot be called under another one.
        warnings.add('invalid', "skipped a tool whose name contains the connection's credential")
      } else if (tool) {
        names.add(tool.name)
        tools.push(tool)
      }
    }
    if (full) {
      warnings.add('cap', `server listed more than ${limits.maxTools} tools; kept the first ${limits.maxTools}`)
      break
    }

    const next = page.nextCursor
    if (next === undefined || next === null || next === '') break
    if (typeof next !== 'string') {
      warnings.add('cap', `server sent a pagination cursor that is not a string; stopped after ${pages} pages`)
      break
    }
    if (next.length > limits.maxCursorLength) {
      throw new McpctlError('server', `${session.where} sent a tools/list pagination cursor of ${next.length.toLocaleString('en-US')} characters (at most ${limits.maxCursorLength.toLocaleString('en-US')}); stopped after ${pages} ${pages === 1 ? 'page' : 'pages'}.`, {
        detail: {cursorLength: next.length, pages},
        hint: 'The server is misbehaving; tell its operator.',
      })
    }
    if (cursors.has(next) || next === cursor) {
      warnings.add('cap', `server repeated a pagination cursor; stopped after ${pages} pages`)
      break
    }
    cursors.add(next)
    cursor = next
  }

  return {tools: redactDeep(tools, secrets), warnings: warnings.lines().map(clean)}
}

async function listPage(session: Session, cursor: string | undefined): Promise<z.infer<typeof ListPage>> {
  try {
    return await session.client.request(
      {method: 'tools/list', params: cursor === undefined ? {} : {cursor}},
      ListPage,
      session.requestOptions,
    )
  } catch (error) {
    throw listError(error, session)
  }
}

function listError(error: unknown, session: Session): McpctlError {
  // The SDK validates with zod-mini, whose errors are core `$ZodError`s rather than classic `ZodError`s.
  if (error instanceof z.core.$ZodError) {
    return new McpctlError('server', 'The server sent an invalid tools/list response (no tools array)', {cause: error})
  }
  // Everything else (refusals, timeouts, a RangeError from a hostile response, a dropped stream) as every session error.
  return session.fail(error, 'tools/list')
}

function checkTool(
  raw: unknown,
  names: Set<string>,
  limits: typeof DISCOVERY_LIMITS,
  warnings: WarningLog,
): ToolDefinition | undefined {
  if (!isRecord(raw)) {
    warnings.add('invalid', 'skipped a tools/list entry that is not an object')
    return undefined
  }
  const {name} = raw
  if (typeof name !== 'string') {
    warnings.add('invalid', 'skipped a tool whose name is not a string')
    return undefined
  }
  if (!TOOL_NAME.test(name)) {
    warnings.add('invalid', `skipped tool ${quote(name)}: a name must be 1–128 characters of A–Z a–z 0–9 _ . -`)
    return undefined
  }
  if (names.has(name)) {
    warnings.add('duplicate', `skipped a second tool named ${quote(name)}: kept the first definition`)
    return undefined
  }

  const tool: ToolDefinition = {
    description: typeof raw.description === 'string' ? raw.description : '',
    inputSchema: checkSchema(raw.inputSchema, 'input', name, limits, warnings) ?? {type: 'object'},
    name,
  }
  if (typeof raw.title === 'string') tool.title = raw.title
  if (raw.outputSchema !== undefined) {
    const output = checkSchema(raw.outputSchema, 'output', name, limits, warnings)
    if (output) tool.outputSchema = output
  }
  const annotations = checkAnnotations(raw.annotations)
  if (annotations) tool.annotations = annotations
  return tool
}

function checkSchema(
  schema: unknown,
  which: 'input' | 'output',
  tool: string,
  limits: typeof DISCOVERY_LIMITS,
  warnings: WarningLog,
): Record<string, unknown> | undefined {
  if (!isRecord(schema)) {
    warnings.add('schema', `tool ${quote(tool)}: ${which} schema missing or not an object; ${which === 'input' ? 'treated as an empty object schema' : 'ignored'}`)
    return undefined
  }
  if (exceedsDepth(schema, limits.maxSchemaDepth)) {
    warnings.add('schema', `tool ${quote(tool)}: ${which} schema nested deeper than ${limits.maxSchemaDepth} levels; replaced by a placeholder`)
    return {...TRUNCATED_SCHEMA}
  }
  return schema
}

const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const

// Only the fields policy seeding reads, with the types it expects: a server's extra keys are not stored.
function checkAnnotations(annotations: unknown): Record<string, unknown> | undefined {
  if (!isRecord(annotations)) return undefined
  const kept: Record<string, unknown> = {}
  if (typeof annotations.title === 'string') kept.title = annotations.title
  for (const hint of HINTS) if (typeof annotations[hint] === 'boolean') kept[hint] = annotations[hint]
  return Object.keys(kept).length > 0 ? kept : undefined
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

class WarningLog {
  readonly #lines: string[] = []
  readonly #counts = new Map<string, number>()

  add(kind: string, line: string): void {
    const count = (this.#counts.get(kind) ?? 0) + 1
    this.#counts.set(kind, count)
    if (count <= WARNINGS_PER_KIND || kind === 'cap') this.#lines.push(line)
  }

  lines(): string[] {
    const more: Record<string, string> = {duplicate: 'duplicate names', invalid: 'invalid tools', schema: 'schema problems'}
    const extra = [...this.#counts]
      .filter(([kind, count]) => kind !== 'cap' && count > WARNINGS_PER_KIND)
      .map(([kind, count]) => `…and ${count - WARNINGS_PER_KIND} more ${more[kind] ?? kind}`)
    return [...this.#lines, ...extra]
  }
}
