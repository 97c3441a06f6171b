// The words that seed a tool's policy — read and write verbs, the description-only read verbs, the sensitive terms —
// and how they are read from a tool's name or description. Defined once here; seeding, docs and tests import them.

/**
 * Verbs that name an action which does not change anything on the server. Generous, because a tool whose
 * verb is missing here merely asks for approval. `export`/`download` are here: they can move data out, but
 * the policy is about changes, and `disabled` exists for tools a person does not want used at all.
 * Not here: `is`/`has` ("Is used to delete…" would read as a read), and `return`, `report` and `display`, which are
 * read-like only as a description's opening (DESCRIPTION_READ_VERBS).
 */
export const READ_VERBS: ReadonlySet<string> = new Set([
  'analyse', 'analyze', 'browse', 'calculate', 'check', 'compare', 'compute', 'count', 'describe', 'diff',
  'download', 'estimate', 'explain', 'export', 'fetch', 'find', 'get', 'inspect', 'list', 'look', 'lookup',
  'ping', 'preview', 'query', 'read', 'retrieve', 'search', 'show', 'status', 'summarise', 'summarize',
  'validate', 'verify', 'view', 'watch', 'whoami',
])

/**
 * Verbs that change something. Listing them matters even though unknown verbs already need approval: a
 * write-like name verb is never overruled by a description verb or a `readOnlyHint`. Ambiguous verbs that
 * usually create or change something (`open` a ticket, `resolve` an alert, `log` time, `copy`) are here.
 */
export const WRITE_VERBS: ReadonlySet<string> = new Set([
  'accept', 'ack', 'acknowledge', 'add', 'allow', 'apply', 'approve', 'archive', 'assign', 'attach', 'ban',
  'block', 'book', 'broadcast', 'buy', 'cancel', 'change', 'charge', 'checkout', 'clear', 'clone', 'close',
  'comment', 'commit', 'complete', 'configure', 'connect', 'copy', 'create', 'decline', 'delete', 'deny',
  'deploy', 'deprovision', 'destroy', 'detach', 'disable', 'disconnect', 'dismiss', 'dispatch', 'downgrade',
  'drop', 'duplicate', 'edit', 'email', 'emit', 'enable', 'enroll', 'erase', 'escalate', 'exec', 'execute',
  'flag', 'fork', 'forward', 'grant', 'import', 'init', 'initialize', 'insert', 'install', 'invite',
  'invoke', 'isolate', 'kill', 'label', 'link', 'lock', 'log', 'login', 'logout', 'make', 'mark', 'merge',
  'message', 'migrate', 'modify', 'move', 'mute', 'new', 'notify', 'open', 'order', 'patch', 'pause', 'pay',
  'post', 'provision', 'publish', 'purchase', 'purge', 'push', 'put', 'quarantine', 'reassign', 'reboot',
  'record', 'refund', 'register', 'reject', 'remove', 'rename', 'renew', 'reopen', 'replace', 'reply',
  'reschedule', 'reset', 'resolve', 'restart', 'restore', 'resume', 'revert', 'revoke', 'rollback', 'rotate',
  'run', 'save', 'scale', 'schedule', 'send', 'set', 'share', 'shutdown', 'sign', 'snooze', 'stage', 'start',
  'stop', 'store', 'submit', 'subscribe', 'suspend', 'switch', 'sync', 'tag', 'terminate', 'transfer',
  'transition', 'trigger', 'unarchive', 'unassign', 'unban', 'unblock', 'uninstall', 'unlink', 'unlock',
  'unmute', 'unpublish', 'unregister', 'unshare', 'unstage', 'unsubscribe', 'update', 'upgrade', 'upload',
  'upsert', 'wipe', 'write',
])

/**
 * Read-like only as a description's opening ("Returns a summary of widgets", "Reports the status of…"): as a name's
 * verb they often act (`return_order`, `report_spam`, `display_message` on a device's screen).
 */
export const DESCRIPTION_READ_VERBS: ReadonlySet<string> = new Set(['display', 'report', 'return'])

export type VerbClass = 'read' | 'write' | 'unknown'

export function verbClass(verb: string | undefined): VerbClass {
  if (verb === undefined) return 'unknown'
  if (READ_VERBS.has(verb)) return 'read'
  if (WRITE_VERBS.has(verb)) return 'write'
  return 'unknown'
}

/** A description's verb: the name verbs, plus the few that are read-like only in a description. */
function descriptionVerbClass(verb: string): VerbClass {
  return DESCRIPTION_READ_VERBS.has(verb) ? 'read' : verbClass(verb)
}

// A word is an acronym run (`HTTP` in `HTTPGet`), a capitalised or lower-case run, or digits; everything
// else (`_ - .`, spaces, anything a hostile name carries) separates words.
const WORD = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/

/**
 * The first word of a tool name, lower-cased: `getTicket`, `get_ticket`, `Get-Ticket`, `GET.ticket` → `get`.
 * Only the leading word counts, so `tickets.get` gives `tickets` (unknown) and falls back to the description.
 */
export function leadingVerb(name: string): string | undefined {
  return WORD.exec(name)?.[0].toLowerCase()
}

/**
 * The first word of a description, lower-cased, with surrounding punctuation removed (`**Gets**`, `Lists:`).
 * Undefined when the description has no words.
 */
