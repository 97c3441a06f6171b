// The config store: one JSON file (plus per-integration tool definitions), changed only under a cross-process lock.
// Not `conf`: it takes no lock, pulls ajv onto the start-up path, and some versions quote a broken file in errors.
import {createHash} from 'node:crypto'
import {type BigIntStats, statSync} from 'node:fs'
import {unlink} from 'node:fs/promises'
import path from 'node:path'

import {McpctlError} from '../errors.js'
import {corruptFileError, describeIssue, isPlainObject, parseJson} from './corrupt-file.js'
import {lockStaleMs, removeLeftoverTempFiles, withFileLock} from './file-lock.js'
import {ensurePrivateDir, tempFilePattern, writePrivateFile} from './private-file.js'
import type {DeclaredClass} from '../policy/permission.js'
import {readStoreFile} from './store-file.js'
import type {Config} from './schema.js'
import {emptyConfig, SCHEMA_REVISION, STORE_VERSION} from './store-format.js'

/** A tool's full definition as the server gave it (canonical form), kept for diffs on re-sync. */
export type ToolDefinition = {
  annotations?: Record<string, unknown>
  /** Set by catalog app definitions only: what the tool does (read, write, sensitive); seeding follows it. */
  declared?: DeclaredClass
  description?: string
  inputSchema?: unknown
  name: string
  outputSchema?: unknown
  title?: string
}

export interface StoreTransaction {
  /** Full definitions of one integration's tools (empty object when none stored). */
  definitions(integration: string): Promise<Record<string, ToolDefinition>>
  setDefinitions(integration: string, definitions: Record<string, ToolDefinition>): void
  deleteDefinitions(integration: string): void
  /**
   * Promise that the change touches only these integrations (policy edits): validation before the write then covers
   * them and the top level, not 20,000 untouched tools. Without it, the whole config is validated.
   */
  onlyChanged(integrations: Iterable<string>): void
}

export type ConfigStoreOptions = {
  /**
   * Keep the last snapshot and return it while the file is unchanged (same inode, size, mtime and ctime), so a
   * long-running reader (the gateway) reads the store at every call for the price of one stat. Snapshots are then
   * shared: callers must not modify what `read()` returns. `update()` always reads the file itself.
   */
  cacheReads?: boolean
  /** How old an unrefreshed lock must be before it counts as abandoned (default 10 s, or `MCPCTL_LOCK_STALE_MS`; at least 2 s). */
  lockStaleMs?: number
}

export const CONFIG_FILE_NAME = 'config.json'
/**
 * The validated digest: `<schema revision>:<sha256 of config.json>` written after every (validated) write. When the
 * file read is byte-for-byte what was validated and written, validating it again proves nothing new, and at 20,000
 * tools costs more than the rest of a command; any other content (a hand edit, a truncation) is validated in full.
 */
export const VALIDATED_DIGEST_FILE_NAME = 'config.json.validated'
export const DEFINITIONS_DIR_NAME = 'definitions'

type RawConfig = Record<string, unknown>

/**
 * Upgrades keyed by the version they upgrade from: MIGRATIONS[1] turns a version 1 file into version 2, and so on.
 * Each takes the parsed JSON before validation and returns it with `version` raised by one.
 */
const MIGRATIONS: Record<number, (raw: RawConfig) => RawConfig> = {
  // 1 → 2: rules arrive, and a person's choice is kept apart from the resolved policy (which a ceiling may cap).
  1(raw) {
    const integrations = isPlainObject(raw.integrations) ? raw.integrations : {}
    for (const integration of Object.values(integrations)) {
      if (!isPlainObject(integration) || !isPlainObject(integration.tools)) continue
      for (const tool of Object.values(integration.tools)) {
        if (!isPlainObject(tool) || !isPlainObject(tool.policy) || tool.policy.source !== 'user') continue
        const {permission, reason, updatedAt} = tool.policy
        tool.choice = {permission, reason, updatedAt}
      }
    }

    return {...raw, rules: [], version: 2}
  },
}

/**
 * Names of definition files: integration names are user-chosen, so anything beyond [a-z0-9._-] is percent-encoded.
 * Upper case too, so that `Acme` and `acme` stay two files on case-insensitive file systems.
 */
