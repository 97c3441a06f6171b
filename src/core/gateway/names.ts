// The names under which the gateway offers tools: client-safe, at most 50 characters, derived from the qualified name.
// 50 so that a client's own prefix (`mcp__mcpctl__`, 13 characters) keeps the whole name within the common 64 limit.
import {createHash} from 'node:crypto'

import type {Config} from '../store/schema.js'
import {qualifiedToolName} from '../names.js'

export const GATEWAY_NAME_MAX = 50
export const GATEWAY_NAME = /^[A-Za-z0-9_-]{1,50}$/

const UNSAFE = /[^A-Za-z0-9_-]/g
/** Tested on the two parts, without building a cleaned copy: nearly every name is already safe (20,000 per `tools list`). */
const HAS_UNSAFE = /[^A-Za-z0-9_-]/
const HASH_CHARS = 8

/**
 * `mcp:acme:get_ticket` → `acme__get_ticket`. A name that had to be changed (a `.` replaced) or shortened gets
 * `_` + the first 8 hex digits of the sha256 of the qualified name, so two tools that clean up to the same text
 * still differ, and the name depends on nothing but the tool itself.
 */
export function gatewayToolName(qualified: string, hashChars = HASH_CHARS): string {
  const [, connection = '', tool = ''] = qualified.split(':')
  return nameFromParts(qualified, connection, tool, hashChars)
}

function nameFromParts(qualified: string, connection: string, tool: string, hashChars: number): string {
  const plain = `${connection}__${tool}`
  if (hashChars === HASH_CHARS && plain.length <= GATEWAY_NAME_MAX && !HAS_UNSAFE.test(connection) && !HAS_UNSAFE.test(tool)) return plain
  const clean = plain.replaceAll(UNSAFE, '_')
  if (clean === plain && clean.length <= GATEWAY_NAME_MAX && hashChars === HASH_CHARS) return clean
  const suffix = `_${createHash('sha256').update(qualified).digest('hex').slice(0, hashChars)}`
  return clean.slice(0, GATEWAY_NAME_MAX - suffix.length) + suffix
}

/**
 * Gateway names for a set of qualified names. Names normally depend only on their own tool; when two still collide
 * (a hostile server can choose a tool name that imitates another's hashed name), every member of the clash gets a
 * longer hash, then a counter in sorted order: deterministic for the same set, and no tool is ever dropped.
 */
export function assignGatewayNames(qualified: Iterable<string>): Map<string, string> {
  const names = new Map<string, string>()
  for (const name of qualified) names.set(name, gatewayToolName(name))
  return resolveClashes(names)
}

/** Every member of a clash gets a longer hash, then a counter in sorted order (see assignGatewayNames). */
function resolveClashes(names: Map<string, string>): Map<string, string> {
  // Clashes are rare: look for one first, and build the reverse index only when there is one.
  if (new Set(names.values()).size === names.size) return names
  const byName = new Map<string, string[]>()
  for (const [name, gateway] of names) {
    const holders = byName.get(gateway)
    if (holders) holders.push(name)
    else byName.set(gateway, [name])
  }

  for (const holders of byName.values()) {
    if (holders.length < 2) continue
    const taken = new Set(names.values())
    for (const [index, name] of holders.sort().entries()) {
      let candidate = gatewayToolName(name, 16)
      if (taken.has(candidate)) {
        const counter = `_${index + 1}`
        candidate = candidate.slice(0, GATEWAY_NAME_MAX - counter.length) + counter
      }

      names.set(name, candidate)
      taken.add(candidate)
    }
  }

  return names
}

/** Every stored tool's gateway name, disabled ones included: a name must not change when a policy does. */
export function gatewayNamesOf(config: Config): Map<string, string> {
  const names = new Map<string, string>()
  for (const integration of Object.values(config.integrations)) {
    for (const tool of Object.keys(integration.tools)) {
      const qualified = qualifiedToolName(integration, tool)
      // The same name gatewayToolName(qualified) gives, without splitting the qualified name again.
      names.set(qualified, tool.includes(':') ? gatewayToolName(qualified) : nameFromParts(qualified, integration.name, tool, HASH_CHARS))
    }
  }

  return resolveClashes(names)
}
