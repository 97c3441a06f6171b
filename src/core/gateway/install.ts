// `gateway install`: the gateway's entry in an agent's own MCP configuration, merged into the file that agent
// documents without disturbing anything else in it.
import {existsSync, realpathSync} from 'node:fs'
import {mkdir, readFile} from 'node:fs/promises'
import path from 'node:path'

import {McpctlError, usageError} from '../errors.js'
import {writePrivateFile} from '../store/private-file.js'

export const AGENTS = ['claude-code', 'codex', 'cursor', 'vscode'] as const
export type Agent = (typeof AGENTS)[number]

/** How the agent starts the gateway. */
export interface GatewayEntry {
  args: string[]
  command: string
  env?: Record<string, string>
}

export interface InstallTarget {
  agent: Agent
  file: string
  format: 'json' | 'toml'
  /** The JSON key holding the servers (`mcpServers`, or `servers` for VS Code). */
  serversKey?: string
}

/** Where each agent reads its MCP servers (shared/reference/gateway.md, "Agent configuration files"). */
export function installTarget(agent: Agent, places: {cwd: string; env: NodeJS.ProcessEnv; home: string}): InstallTarget {
  switch (agent) {
    case 'claude-code': {
      // Project scope: Claude Code reads .mcp.json in the project it runs in.
      return {agent, file: path.join(places.cwd, '.mcp.json'), format: 'json', serversKey: 'mcpServers'}
    }

    case 'codex': {
      return {agent, file: path.join(places.env.CODEX_HOME || path.join(places.home, '.codex'), 'config.toml'), format: 'toml'}
    }

    case 'cursor': {
      return {agent, file: path.join(places.home, '.cursor', 'mcp.json'), format: 'json', serversKey: 'mcpServers'}
    }

    case 'vscode': {
      return {agent, file: path.join(places.cwd, '.vscode', 'mcp.json'), format: 'json', serversKey: 'servers'}
    }
  }
}

/**
 * The command line that starts this mcpctl's gateway: `mcpctl` when that name on PATH is this very CLI (portable in
 * a project file), else node and this script by absolute path. The config dir is passed on when it was chosen.
 */
export function gatewayEntry(options: {env: NodeJS.ProcessEnv; nodePath: string; only?: string[]; script: string}): GatewayEntry {
  const args = ['gateway', ...(options.only ?? []).flatMap((pattern) => ['--only', pattern])]
  const script = realpath(options.script)
  const onPath = (options.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => {
      const candidate = path.join(dir, 'mcpctl')
      return existsSync(candidate) && realpath(candidate) === script
    })
  const entry: GatewayEntry = onPath ? {args, command: 'mcpctl'} : {args: [script, ...args], command: options.nodePath}
  if (options.env.MCPCTL_CONFIG_DIR) entry.env = {MCPCTL_CONFIG_DIR: path.resolve(options.env.MCPCTL_CONFIG_DIR)}
  return entry
}

const realpath = (file: string) => {
  try {
    return realpathSync(file)
  } catch {
    return path.resolve(file)
  }
}

/** The agent's file with the entry set under `name`; everything else as it was. */
export function mergedConfig(target: InstallTarget, current: string | undefined, name: string, entry: GatewayEntry): string {
  if (target.format === 'toml') return mergeCodexToml(current ?? '', name, entry)
  let config: Record<string, unknown> = {}
  if (current !== undefined && current.trim() !== '') {
    try {
      config = JSON.parse(current) as Record<string, unknown>
    } catch {
      throw usageError(`${target.file} is not plain JSON (comments?), so mcpctl will not rewrite it.`, 'Add the entry yourself: see `mcpctl gateway install <agent> --print`.')
    }

    if (!config || typeof config !== 'object' || Array.isArray(config)) throw usageError(`${target.file} does not hold a JSON object.`)
  }

  const key = target.serversKey!
  const servers = config[key] && typeof config[key] === 'object' && !Array.isArray(config[key]) ? (config[key] as Record<string, unknown>) : {}
  const value = target.agent === 'vscode' ? {type: 'stdio', ...entry} : entry
  config[key] = {...servers, [name]: value}
  return `${JSON.stringify(config, null, 2)}\n`
}

