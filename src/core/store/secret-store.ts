// Secrets: the OS keyring when one answers in time, else a 0600 file with the user's consent; never the config.
// No secret value ever reaches an error message, a cause or a detail here.
import path from 'node:path'

import {McpctlError} from '../errors.js'
import {corruptFileError, isPlainObject, parseJson} from './corrupt-file.js'
import {lockStaleMs, removeLeftoverTempFiles, withFileLock} from './file-lock.js'
import {ensurePrivateDir, tempFilePattern, writePrivateFile} from './private-file.js'
import type {SecretRef} from './schema.js'
import {readStoreFile} from './store-file.js'

export const KEYRING_SERVICE = 'mcpctl'
export const SECRETS_FILE_NAME = 'secrets.json'
export const DEFAULT_KEYRING_TIMEOUT_MS = 3000

/** The part of `@napi-rs/keyring`'s AsyncEntry we use; tests substitute a fake for the OS keyring service. */
export interface KeyringEntry {
  deleteCredential(signal?: AbortSignal): Promise<unknown>
  getPassword(signal?: AbortSignal): Promise<null | string | undefined>
  setPassword(password: string, signal?: AbortSignal): Promise<void>
}

export type KeyringFactory = (service: string, account: string) => KeyringEntry | Promise<KeyringEntry>

export type SecretStoreOptions = {
  /** Replaces the OS keyring (tests). The Linux D-Bus check applies only to the real one; `MCPCTL_KEYRING=off` to both. */
  keyring?: KeyringFactory
  /** Longest wait for the keyring per operation (default 3 s, or `MCPCTL_KEYRING_TIMEOUT_MS`). */
  keyringTimeoutMs?: number
  lockStaleMs?: number
  /** Told when the secrets file had to be repaired (loose permissions): the command shows it as a warning. */
  warn?: (message: string) => void
}

class KeyringTimeout extends Error {}

const osKeyring: KeyringFactory = async (service, account) => {
  // Loaded only when a secret is touched: a native module has no place on the start-up path.
  const {AsyncEntry} = await import('@napi-rs/keyring')
  return new AsyncEntry(service, account)
}

export class SecretStore {
  readonly dir: string
  private readonly keyring: KeyringFactory
  private readonly keyringIsOs: boolean
  private readonly staleMs: number
  private readonly timeoutOption?: number
  private readonly warn: (message: string) => void

  constructor(dir: string, options: SecretStoreOptions = {}) {
    this.dir = dir
    this.keyring = options.keyring ?? osKeyring
    this.keyringIsOs = options.keyring === undefined
    this.timeoutOption = options.keyringTimeoutMs
    this.staleMs = lockStaleMs(options.lockStaleMs)
    this.warn = options.warn ?? (() => {})
  }

  get file(): string {
    return path.join(this.dir, SECRETS_FILE_NAME)
  }

  /** Why there is no keyring to use, or undefined when one may be tried. */
  keyringUnavailableReason(): string | undefined {
    if (process.env.MCPCTL_KEYRING === 'off') return 'MCPCTL_KEYRING=off'
    // Without a Secret Service, @napi-rs/keyring silently uses the kernel keyring, which is gone after a reboot.
    if (this.keyringIsOs && process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS) {
      return 'no D-Bus session, so no Secret Service'
    }

    return undefined
  }

  /**
   * Fail now, before any network work or browser flow, when a secret will have to be stored and cannot be: no keyring
   * (known without trying) and no consent to the file. A keyring that may be tried is tried by `save`.
   */
  assertCanStore(options: {allowFile: boolean}): void {
    const reason = this.keyringUnavailableReason()
    if (reason !== undefined && !options.allowFile) throw this.noKeyring(reason)
  }

  private noKeyring(reason: string): McpctlError {
    return new McpctlError('usage', 'No OS keyring is available to store the secret.', {
      detail: {keyring: reason},
      hint: `Re-run with --insecure-storage to keep it in a 0600 file under ${this.dir}, or use --token-env VAR to reference an environment variable.`,
    })
  }

  /** Save a secret under `account`. Keyring first; without one, the 0600 file only when `allowFile` (--insecure-storage). */
  async save(account: string, value: string, options: {allowFile: boolean}): Promise<SecretRef> {
    let reason = this.keyringUnavailableReason()
    if (reason === undefined) {
      reason = await this.saveToKeyring(account, value)
      if (reason === undefined) return {account, kind: 'keyring'}
    }

    if (!options.allowFile) throw this.noKeyring(reason)

    await this.changeFile((secrets) => {
      secrets.set(account, value)
      return true
    })
    return {account, kind: 'file'}
  }

  /**
   * The secret's value. An `env` reference reads the variable and fails with an auth error naming it when unset (and,
   * for a stored connection, the `connect` command that stores a credential instead).
   */
  async load(ref: SecretRef, connection?: string): Promise<string> {
    switch (ref.kind) {
      case 'env': {
        const value = process.env[ref.variable]
        if (value === undefined || value === '') {
          throw new McpctlError('auth', `Environment variable ${ref.variable} is not set`, {
            hint:
              connection === undefined
                ? `Set ${ref.variable} to the credential, then run the command again.`
                : `Set ${ref.variable} to the credential before running mcpctl, or store one with \`mcpctl connect ${connection}\`.`,
          })
        }

        return value
      }

      case 'file': {
        const value = (await this.readFile()).get(ref.account)
        if (value === undefined) throw missingSecret(ref.account, `not in ${this.file}`)
        return value
      }

      case 'keyring': {
        const entry = await this.keyringEntryFor(ref.account, 'read')
        let value: null | string | undefined
        try {
          value = await this.bounded((signal) => entry.getPassword(signal))
        } catch (error) {
          if (!isNoEntry(error)) throw keyringFailure('read', error, this.timeoutMs())
        }

        if (value === undefined || value === null) throw missingSecret(ref.account, 'not in the OS keyring')
        return value
      }
    }
  }

