// The one definition of mcpctl's exit codes and of the error type that carries them.
// Commands throw McpctlError; the base command maps it to its exit code and a hint line.

export const ExitCode = {
  ok: 0,
  /** Anything unexpected, including a config store that cannot be read. */
  error: 1,
  /** Bad flags or arguments, unknown names, a missing answer in a non-interactive run. */
  usage: 2,
  /** Credentials refused or missing; re-authorization needed. */
  auth: 3,
  /** Server unreachable, timed out, or spoke something that is not MCP. */
  server: 4,
  /** Part of the work was done (e.g. removed locally, token not revoked). */
  partial: 5,
  /** `policy apply --dry-run`: the store differs from the file (changes pending). */
  changesPending: 6,
  /** Refused by policy: the tool is `disabled`, it needs an approval that was not given, or a per-tool choice is looser than a ceiling rule allows. Not a typo: the request was understood. */
  policy: 7,
  /** Ctrl-C or SIGTERM. */
  interrupted: 130,
} as const

export type ErrorKind = Exclude<keyof typeof ExitCode, 'ok'>

export class McpctlError extends Error {
  readonly kind: ErrorKind
  readonly hint?: string
  /** Machine-readable detail for --json output (never secrets). */
  readonly detail?: Record<string, unknown>

  constructor(kind: ErrorKind, message: string, options: {cause?: unknown; detail?: Record<string, unknown>; hint?: string} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'McpctlError'
    this.kind = kind
    this.hint = options.hint
    this.detail = options.detail
  }

  get exitCode(): number {
    return ExitCode[this.kind]
  }
}

export const usageError = (message: string, hint?: string) => new McpctlError('usage', message, {hint})

/** A required answer is missing and we may not prompt: name the flag that supplies it. */
export const missingAnswer = (what: string, flag: string) =>
  new McpctlError('usage', `${what} is required when mcpctl cannot prompt (no terminal, CI, or --json).`, {
    hint: `Pass ${flag}.`,
  })

/** A call the policy does not allow (as opposed to one mistyped): its own kind, so wrappers can tell the two apart. */
export const policyRefusal = (message: string, hint?: string) => new McpctlError('policy', message, {hint})
