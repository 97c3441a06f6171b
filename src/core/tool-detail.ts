// `tools show`: one tool as its server defines it (the full definition kept beside the config), with its policy, why,
// and any definition change a sync found that no person has settled yet.
import {gatewayNamesOf} from './gateway/names.js'
import {qualifiedToolName} from './names.js'
import type {ConfigStore} from './store/config-store.js'
import {requireTool} from './tool-call.js'
import {type ToolRow, toolRow} from './tool-list.js'

export interface ToolDetail extends ToolRow {
  /** The server's annotations as it sent them (hints: readOnlyHint, destructiveHint, …). */
  annotations?: Record<string, unknown>
  /** The JSON Schema of the arguments (null when the store has no full definition for the tool). */
  inputSchema: unknown
  outputSchema?: unknown
  /** The definition changed at a sync: when, and the field-level diff against the one before. */
  pendingChange?: {at: string; diff: string}
  title?: string
}

export async function describeTool(store: ConfigStore, name: string): Promise<ToolDetail> {
  const config = await store.read()
  const {integration, tool} = requireTool(config, name)
  const definitions = await store.readDefinitions(integration.name)
  const definition = Object.hasOwn(definitions, tool.name) ? definitions[tool.name] : undefined
  const title = definition?.title ?? tool.title
  return {
    ...toolRow(integration, tool, gatewayNamesOf(config).get(qualifiedToolName(integration, tool.name))!),
    ...(title === undefined ? {} : {title}),
    annotations: definition?.annotations ?? tool.annotations,
    inputSchema: definition?.inputSchema ?? null,
    ...(definition?.outputSchema === undefined ? {} : {outputSchema: definition.outputSchema}),
    ...(tool.changed ? {pendingChange: {at: tool.changed.at, diff: tool.changed.diff}} : {}),
  }
}