  /** Remove a stored secret (no-op for `env` references and for secrets already gone). */
  async remove(ref: SecretRef): Promise<void> {
    switch (ref.kind) {
      case 'env': {
        return
      }

      case 'file': {
        await this.changeFile((secrets) => secrets.delete(ref.account))
        return
      }

      case 'keyring': {
        const entry = await this.keyringEntryFor(ref.account, 'remove')
        try {
          await this.bounded((signal) => entry.deleteCredential(signal))
        } catch (error) {
          if (!isNoEntry(error)) throw keyringFailure('remove', error, this.timeoutMs())
        }
      }
    }
  }

  private timeoutMs(): number {
    const fromEnv = Number(process.env.MCPCTL_KEYRING_TIMEOUT_MS)
    return this.timeoutOption ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_KEYRING_TIMEOUT_MS)
  }

  /** A keyring that hangs (locked, a prompt nobody sees, a dead D-Bus peer) must not hang mcpctl. */
  private async bounded<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ms = this.timeoutMs()
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort()
        reject(new KeyringTimeout(`no answer within ${ms} ms`))
      }, ms)
    })
    try {
      return await Promise.race([work(controller.signal), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Undefined when saved and read back intact; otherwise why the keyring cannot be used. */
  private async saveToKeyring(account: string, value: string): Promise<string | undefined> {
    try {
      return await this.bounded(async (signal) => {
        const entry = await this.keyring(KEYRING_SERVICE, account)
        await entry.setPassword(value, signal)
        // Some back ends accept a write and keep nothing; only a read-back proves the secret is there.
        if ((await entry.getPassword(signal)) === value) return undefined
        await entry.deleteCredential(signal).catch(() => {})
        return 'the keyring did not keep the secret'
      })
    } catch (error) {
      return error instanceof KeyringTimeout ? `the keyring gave ${error.message}` : 'the keyring refused the secret'
    }
  }

  private async keyringEntryFor(account: string, action: 'read' | 'remove'): Promise<KeyringEntry> {
    const reason = this.keyringUnavailableReason()
    if (reason !== undefined) {
      throw new McpctlError('error', `Cannot ${action} the secret ${account}: it is in the OS keyring, which is not available (${reason}).`, {
        hint:
          reason === 'MCPCTL_KEYRING=off'
            ? 'Unset MCPCTL_KEYRING, or reconnect with `mcpctl connect <name>` and --insecure-storage or --token-env VAR.'
            : 'Run mcpctl in a desktop session with a keyring, or reconnect with `mcpctl connect <name>` and --insecure-storage or --token-env VAR.',
      })
    }

    try {
      return await this.keyring(KEYRING_SERVICE, account)
    } catch (error) {
      throw keyringFailure(action, error, this.timeoutMs())
    }
  }

  private async readFile(): Promise<Map<string, string>> {
    const remedy = `Fix or move ${this.file}; connections whose secrets it held then need \`mcpctl connect <name>\`.`
    const content = await readStoreFile(this.file, 'secrets file', {remedy, secret: {onRepaired: this.warn}})
    if (content === undefined) return new Map()
    const parsed = parseJson(content.toString('utf8'))
    let problem = parsed.ok ? undefined : parsed.problem
    if (parsed.ok) {
      if (!isPlainObject(parsed.value)) problem = 'does not hold a JSON object'
      else if (Object.values(parsed.value).some((value) => typeof value !== 'string')) problem = 'holds a value that is not a string'
    }

    if (problem !== undefined || !parsed.ok) {
      throw await corruptFileError('secrets file', this.file, content, problem ?? 'is unreadable', remedy)
    }

    // A Map, because an account named `__proto__` assigned into a plain object would change its prototype instead.
    return new Map(Object.entries(parsed.value as Record<string, string>))
  }

  /** Same discipline as the config: lock → re-read → change → atomic 0600 write, since parallel processes save secrets too. */
  private async changeFile(change: (secrets: Map<string, string>) => boolean): Promise<void> {
    await ensurePrivateDir(this.dir)
    await withFileLock(this.file, this.staleMs, async (lock) => {
      await removeLeftoverTempFiles(this.dir, tempFilePattern(SECRETS_FILE_NAME))
      const secrets = await this.readFile()
      if (!change(secrets)) return
      lock.assertHeld()
      await writePrivateFile(this.file, `${JSON.stringify(Object.fromEntries(secrets))}\n`)
    })
  }
}

function isNoEntry(error: unknown): boolean {
  return error instanceof Error && !(error instanceof KeyringTimeout) && /no (matching )?entry|not found/i.test(error.message)
}

function missingSecret(account: string, where: string): McpctlError {
  return new McpctlError('auth', `The stored secret ${account} is missing (${where}).`, {
    hint: 'Re-authorize the connection that uses it with `mcpctl connect <name>`.',
  })
}

function keyringFailure(action: 'read' | 'remove', error: unknown, timeoutMs: number): McpctlError {
  const what = error instanceof KeyringTimeout ? `did not answer within ${timeoutMs} ms` : 'reported an error'
  return new McpctlError('error', `The OS keyring ${what}; could not ${action} the secret.`, {
    hint: 'Unlock the keyring and try again, or raise MCPCTL_KEYRING_TIMEOUT_MS.',
  })
}
