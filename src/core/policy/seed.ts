// Default policies: a tool's permission when it first appears, from its name, description and annotations.
// The rule is DESIGN.md "Policies"; the verb lists live in verbs.ts.
import type {Permission, ToolClass} from './permission.js'

import {descriptionVerb, descriptionWord, leadingVerb, verbClass, type VerbClass} from './verbs.js'

export interface Seed {
  class: ToolClass
  permission: Permission
  reason: string
}

export interface SeedInput {
  annotations?: {destructiveHint?: boolean; readOnlyHint?: boolean}
  description?: string
  name: string
}

// Reasons are stored and shown; a hostile name's leading word is only letters and digits, but keep it short.
const shown = (word: string) => (word.length > 32 ? `${word.slice(0, 31)}…` : word)

/** What the annotations say, and the sentence fragment naming the evidence. Write wins over read. */
function annotationEvidence(annotations: SeedInput['annotations']): {class: VerbClass; says?: string} {
  // Annotations come from the server as parsed JSON: only real booleans count as hints.
  if (annotations?.destructiveHint === true) return {class: 'write', says: 'destructiveHint is true'}
  if (annotations?.readOnlyHint === false) return {class: 'write', says: 'readOnlyHint is false'}
  if (annotations?.readOnlyHint === true) return {class: 'read', says: 'readOnlyHint is true'}
  return {class: 'unknown'}
}

/**
 * Seed a tool's policy. `auto` only when the words say read and the annotations do not say write, or the
 * words are unknown and the annotations say read; otherwise `approval_needed`; never `disabled`.
 * `class` is `read` exactly when the seed is `auto`; otherwise `write` if any evidence says write, else
 * `unknown` — so a read-like name with `destructiveHint` is recorded as `write`, the conclusion acted on.
 */
export function seedPolicy(tool: SeedInput): Seed {
  const nameVerb = leadingVerb(tool.name)
  const nameClass = verbClass(nameVerb)

  // The name decides when its verb is known; the description is consulted only when it is not.
  let words: {class: VerbClass; says?: string}
  if (nameClass === 'unknown') {
    const verb = descriptionVerb(tool.description)
    const verbSays = verbClass(verb)
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
