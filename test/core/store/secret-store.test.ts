import assert from 'node:assert/strict'
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {McpctlError} from '../../../src/core/errors.js'
import {type KeyringEntry, type KeyringFactory, SecretStore} from '../../../src/core/store/secret-store.js'

const SECRET = 'sk-live-PLANTED-value'
const modeOf = async (file: string) => (await stat(file)).mode & 0o777

const noLeak = (error: unknown) => {
  assert.ok(error instanceof McpctlError)
  const everything = `${error.message}\n${error.hint}\n${JSON.stringify(error.detail)}\n${String(error.cause)}`
  assert.equal(everything.includes(SECRET), false, everything)
  return error
}

/** Stand-in for the OS keyring service: an in-memory map, or one that never answers. */
function fakeKeyring(behaviour: 'forgetful' | 'hang' | 'works'): {calls: string[]; factory: KeyringFactory; signals: AbortSignal[]; values: Map<string, string>} {
  const values = new Map<string, string>()
  const calls: string[] = []
  const signals: AbortSignal[] = []
  const never = <T>(signal?: AbortSignal) => {
    if (signal) signals.push(signal)
    return new Promise<T>(() => {})
  }

  const factory: KeyringFactory = (service, account): KeyringEntry => {
    const key = `${service}/${account}`
    return {
      async deleteCredential(signal) {
        calls.push(`delete ${key}`)
        if (behaviour === 'hang') return never(signal)
        return values.delete(key)
      },
      async getPassword(signal) {
        calls.push(`get ${key}`)
        if (behaviour === 'hang') return never(signal)
        return values.get(key)
      },
      async setPassword(password, signal) {
        calls.push(`set ${key}`)
        if (behaviour === 'hang') return never(signal)
        if (behaviour === 'works') values.set(key, password)
      },
    }
  }

  return {calls, factory, signals, values}
}

