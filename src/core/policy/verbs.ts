// The verb lists that seed a tool's policy, and how a verb is read from a tool's name or description.
// Defined once here; seeding, docs and tests import them.

/**
 * Verbs that name an action which does not change anything on the server. Generous, because a tool whose
 * verb is missing here merely asks for approval. `export`/`download` are here: they can move data out, but
 * the policy is about changes, and `disabled` exists for tools a person does not want used at all.
 * Not here: `is`/`has` ("Is used to delete…" would read as a read) and `return` ("Returns an item…").
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
  'block', 'book', 'broadcast', 'buy', 'cancel', 'change', 'charge', 'clear', 'clone', 'close', 'comment',
  'commit', 'complete', 'configure', 'connect', 'copy', 'create', 'decline', 'delete', 'deny', 'deploy',
  'deprovision', 'destroy', 'detach', 'disable', 'disconnect', 'dismiss', 'dispatch', 'downgrade', 'drop',
  'duplicate', 'edit', 'email', 'emit', 'enable', 'enroll', 'erase', 'escalate', 'exec', 'execute', 'flag',
  'fork', 'forward', 'grant', 'import', 'init', 'initialize', 'insert', 'install', 'invite', 'invoke',
  'isolate', 'kill', 'label', 'link', 'lock', 'log', 'login', 'logout', 'make', 'mark', 'merge', 'message',
  'migrate', 'modify', 'move', 'mute', 'new', 'notify', 'open', 'order', 'patch', 'pause', 'pay', 'post',
  'provision', 'publish', 'purchase', 'purge', 'push', 'put', 'quarantine', 'reassign', 'reboot', 'refund',
  'register', 'reject', 'remove', 'rename', 'renew', 'reopen', 'replace', 'reply', 'reschedule', 'reset',
  'resolve', 'restart', 'restore', 'resume', 'revert', 'revoke', 'rollback', 'rotate', 'run', 'save',
  'scale', 'schedule', 'send', 'set', 'share', 'shutdown', 'sign', 'snooze', 'start', 'stop', 'store',
  'submit', 'subscribe', 'suspend', 'sync', 'tag', 'terminate', 'transfer', 'trigger', 'unarchive',
  'unassign', 'unban', 'unblock', 'uninstall', 'unlink', 'unlock', 'unmute', 'unpublish', 'unregister',
  'unshare', 'unsubscribe', 'update', 'upgrade', 'upload', 'upsert', 'wipe', 'write',
])

export type VerbClass = 'read' | 'write' | 'unknown'

export function verbClass(verb: string | undefined): VerbClass {
  if (verb === undefined) return 'unknown'
  if (READ_VERBS.has(verb)) return 'read'
  if (WRITE_VERBS.has(verb)) return 'write'
  return 'unknown'
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
  return forms.find((form) => verbClass(form) !== 'unknown')
}