// TOML by hand, for three value kinds (strings, arrays of strings, a table of strings): a dependency added to the
// shared tree for this would be a parser mcpctl never needs, and the entry is replaced as text so that the user's
// comments and formatting elsewhere in config.toml survive (a parse-and-reserialize would drop them).
const tomlString = (value: string) => JSON.stringify(value).replaceAll(/[\u007F\u0080-\u009F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
const tomlKey = (key: string) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key))

/** `[mcp_servers.<name>]` (and its subtables) replaced, or appended. */
export function mergeCodexToml(current: string, name: string, entry: GatewayEntry): string {
  const table = `mcp_servers.${tomlKey(name)}`
  const block = [
    `[${table}]`,
    `command = ${tomlString(entry.command)}`,
    `args = [${entry.args.map((arg) => tomlString(arg)).join(', ')}]`,
    ...(entry.env ? ['', `[${table}.env]`, ...Object.entries(entry.env).map(([key, value]) => `${tomlKey(key)} = ${tomlString(value)}`)] : []),
  ].join('\n')

  const lines = current.split('\n')
  const header = /^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$/
  const ours = (line: string) => {
    const match = header.exec(line)
    if (!match || line.trim().startsWith('[[')) return false
    const normalized = match[1].replaceAll(/\s*\.\s*/g, '.').replaceAll(/"([A-Za-z0-9_-]+)"/g, '$1')
    return normalized === table || normalized.startsWith(`${table}.`)
  }

  // Other forms (a dotted key or an inline table for the same server) cannot be replaced safely as text.
  const key = `"?${name.replaceAll(/[$()*+.?[\\\]^{|}]/g, String.raw`\$&`)}"?\\s*[=.]`
  const inTable = new RegExp(`^\\s*${key}`)
  const dotted = new RegExp(`^\\s*mcp_servers\\s*\\.\\s*${key}`)
  let section = ''
  for (const line of lines) {
    const match = header.exec(line)
    if (match) section = match[1].trim()
    else if ((section === 'mcp_servers' && inTable.test(line)) || (section === '' && dotted.test(line))) {
      throw usageError(`The Codex configuration defines "${name}" in a form mcpctl does not rewrite.`, 'Remove that entry, or add the gateway yourself: see `mcpctl gateway install codex --print`.')
    }
  }

  const kept: string[] = []
  let skipping = false
  let insertAt = -1
  for (const line of lines) {
    if (header.test(line)) {
      const mine = ours(line)
      if (mine && insertAt === -1) insertAt = kept.length
      skipping = mine
    }

    if (!skipping) kept.push(line)
  }

  if (insertAt === -1) {
    while (kept.length > 0 && kept.at(-1)!.trim() === '') kept.pop()
    return `${kept.length > 0 ? `${kept.join('\n')}\n\n` : ''}${block}\n`
  }

  kept.splice(insertAt, 0, block, '')
  return `${kept.join('\n').replaceAll(/\n{3,}/g, '\n\n').trimEnd()}\n`
}

export interface InstallResult {
  agent: Agent
  entry: GatewayEntry
  file: string
  name: string
  /** Whether the file existed before. */
  updated: boolean
}

export async function installGateway(target: InstallTarget, name: string, entry: GatewayEntry): Promise<InstallResult> {
  let current: string | undefined
  try {
    current = await readFile(target.file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new McpctlError('error', `Cannot read ${target.file} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}).`)
    }
  }

  const next = mergedConfig(target, current, name, entry)
  await mkdir(path.dirname(target.file), {recursive: true})
  await writePrivateFile(target.file, next)
  return {agent: target.agent, entry, file: target.file, name, updated: current !== undefined}
}

/** The snippet `--print` shows: what install would put in the file, for the agent's format. */
export function entrySnippet(target: InstallTarget, name: string, entry: GatewayEntry): string {
  return mergedConfig(target, undefined, name, entry)
}
