// Default policies: a tool's permission when it first appears, from its name, description and annotations.
// The rule is DESIGN.md "Policies"; the verb lists live in verbs.ts.
import type {DeclaredClass, Permission, ToolClass} from './permission.js'

import {descriptionVerb, descriptionVerbSays, descriptionWord, leadingVerb, openingOf, sensitiveTermIn, verbClass, type VerbClass, wordsOf} from './verbs.js'

export interface Seed {
  class: ToolClass
  permission: Permission
  reason: string
}

export interface SeedInput {
  annotations?: {destructiveHint?: boolean; readOnlyHint?: boolean}
  /** A catalog app's own declaration (trusted: mcpctl's data, not a server's words); it decides alone. */
  declared?: DeclaredClass
  description?: string
  name: string
}

// Reasons are stored and shown; a hostile name's leading word is only letters and digits, but keep it short.
const shown = (word: string) => (word.length > 32 ? `${word.slice(0, 31)}…` : word)

const DECLARED: Record<DeclaredClass, Seed> = {
  read: {class: 'read', permission: 'auto', reason: 'the app definition declares it read-only'},
  sensitive: {class: 'sensitive', permission: 'approval_needed', reason: 'the app definition declares it returns secrets'},
  write: {class: 'write', permission: 'approval_needed', reason: 'the app definition declares it changes data'},
}

/**
 * What the annotations say, and the sentence fragment naming the evidence. The MCP spec gives `destructiveHint`
 * meaning only when `readOnlyHint` is false: a read-only tool that also says destructive (mcp-go's default for every
 * tool) is a read. Otherwise a destructive or not-read-only tool is a write.
 */
function annotationEvidence(annotations: SeedInput['annotations']): {class: VerbClass; says?: string} {
  // Annotations come from the server as parsed JSON: only real booleans count as hints.
  if (annotations?.readOnlyHint === true) {
    const ignored = annotations.destructiveHint === true ? ' (its destructiveHint applies only to tools that are not read-only)' : ''
    return {class: 'read', says: `readOnlyHint is true${ignored}`}
  }
  if (annotations?.destructiveHint === true) return {class: 'write', says: 'destructiveHint is true'}
  if (annotations?.readOnlyHint === false) return {class: 'write', says: 'readOnlyHint is false'}
  return {class: 'unknown'}
}

/**
 * A read that hands out secrets or everything at once needs a person: the name, or the description's first sentence,
 * names a sensitive term. Applied after the read/write decision, so no annotation can lower it.
 */
function sensitiveRead(tool: SeedInput, read: Seed): Seed {
  const inName = sensitiveTermIn(wordsOf(tool.name), 'name')
  const found = inName ?? sensitiveTermIn(wordsOf(openingOf(tool.description)), 'description')
  if (!found) return read
  const where = inName ? 'name' : 'description'
  return {class: 'sensitive', permission: 'approval_needed', reason: `reads ${found.kind}: the ${where} says "${found.term}" (${read.reason})`}
}

/**
 * Seed a tool's policy. `auto` only when the words say read and the annotations do not say write, or the
 * words are unknown and the annotations say read — and the read is not sensitive; otherwise `approval_needed`;
 * never `disabled`. `class` is `read` exactly when the seed is `auto`; `sensitive` for a read that hands out secrets
 * or bulk exports; otherwise `write` if any evidence says write, else `unknown` — so a read-like name with
 * `destructiveHint` is recorded as `write`, the conclusion acted on.
 */
export function seedPolicy(tool: SeedInput): Seed {
  // A catalog definition's declaration is mcpctl's own data, not a server's words: it decides alone.
  if (tool.declared) return DECLARED[tool.declared]
  const seed = seedByWords(tool)
  return seed.class === 'read' ? sensitiveRead(tool, seed) : seed
}

function seedByWords(tool: SeedInput): Seed {
  const nameVerb = leadingVerb(tool.name)
  const nameClass = verbClass(nameVerb)

  // The name decides when its verb is known; the description is consulted only when it is not.
  let words: {class: VerbClass; says?: string}
  if (nameClass === 'unknown') {
    const verb = descriptionVerb(tool.description)
    const verbSays = descriptionVerbSays(verb)
    const unknownName = nameVerb === undefined ? 'no name verb' : `name verb "${shown(nameVerb)}" unknown`
    // Only a word found in the verb lists (plus an inflection) is quoted, so no server text reaches the reason.
    const quoted = descriptionWord(tool.description)
    words = verbSays === 'unknown' ? {class: 'unknown'} : {class: verbSays, says: `description verb "${quoted}" is ${verbSays}-like (${unknownName})`}
  } else {
    words = {class: nameClass, says: `name verb "${nameVerb}" is ${nameClass}-like`}
  }

  const hints = annotationEvidence(tool.annotations)

  if (words.class === 'read') {
    if (hints.class === 'write') return {class: 'write', permission: 'approval_needed', reason: `${words.says} but ${hints.says}`}
    const agreeing = hints.class === 'read' ? ` and ${hints.says}` : ''
    return {class: 'read', permission: 'auto', reason: `${words.says}${agreeing}`}
  }

  if (words.class === 'write') {
    const overruled = hints.class === 'read' ? ` (${hints.says}, not trusted over the verb)` : ''
    return {class: 'write', permission: 'approval_needed', reason: `${words.says}${overruled}`}
  }

  if (hints.class === 'read') return {class: 'read', permission: 'auto', reason: `${hints.says} (verbs unknown)`}
  if (hints.class === 'write') return {class: 'write', permission: 'approval_needed', reason: `${hints.says} (verbs unknown)`}
  return {class: 'unknown', permission: 'approval_needed', reason: 'no read-like verb or read-only hint'}
}
