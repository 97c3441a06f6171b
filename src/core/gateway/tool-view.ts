// What the gateway lists: every admitted tool under its gateway name, built once per version of the store and
// served in pages, so that `tools/list` on 20,000 tools costs about what it costs on a few.
import {createHash} from 'node:crypto'

import {qualifiedToolName} from '../names.js'
import type {PatternSet} from '../policy/pattern.js'
import type {ConfigStore, ToolDefinition} from '../store/config-store.js'
import type {Config} from '../store/schema.js'
import {admit} from './admission.js'
import {gatewayNamesOf} from './names.js'

/** Caps on what passes through from a server's definition to the agent (DESIGN.md, "Untrusted server content"). */
export const LISTING_LIMITS = {
  descriptionChars: 4000,
  pageSize: 100,
  schemaBytes: 32 * 1024,
  titleChars: 200,
}

/** A tool as the agent's client sees it in `tools/list`. */
export interface ListedTool {
  annotations?: Record<string, unknown>
  description?: string
  inputSchema: Record<string, unknown>
  name: string
  outputSchema?: Record<string, unknown>
  title?: string
}

export interface ToolView {
  config: Config
  /** Gateway name → qualified name, for every stored tool (admitted or not: the call decides again). */
  qualifiedByName: Map<string, string>
  tools: ListedTool[]
  /** Changes whenever what the agent sees changes: names, definitions, or which tools are offered. */
  signature: string
}

const OPEN_SCHEMA = {type: 'object'}

export class ToolViews {
  private cached?: {config: Config; view: Promise<ToolView>}

  constructor(
    private readonly store: ConfigStore,
    private readonly scope: PatternSet | undefined,
  ) {}

  /** The view of the store as it is now (rebuilt only when the store changed). */
  async current(): Promise<ToolView> {
    const config = await this.store.read()
    if (this.cached?.config !== config) this.cached = {config, view: this.build(config)}
    return this.cached.view
  }

  private async build(config: Config): Promise<ToolView> {
    const names = gatewayNamesOf(config)
    const qualifiedByName = new Map<string, string>()
    for (const [qualified, name] of names) qualifiedByName.set(name, qualified)
    const tools: ListedTool[] = []
    const hash = createHash('sha256')
    for (const server of Object.keys(config.integrations).sort()) {
      const integration = config.integrations[server]
      let definitions: Record<string, ToolDefinition> | undefined
      for (const toolName of Object.keys(integration.tools).sort()) {
        const qualified = qualifiedToolName(integration, toolName)
        if (!admit(config, this.scope, qualified).allowed) continue
        definitions ??= await this.store.readDefinitions(server).catch(() => ({}))
        const tool = integration.tools[toolName]
        const listed = listedTool(names.get(qualified)!, tool.title, tool.description, Object.hasOwn(definitions, toolName) ? definitions[toolName] : undefined)
        tools.push(listed)
        hash.update(`${listed.name}\0${tool.fingerprint}\n`)
      }
    }

    return {config, qualifiedByName, signature: hash.digest('base64url'), tools}
  }
}

function listedTool(name: string, title: string | undefined, description: string, definition: ToolDefinition | undefined): ListedTool {
  const listed: ListedTool = {inputSchema: objectSchema(definition?.inputSchema) ?? OPEN_SCHEMA, name}
  const shownTitle = title ?? definition?.title
  if (shownTitle) listed.title = shownTitle.slice(0, LISTING_LIMITS.titleChars)
  if (description) listed.description = description.slice(0, LISTING_LIMITS.descriptionChars)
  const outputSchema = objectSchema(definition?.outputSchema)
  if (outputSchema) listed.outputSchema = outputSchema
  if (definition?.annotations && typeof definition.annotations === 'object') listed.annotations = definition.annotations
  return listed
}

/** A schema the agent may see: an object schema within the size cap, else nothing (the caller substitutes an open one). */
function objectSchema(schema: unknown): Record<string, unknown> | undefined {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return undefined
  if ((schema as {type?: unknown}).type !== 'object') return undefined
  const size = JSON.stringify(schema).length
  return size <= LISTING_LIMITS.schemaBytes ? (schema as Record<string, unknown>) : undefined
}

/** One page of the view. The cursor is the offset; a list that changed between pages is re-read from there. */
export function listPage(view: ToolView, cursor: string | undefined, pageSize = LISTING_LIMITS.pageSize): {nextCursor?: string; tools: ListedTool[]} {
  const start = cursor === undefined ? 0 : Number.parseInt(cursor, 10)
  const offset = Number.isSafeInteger(start) && start >= 0 ? start : 0
  const tools = view.tools.slice(offset, offset + pageSize)
  const next = offset + pageSize
  return next < view.tools.length ? {nextCursor: String(next), tools} : {tools}
}