describe('SecretStore', () => {
  let dir: string
  let secretsDir: string
  const saved: Record<string, string | undefined> = {}

  const setEnv = (name: string, value: string | undefined) => {
    if (!(name in saved)) saved[name] = process.env[name]
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mcpctl-secrets-'))
    secretsDir = path.join(dir, 'config')
    setEnv('MCPCTL_KEYRING', 'off')
  })

  afterEach(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
      delete saved[name]
    }

    await rm(dir, {force: true, recursive: true})
  })

  describe('without a keyring (MCPCTL_KEYRING=off)', () => {
    it('refuses to save without consent, pointing at --insecure-storage and --token-env', async () => {
      const store = new SecretStore(secretsDir)
      await assert.rejects(store.save('acme/1', SECRET, {allowFile: false}), (error: unknown) => {
        noLeak(error)
        const {hint, kind, message} = error as McpctlError
        assert.equal(kind, 'usage')
        assert.equal(message, 'No OS keyring is available to store the secret.')
        assert.match(hint ?? '', /--insecure-storage/)
        assert.match(hint ?? '', /--token-env VAR/)
        assert.ok(hint?.includes(secretsDir))
        return true
      })
      await assert.rejects(readdir(secretsDir), {code: 'ENOENT'})
    })

    it('saves to a 0600 file with consent, loads it, and removes it', async () => {
      const store = new SecretStore(secretsDir)
      const previous = process.umask(0)
      let saved: Awaited<ReturnType<SecretStore['save']>>
      try {
        saved = await store.save('acme/1', SECRET, {allowFile: true})
        await store.save('other/2', 'other-value', {allowFile: true})
      } finally {
        process.umask(previous)
      }

      assert.deepEqual(saved, {account: 'acme/1', kind: 'file'})
      assert.equal(await modeOf(store.file), 0o600)
      assert.equal(await modeOf(secretsDir), 0o700)
      assert.equal(await store.load(saved), SECRET)

      await store.remove(saved)
      assert.equal((await readFile(store.file, 'utf8')).includes(SECRET), false)
      assert.equal(await store.load({account: 'other/2', kind: 'file'}), 'other-value')
      await store.remove(saved)
    })

    it('tightens a loosened secrets file on rewrite', async () => {
      const store = new SecretStore(secretsDir)
      await store.save('a', 'one', {allowFile: true})
      await chmod(store.file, 0o644)
      await chmod(secretsDir, 0o755)
      await store.save('b', 'two', {allowFile: true})
      assert.equal(await modeOf(store.file), 0o600)
      assert.equal(await modeOf(secretsDir), 0o700)
    })

    it('repairs a secrets file others can read before reading it, and says so', async () => {
      const warnings: string[] = []
      const store = new SecretStore(secretsDir, {warn: (message) => warnings.push(message)})
      const ref = await store.save('acme/1', SECRET, {allowFile: true})
      assert.equal(warnings.length, 0)
      await chmod(store.file, 0o644)

      assert.equal(await store.load(ref), SECRET)
      assert.equal(await modeOf(store.file), 0o600)
      assert.equal(warnings.length, 1)
      assert.match(warnings[0], /secrets file .*secrets\.json could be read by other users \(mode 644\); mcpctl set it to 600\. .*rotate them/)
      assert.equal(warnings[0].includes(SECRET), false)
      await store.load(ref)
      assert.equal(warnings.length, 1, 'said once: the file is private now')
    })

    it('refuses a symlinked secrets file, for reads and writes, and leaves its target alone', async () => {
      const store = new SecretStore(secretsDir)
      await mkdir(secretsDir, {recursive: true})
      const target = path.join(dir, 'elsewhere.json')
      await writeFile(target, JSON.stringify({acme: SECRET}), {mode: 0o600})
      await symlink(target, store.file)
      for (const attempt of [() => store.load({account: 'acme', kind: 'file'}), () => store.save('x', 'y', {allowFile: true})]) {
        await assert.rejects(attempt(), (error: unknown) => {
          noLeak(error)
          assert.match((error as McpctlError).message, /secrets file .*secrets\.json is a symbolic link; mcpctl does not follow links/)
          return true
        })
      }

      assert.equal(await readFile(target, 'utf8'), JSON.stringify({acme: SECRET}))
    })

    it('keeps every secret saved concurrently', async () => {
      const stores = Array.from({length: 4}, () => new SecretStore(secretsDir))
      await Promise.all(Array.from({length: 40}, (_, i) => stores[i % 4].save(`acct-${i}`, `value-${i}`, {allowFile: true})))
      for (let i = 0; i < 40; i++) assert.equal(await stores[0].load({account: `acct-${i}`, kind: 'file'}), `value-${i}`)
    })

    it('treats an account named __proto__ as an ordinary key', async () => {
      const store = new SecretStore(secretsDir)
      await store.save('__proto__', SECRET, {allowFile: true})
      assert.equal(await store.load({account: '__proto__', kind: 'file'}), SECRET)
    })

    it('fails with an auth error, without the value, for a missing stored secret', async () => {
      const store = new SecretStore(secretsDir)
      await assert.rejects(store.load({account: 'gone', kind: 'file'}), (error: unknown) => {
        noLeak(error)
        assert.equal((error as McpctlError).kind, 'auth')
        assert.match((error as McpctlError).hint ?? '', /mcpctl connect/)
        return true
      })
      await store.save('present', SECRET, {allowFile: true})
      await assert.rejects(store.load({account: 'gone', kind: 'file'}), (error: unknown) => Boolean(noLeak(error)))
    })

    it('refuses keyring references with a clear error', async () => {
      const store = new SecretStore(secretsDir)
      await assert.rejects(store.load({account: 'acme', kind: 'keyring'}), /OS keyring, which is not available \(MCPCTL_KEYRING=off\)/)
      await assert.rejects(store.remove({account: 'acme', kind: 'keyring'}), McpctlError)
    })

    it('refuses a corrupt secrets file without quoting it, and leaves it alone', async () => {
      const store = new SecretStore(secretsDir)
      await mkdir(secretsDir, {recursive: true})
      await writeFile(store.file, `{"acme": "${SECRET}"`)
      const original = await readFile(store.file)
      for (const attempt of [() => store.load({account: 'acme', kind: 'file'}), () => store.save('x', 'y', {allowFile: true})]) {
        await assert.rejects(attempt(), (error: unknown) => {
          noLeak(error)
          assert.equal((error as McpctlError).kind, 'error')
          assert.match((error as McpctlError).message, /secrets file .*secrets\.json is not valid JSON/)
          return true
        })
      }

      assert.deepEqual(await readFile(store.file), original)
    })
  })

  describe('environment variable references', () => {
    it('loads the variable', async () => {
      setEnv('MCPCTL_TEST_TOKEN', SECRET)
      const store = new SecretStore(secretsDir)
      assert.equal(await store.load({kind: 'env', variable: 'MCPCTL_TEST_TOKEN'}), SECRET)
      await store.remove({kind: 'env', variable: 'MCPCTL_TEST_TOKEN'})
      assert.equal(process.env.MCPCTL_TEST_TOKEN, SECRET)
    })

    for (const value of [undefined, '']) {
      it(`fails with an auth error naming the variable when it is ${value === undefined ? 'unset' : 'empty'}`, async () => {
        setEnv('MCPCTL_TEST_TOKEN', value)
        await assert.rejects(new SecretStore(secretsDir).load({kind: 'env', variable: 'MCPCTL_TEST_TOKEN'}), (error: unknown) => {
          assert.ok(error instanceof McpctlError)
          assert.equal(error.kind, 'auth')
          assert.equal(error.message, 'Environment variable MCPCTL_TEST_TOKEN is not set')
          assert.ok(error.hint)
          return true
        })
      })
    }
  })

  describe('with a keyring', () => {
    beforeEach(() => {
      setEnv('MCPCTL_KEYRING', undefined)
    })

    it('saves to the keyring under the mcpctl service, verifies by reading back, loads and removes', async () => {
      const keyring = fakeKeyring('works')
      const store = new SecretStore(secretsDir, {keyring: keyring.factory})
      const ref = await store.save('acme/1', SECRET, {allowFile: false})
      assert.deepEqual(ref, {account: 'acme/1', kind: 'keyring'})
      assert.deepEqual(keyring.calls, ['set mcpctl/acme/1', 'get mcpctl/acme/1'])
      assert.equal(await store.load(ref), SECRET)
      await store.remove(ref)
      await store.remove(ref)
      await assert.rejects(store.load(ref), (error: unknown) => (noLeak(error) as McpctlError).kind === 'auth')
      await assert.rejects(readdir(secretsDir), {code: 'ENOENT'}, 'no file written')
    })

    it('treats a keyring that does not keep the secret as no keyring', async () => {
      const store = new SecretStore(secretsDir, {keyring: fakeKeyring('forgetful').factory})
      await assert.rejects(store.save('acme', SECRET, {allowFile: false}), (error: unknown) => (noLeak(error) as McpctlError).kind === 'usage')
      assert.deepEqual(await store.save('acme', SECRET, {allowFile: true}), {account: 'acme', kind: 'file'})
    })

    it('gives up on a hanging keyring after the timeout, aborting the call', async () => {
      const keyring = fakeKeyring('hang')
      const store = new SecretStore(secretsDir, {keyring: keyring.factory, keyringTimeoutMs: 100})
      // The fake never answers: without the timeout this would hang until mocha's own limit and fail.
      await assert.rejects(store.save('acme', SECRET, {allowFile: false}), (error: unknown) => {
        noLeak(error)
        assert.equal((error as McpctlError).kind, 'usage')
        assert.match(String((error as McpctlError).detail?.keyring), /no answer within 100 ms/)
        return true
      })
      assert.ok(keyring.signals.length > 0 && keyring.signals.every((signal) => signal.aborted))

      assert.deepEqual(await store.save('acme', SECRET, {allowFile: true}), {account: 'acme', kind: 'file'})
      await assert.rejects(store.load({account: 'acme', kind: 'keyring'}), /did not answer within 100 ms/)
    })

    it('takes its timeout from MCPCTL_KEYRING_TIMEOUT_MS', async () => {
      setEnv('MCPCTL_KEYRING_TIMEOUT_MS', '50')
      const store = new SecretStore(secretsDir, {keyring: fakeKeyring('hang').factory})
      await assert.rejects(store.load({account: 'acme', kind: 'keyring'}), /did not answer within 50 ms/)
    })

    it('still obeys MCPCTL_KEYRING=off', async () => {
      setEnv('MCPCTL_KEYRING', 'off')
      const keyring = fakeKeyring('works')
      const store = new SecretStore(secretsDir, {keyring: keyring.factory})
      assert.deepEqual(await store.save('acme', SECRET, {allowFile: true}), {account: 'acme', kind: 'file'})
      assert.deepEqual(keyring.calls, [])
    })

    it('does not try the OS keyring on Linux without a D-Bus session', async function () {
      if (process.platform !== 'linux') this.skip()
      setEnv('DBUS_SESSION_BUS_ADDRESS', undefined)
      const store = new SecretStore(secretsDir)
      assert.match(store.keyringUnavailableReason() ?? '', /D-Bus/)
      await assert.rejects(store.save('acme', SECRET, {allowFile: false}), (error: unknown) => (noLeak(error) as McpctlError).kind === 'usage')
    })
  })
})