export function descriptionWord(description: string | undefined): string | undefined {
  // Descriptions arrive from servers; a non-string slipping past validation must not crash seeding.
  if (typeof description !== 'string') return undefined
  const first = description.trimStart().split(/\s/, 1)[0]
  const word = first?.replace(/^\P{L}+|\P{L}+$/gu, '').toLowerCase()
  return word ? word : undefined
}

/**
 * Descriptions say "Gets…", "Searches…", "Queries…"; the verb lists hold the base form. Try the word as
 * written (imperative "Get the…", or verbs like `status` that end in s) before stripping an inflection.
 */
export function descriptionVerb(description: string | undefined): string | undefined {
  const word = descriptionWord(description)
  if (word === undefined) return undefined
  const forms = [word]
  if (word.endsWith('ies')) forms.push(word.slice(0, -3) + 'y')
  if (word.endsWith('es')) forms.push(word.slice(0, -2))
  if (word.endsWith('s')) forms.push(word.slice(0, -1))
  return forms.find((form) => descriptionVerbClass(form) !== 'unknown')
}

/** The class of a description's verb (as found by `descriptionVerb`). */
export const descriptionVerbSays = (verb: string | undefined): VerbClass => (verb === undefined ? 'unknown' : descriptionVerbClass(verb))

/** What a sensitive read hands out, as a reason says it. */
export type SensitiveKind = 'bulk export' | 'credentials' | 'environment variables' | 'keys' | 'one-time or recovery codes' | 'passwords' | 'secrets' | 'tokens'

interface SensitiveTerm {
  kind: SensitiveKind
  /** Consecutive words; the last one also matches with a plural `s`. */
  words: readonly string[]
  /** Too common in descriptions ("your token's bot user", "a pagination token") to count there. */
  nameOnly?: boolean
}

const term = (kind: SensitiveKind, phrase: string, nameOnly?: boolean): SensitiveTerm => ({kind, nameOnly, words: phrase.split(' ')})

/**
 * What makes a read sensitive: the words of a name or a description's first sentence that say the tool hands out
 * something that grants access (passwords, secrets, keys, tokens, codes) or everything at once (bulk exports).
 * `key` and `token` count only with a word that makes them a credential (an issue key or a Redis key is not one).
 */
export const SENSITIVE_TERMS: readonly SensitiveTerm[] = [
  ...['password', 'passwd', 'passphrase', 'passcode'].map((w) => term('passwords', w)),
  term('secrets', 'secret'),
  ...['credential', 'creds', 'connection string'].map((w) => term('credentials', w)),
  ...['api', 'access', 'private', 'recovery', 'signing', 'encryption', 'license', 'product', 'ssh'].map((w) => term('keys', `${w} key`)),
  ...['access', 'refresh', 'api', 'auth', 'bearer', 'session', 'id'].map((w) => term('tokens', `${w} token`)),
  term('tokens', 'token', true),
  ...['recovery code', 'backup code', 'otp', 'totp', 'mfa code'].map((w) => term('one-time or recovery codes', w)),
  term('environment variables', 'environment variable'),
  ...['env', 'environ', 'dotenv'].map((w) => term('environment variables', w, true)),
  term('bulk export', 'dump'),
]

/** Words that make an export a bulk one: `export_all_contacts`, "Exports every mailbox". */
const BULK_WORDS: ReadonlySet<string> = new Set(['all', 'bulk', 'entire', 'every', 'full'])
const EXPORT_WORDS: ReadonlySet<string> = new Set(['export', 'exports'])

// Seeding runs for every tool of every sync (20,000 at fleet scale): the terms are indexed by their first word, as
// written and with the plural `s` a one-word term may take.
const TERMS_BY_FIRST_WORD = new Map<string, SensitiveTerm[]>()
for (const candidate of SENSITIVE_TERMS) {
  const [first] = candidate.words
  for (const key of candidate.words.length === 1 ? [first, `${first}s`] : [first]) {
    TERMS_BY_FIRST_WORD.set(key, [...(TERMS_BY_FIRST_WORD.get(key) ?? []), candidate])
  }
}

const ALL_WORDS = new RegExp(WORD.source, 'g')

/** Every word of a text, lower-cased (the same word rule as names: `getUserPassword` → get, user, password). */
export function wordsOf(text: string): string[] {
  return (text.match(ALL_WORDS) ?? []).map((word) => word.toLowerCase())
}

/** A description's first sentence: what the tool does, before the caveats (which mention passwords in passing). */
export function openingOf(description: string | undefined): string {
  if (typeof description !== 'string') return ''
  return description.slice(0, 500).split(/[.!?](?:\s|$)|\n/, 1)[0] ?? ''
}

/** The first sensitive term in these words, with the words as our list spells them (never server text). */
export function sensitiveTermIn(words: string[], where: 'description' | 'name'): {kind: SensitiveKind; term: string} | undefined {
  for (let i = 0; i < words.length; i++) {
    for (const candidate of TERMS_BY_FIRST_WORD.get(words[i]) ?? []) {
      if (candidate.nameOnly && where !== 'name') continue
      const n = candidate.words.length
      if (i + n > words.length) continue
      const matches = candidate.words.every((w, j) => words[i + j] === w || (j === n - 1 && words[i + j] === `${w}s`))
      if (matches) return {kind: candidate.kind, term: candidate.words.join(' ')}
    }
  }

  if (words.some((w) => EXPORT_WORDS.has(w))) {
    const bulk = words.find((w) => BULK_WORDS.has(w))
    if (bulk) return {kind: 'bulk export', term: `export ${bulk}`}
  }

  return undefined
}