export function definitionsFileName(integration: string): string {
  const encoded = [...integration]
    .map((char) => (/^[\d._a-z-]$/.test(char) ? char : [...Buffer.from(char)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('')))
    .join('')
  return `${encoded}.json`
}

const DEFINITIONS_TEMP = /\.json\.\d+$/

export class ConfigStore {
  readonly dir: string
  private readonly staleMs: number
  private readonly cacheReads: boolean
  private cached?: {config: Config; identity: string}

  constructor(dir: string, options: ConfigStoreOptions = {}) {
    this.dir = dir
    this.staleMs = lockStaleMs(options.lockStaleMs)
    this.cacheReads = options.cacheReads ?? false
  }

  /** Path of the config file. */
  get file(): string {
    return path.join(this.dir, CONFIG_FILE_NAME)
  }

  get definitionsDir(): string {
    return path.join(this.dir, DEFINITIONS_DIR_NAME)
  }

  definitionsFile(integration: string): string {
    return path.join(this.definitionsDir, definitionsFileName(integration))
  }

  get validatedDigestFile(): string {
    return path.join(this.dir, VALIDATED_DIGEST_FILE_NAME)
  }

  /** A validated snapshot (empty config when no file exists). Throws McpctlError('error') naming the problem for a corrupt file. */
  async read(): Promise<Config> {
    if (!this.cacheReads) return this.readFile()
    // Taken before reading: a change between the stat and the read only makes the next call read again. Synchronous:
    // one metadata syscall, where the thread pool's round trip would cost more than the check it makes.
    const identity = fileIdentity(statOrUndefined(this.file))
    if (this.cached?.identity === identity) return this.cached.config
    const config = await this.readFile()
    this.cached = {config, identity}
    return config
  }

  private async readFile(): Promise<Config> {
    const content = await readStoreFile(this.file, 'config file')
    if (content === undefined) return emptyConfig()
    const known = await readStoreFile(this.validatedDigestFile, 'validated digest file', {maxBytes: 1024}).catch(() => undefined)
    if (known !== undefined && known.toString('utf8') === validatedDigest(content)) {
      const parsed = parseJson(content.toString('utf8'))
      if (parsed.ok && isPlainObject(parsed.value)) return parsed.value as Config
    }

    return parseConfig(this.file, content)
  }

  async readDefinitions(integration: string): Promise<Record<string, ToolDefinition>> {
    const file = this.definitionsFile(integration)
    const remedy = `Move ${file} away; the next \`mcpctl tools sync\` writes it again.`
    const content = await readStoreFile(file, 'tool definitions file', {remedy})
    if (content === undefined) return {}
    const parsed = parseJson(content.toString('utf8'))
    const problem = parsed.ok ? (isPlainObject(parsed.value) ? undefined : 'does not hold a JSON object') : parsed.problem
    if (problem !== undefined || !parsed.ok) {
      throw await corruptFileError('tool definitions file', file, content, problem ?? 'is unreadable', remedy)
    }

    return parsed.value as Record<string, ToolDefinition>
  }

  /**
   * lock → re-read → change → atomic write (config and any definitions touched) → unlock.
   * The change mutates the config it is given; when it throws, nothing is written.
   */
  async update<T>(change: (config: Config, tx: StoreTransaction) => Promise<T> | T): Promise<T> {
    await ensurePrivateDir(this.dir)
    return withFileLock(this.file, this.staleMs, async (lock) => {
      await removeLeftoverTempFiles(this.dir, tempFilePattern(CONFIG_FILE_NAME))
      await removeLeftoverTempFiles(this.dir, tempFilePattern(VALIDATED_DIGEST_FILE_NAME))
      await removeLeftoverTempFiles(this.definitionsDir, DEFINITIONS_TEMP)

      const config = await this.readFile()
      const pending = new Map<string, Record<string, ToolDefinition> | null>()
      let limited: Set<string> | undefined
      let open = true
      const assertOpen = () => {
        if (!open) throw new Error('StoreTransaction used after its update() finished')
      }

      const tx: StoreTransaction = {
        definitions: async (integration) => {
          assertOpen()
          const staged = pending.get(integration)
          if (staged !== undefined) return staged ?? {}
          return this.readDefinitions(integration)
        },
        deleteDefinitions(integration) {
          assertOpen()
          pending.set(integration, null)
        },
        onlyChanged(integrations) {
          assertOpen()
          limited ??= new Set()
          for (const name of integrations) limited.add(name)
        },
        setDefinitions(integration, definitions) {
          assertOpen()
          pending.set(integration, definitions)
        },
      }

      let result: T
      try {
        result = await change(config, tx)
      } finally {
        open = false
      }

      const {Config: schema} = await import('./schema.js')
      const subject = limited
        ? {...config, integrations: Object.fromEntries([...limited].filter((name) => Object.hasOwn(config.integrations, name)).map((name) => [name, config.integrations[name]]))}
        : config
      const checked = schema.safeParse(subject)
      if (!checked.success) {
        throw new McpctlError('error', `Refusing to write an invalid config (${describeIssue(checked.error.issues[0], subject)}); nothing was written.`, {
          hint: 'This is a bug in mcpctl; please report it.',
        })
      }

      // What is written is what was validated: the checked integrations as zod returned them, the rest as loaded.
      const validated = limited ? {...config, integrations: {...config.integrations, ...checked.data.integrations}} : checked.data

      const writes = [...pending].filter((entry): entry is [string, Record<string, ToolDefinition>] => entry[1] !== null)
      const deletes = [...pending].filter(([, definitions]) => definitions === null).map(([integration]) => integration)

      // Definitions first and deletions last: the config is the commit point, and a crash in between leaves at worst
      // an orphaned or newer definitions file, never a config that points at definitions that are gone.
      if (writes.length > 0) await ensurePrivateDir(this.definitionsDir)
      lock.assertHeld()
      await Promise.all(writes.map(([integration, definitions]) => writePrivateFile(this.definitionsFile(integration), `${JSON.stringify(definitions)}\n`)))
      lock.assertHeld()
      // Compact on purpose: with 20,000 tools, indentation costs parse and write time on every command.
      const content = Buffer.from(`${JSON.stringify(validated)}\n`)
      await writePrivateFile(this.file, content)
      await writePrivateFile(this.validatedDigestFile, validatedDigest(content))
      await Promise.all(deletes.map((integration) => unlink(this.definitionsFile(integration)).catch(ignoreMissing)))
      return result
    })
  }
}

function statOrUndefined(file: string): BigIntStats | undefined {
  try {
    return statSync(file, {bigint: true, throwIfNoEntry: false})
  } catch {
    // Unreadable: the read that follows names the problem.
    return undefined
  }
}

/** Every write replaces the file (write-file-atomic renames a new one over it), so the inode alone changes each time; the rest guards hand edits. */
const fileIdentity = (stats: BigIntStats | undefined) =>
  stats ? `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}` : 'missing'

function validatedDigest(content: Buffer): string {
  return `${SCHEMA_REVISION}:${createHash('sha256').update(content).digest('hex')}`
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
}

async function parseConfig(file: string, content: Buffer): Promise<Config> {
  const parsed = parseJson(content.toString('utf8'))
  if (!parsed.ok) throw await corruptFileError('config file', file, content, parsed.problem)
  if (!isPlainObject(parsed.value)) throw await corruptFileError('config file', file, content, 'does not hold a JSON object')

  const {version} = parsed.value
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw await corruptFileError('config file', file, content, 'has no valid version field')
  }

  if (version > STORE_VERSION) {
    throw await corruptFileError(
      'config file',
      file,
      content,
      `was written by a newer mcpctl (store version ${version}; this mcpctl reads up to ${STORE_VERSION})`,
      `Upgrade mcpctl, or move ${file} away to start from an empty store.`,
    )
  }

  let raw: RawConfig = parsed.value
  for (let from = version; from < STORE_VERSION; from++) {
    const migrate = MIGRATIONS[from]
    if (!migrate) throw new Error(`No config migration from version ${from}`)
    raw = migrate(raw)
  }

  const {Config: schema} = await import('./schema.js')
  const result = schema.safeParse(raw)
  if (!result.success) {
    throw await corruptFileError('config file', file, content, `does not match mcpctl's format (${describeIssue(result.error.issues[0], raw)})`)
  }

  return result.data
}
