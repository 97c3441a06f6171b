import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {McpctlError} from '../../../src/core/errors.js'
import {ConfigStore, definitionsFileName} from '../../../src/core/store/config-store.js'
import {type Config, emptyConfig, STORE_VERSION} from '../../../src/core/store/schema.js'
import {MAX_STORE_FILE_BYTES} from '../../../src/core/store/store-file.js'
import {integration, tool} from './fixtures/build.js'

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')
const PLANTED = 'sk-live-PLANTED'

const modeOf = async (file: string) => (await stat(file)).mode & 0o777

async function withUmask<T>(mask: number, work: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask)
  try {
    return await work()
  } finally {
    process.umask(previous)
  }
}

/** Run a fixture script in a child node process; resolves with its exit code and stdout. */
function runFixture(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, script), ...args], {
    env: {...process.env, ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<{code: null | number; signal: NodeJS.Signals | null; stderr: string}>((resolve) => {
    child.on('exit', (code, signal) => resolve({code, signal, stderr}))
  })
  return {child, exited}
}

const leftovers = async (dir: string) => (await readdir(dir)).filter((name) => /\.json\.\d+$/.test(name))

describe('ConfigStore', () => {
  let dir: string
  let store: ConfigStore

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mcpctl-store-'))
    store = new ConfigStore(path.join(dir, 'config'))
  })

  afterEach(async () => {
    await rm(dir, {force: true, recursive: true})
  })

  describe('read and update', () => {
    it('returns an empty config when the directory does not exist', async () => {
      assert.deepEqual(await store.read(), emptyConfig())
      assert.deepEqual(await store.readDefinitions('acme'), {})
    })

    it('migrates a version 1 store: no rules yet, and a person\'s policy becomes their choice', async () => {
      const v1 = integration('acme', 2)
      v1.tools.tool_0.policy = {permission: 'disabled', reason: 'set by user', source: 'user', updatedAt: '2026-01-02T00:00:00.000Z'}
      delete (v1.tools.tool_0 as {choice?: unknown}).choice
      await mkdir(store.dir, {recursive: true})
      await writeFile(store.file, JSON.stringify({integrations: {acme: v1}, version: 1}), {mode: 0o600})
      const read = await store.read()
      assert.equal(read.version, STORE_VERSION)
      assert.deepEqual(read.rules, [])
      assert.deepEqual(read.integrations.acme.tools.tool_0.choice, {permission: 'disabled', reason: 'set by user', updatedAt: '2026-01-02T00:00:00.000Z'})
      assert.equal(read.integrations.acme.tools.tool_0.policy.permission, 'disabled')
      assert.equal(read.integrations.acme.tools.tool_1.choice, undefined)
      await store.update(() => {})
      assert.equal(JSON.parse(await readFile(store.file, 'utf8')).version, STORE_VERSION)
    })

    it('round-trips a config and returns the change value', async () => {
      const value = await store.update((config) => {
        config.integrations.acme = integration('acme', 3)
        return 'done'
      })
      assert.equal(value, 'done')
      const read = await store.read()
      assert.deepEqual(read.integrations.acme, integration('acme', 3))
      assert.equal(Object.keys(read.integrations.acme.tools).length, 3)

      await store.update(async (config) => {
        config.integrations.acme.tools.tool_0.policy.permission = 'disabled'
      })
      assert.equal((await store.read()).integrations.acme.tools.tool_0.policy.permission, 'disabled')
    })

    it('writes compact JSON', async () => {
      await store.update((config) => {
        config.integrations.acme = integration('acme', 1)
      })
      const text = await readFile(store.file, 'utf8')
      assert.equal(text.trimEnd().includes('\n'), false)
      assert.deepEqual(JSON.parse(text), await store.read())
    })

    it('writes nothing when the change throws', async () => {
      await store.update((config) => {
        config.integrations.acme = integration('acme', 1)
      })
      const before = await readFile(store.file)
      await assert.rejects(
        store.update((config, tx) => {
          config.integrations.other = integration('other')
          tx.setDefinitions('other', {t: {name: 't'}})
          throw new Error('boom')
        }),
        /boom/,
      )
      assert.deepEqual(await readFile(store.file), before)
      assert.deepEqual(await store.readDefinitions('other'), {})
    })

    it('refuses to write a config that fails the schema', async () => {
      await store.update((config) => {
        config.integrations.acme = integration('acme', 1)
      })
      const before = await readFile(store.file)
      await assert.rejects(
        store.update((config) => {
          ;(config.integrations.acme.tools.tool_0.policy as {permission: string}).permission = 'yolo'
        }),
        (error: unknown) => {
          assert.ok(error instanceof McpctlError)
          assert.match(error.message, /integrations\.acme\.tools\.tool_0\.policy\.permission: invalid value/)
          return true
        },
      )
      assert.deepEqual(await readFile(store.file), before)
    })

    it('fails instead of hanging on an update nested inside an update', async () => {
      await assert.rejects(
        store.update(() => store.update(() => {})),
        /would deadlock/,
      )
      await store.update(() => {})
    })

    it('keeps every change from many concurrent updates in one process', async () => {
      await Promise.all(
        Array.from({length: 40}, (_, i) =>
          store.update((config) => {
            config.integrations[`n${i}`] = integration(`n${i}`)
          }),
        ),
      )
      assert.equal(Object.keys((await store.read()).integrations).length, 40)
    })
  })

  describe('definitions', () => {
    it('stores, stages, reads and deletes definitions through the transaction', async () => {
      const definitions = {get_x: {description: 'Gets x', inputSchema: {type: 'object'}, name: 'get_x'}}
      await store.update(async (config, tx) => {
        config.integrations.acme = integration('acme')
        assert.deepEqual(await tx.definitions('acme'), {})
        tx.setDefinitions('acme', definitions)
        assert.deepEqual(await tx.definitions('acme'), definitions)
      })
      assert.deepEqual(await store.readDefinitions('acme'), definitions)
      assert.equal(await modeOf(store.definitionsFile('acme')), 0o600)
      assert.equal(await modeOf(store.definitionsDir), 0o700)

      await store.update(async (config, tx) => {
        assert.deepEqual(await tx.definitions('acme'), definitions)
        delete config.integrations.acme
        tx.deleteDefinitions('acme')
        assert.deepEqual(await tx.definitions('acme'), {})
      })
      assert.deepEqual(await store.readDefinitions('acme'), {})
      assert.deepEqual(await readdir(store.definitionsDir), [])
    })

    it('keeps hostile or case-differing integration names inside the definitions directory', async () => {
      for (const name of ['../../escape', 'Acme', 'acme', '..', 'a/b\\c', 'x.json.123']) {
        const file = store.definitionsFile(name)
        assert.equal(path.dirname(file), store.definitionsDir, name)
      }

      assert.notEqual(definitionsFileName('Acme'), definitionsFileName('acme'))
      await store.update((_config, tx) => {
        tx.setDefinitions('../../escape', {t: {name: 't'}})
      })
      assert.deepEqual(await store.readDefinitions('../../escape'), {t: {name: 't'}})
      assert.equal((await readdir(store.definitionsDir)).length, 1)
    })

    it('rejects use of a transaction after its update finished', async () => {
      let saved: Parameters<Parameters<ConfigStore['update']>[0]>[1] | undefined
      await store.update((_config, tx) => {
        saved = tx
      })
      assert.throws(() => saved!.setDefinitions('acme', {}), /after its update\(\) finished/)
    })
  })

  describe('file modes', () => {
    it('creates the directory 0700 and files 0600 with a umask of 0', async () => {
      await withUmask(0, () =>
        store.update((config, tx) => {
          config.integrations.acme = integration('acme')
          tx.setDefinitions('acme', {})
        }),
      )
      assert.equal(await modeOf(store.dir), 0o700)
      assert.equal(await modeOf(store.file), 0o600)
      assert.equal(await modeOf(store.definitionsDir), 0o700)
      assert.equal(await modeOf(store.definitionsFile('acme')), 0o600)
    })

    it('tightens a loosened directory and file on rewrite', async () => {
      await store.update((config) => {
        config.integrations.acme = integration('acme')
      })
      await chmod(store.dir, 0o755)
      await chmod(store.file, 0o644)
      await withUmask(0, () =>
        store.update((config) => {
          config.integrations.other = integration('other')
        }),
      )
      assert.equal(await modeOf(store.dir), 0o700)
      assert.equal(await modeOf(store.file), 0o600)
    })

    it('tightens a directory that already existed with a loose mode', async () => {
      await withUmask(0, () => mkdir(store.dir, {mode: 0o777}))
      await store.update(() => {})
      assert.equal(await modeOf(store.dir), 0o700)
    })
  })

  describe('a corrupt file', () => {
    const valid = (): Config => ({
      integrations: {
        acme: {...integration('acme'), tools: {x: tool('x', `Leaks ${PLANTED} if echoed`)}},
      },
      rules: [],
      version: STORE_VERSION,
    })

    const cases: Array<{content: () => string; name: string; problem: RegExp}> = [
      {content: () => '', name: 'an empty file', problem: /is empty/},
      {content: () => '   \n', name: 'a whitespace-only file', problem: /is empty/},
      {
        content: () => JSON.stringify(valid()).slice(0, JSON.stringify(valid()).indexOf(PLANTED) + PLANTED.length + 5),
        name: 'truncated JSON',
        problem: /is not valid JSON \(truncated or corrupt\)/,
      },
      {content: () => `${PLANTED} is not json`, name: 'text that is not JSON', problem: /is not valid JSON/},
      {content: () => `[${JSON.stringify(PLANTED)}]`, name: 'a JSON array', problem: /does not hold a JSON object/},
      {
        content() {
          const config = valid() as unknown as {integrations: {acme: {tools: {x: {policy: {permission: string}}}}}}
          config.integrations.acme.tools.x.policy.permission = PLANTED
          return JSON.stringify(config)
        },
        name: 'valid JSON with a bad permission value',
        problem: /does not match mcpctl's format \(integrations\.acme\.tools\.x\.policy\.permission: invalid value\)/,
      },
      {
        content() {
          const config = valid() as unknown as {integrations: {acme: {url?: string}}}
          delete config.integrations.acme.url
          return JSON.stringify(config)
        },
        name: 'valid JSON missing a required field',
        problem: /integrations\.acme\.url: missing/,
      },
      {
        content: () => JSON.stringify({...valid(), version: STORE_VERSION + 1}),
        name: 'a file from a newer mcpctl',
        problem: new RegExp(`written by a newer mcpctl \\(store version ${STORE_VERSION + 1}; this mcpctl reads up to ${STORE_VERSION}\\)`),
      },
      {content: () => JSON.stringify({...valid(), version: undefined}), name: 'a file without a version', problem: /has no valid version field/},
    ]

    for (const {content, name, problem} of cases) {
      it(`refuses ${name}: names path and problem, never the content, backs it up once, leaves it alone`, async () => {
        await mkdir(store.dir, {recursive: true})
        await writeFile(store.file, content(), {mode: 0o644})
        const original = await readFile(store.file)

        const check = (error: unknown) => {
          assert.ok(error instanceof McpctlError)
          assert.equal(error.kind, 'error')
          assert.ok(error.message.includes(store.file), error.message)
          assert.match(error.message, problem)
          const everything = `${error.message}\n${error.hint}\n${JSON.stringify(error.detail)}`
          assert.equal(everything.includes(PLANTED), false, everything)
          assert.match(error.hint ?? '', /Fix or move|Upgrade mcpctl/)
          assert.match(error.message, /A backup is at .*config\.json\.corrupt-/)
          return true
        }

        await assert.rejects(store.read(), check)
        await assert.rejects(store.read(), check)
        await assert.rejects(
          store.update((config) => {
            config.integrations.new = integration('new')
          }),
          check,
        )

        assert.deepEqual(await readFile(store.file), original)
        const backups = (await readdir(store.dir)).filter((file) => file.startsWith('config.json.corrupt-'))
        assert.equal(backups.length, 1, 'one backup, not one per command')
        const backup = path.join(store.dir, backups[0])
        assert.deepEqual(await readFile(backup), original)
        assert.equal(await modeOf(backup), 0o600)
      })
    }

    it('refuses a corrupt definitions file without quoting it', async () => {
      await mkdir(store.definitionsDir, {recursive: true})
      await writeFile(store.definitionsFile('acme'), `{"t": ${PLANTED}`)
      await assert.rejects(store.readDefinitions('acme'), (error: unknown) => {
        assert.ok(error instanceof McpctlError)
        assert.match(error.message, /tool definitions file .*acme\.json is not valid JSON/)
        assert.equal(`${error.message}${error.hint}`.includes(PLANTED), false)
        return true
      })
    })
  })

  describe('names that are Object.prototype properties', () => {
    it('keeps tools named __proto__ and constructor through a validated write and both ways of reading', async () => {
      await store.update((config) => {
        // fromEntries defines keys (assigning `__proto__` on a plain object would set its prototype instead).
        config.integrations.acme = {...integration('acme'), tools: Object.fromEntries(['__proto__', 'constructor', 'toString'].map((name) => [name, tool(name)]))}
      })
      const names = async () => Object.keys((await store.read()).integrations.acme.tools).sort()
      // Read back through the validated digest (plain JSON), then validated in full by the schema.
      assert.deepEqual(await names(), ['__proto__', 'constructor', 'toString'])
      await rm(store.validatedDigestFile)
      assert.deepEqual(await names(), ['__proto__', 'constructor', 'toString'])
    })
  })

  describe('what sits at the store paths', () => {
    const elsewhere = async () => {
      const target = path.join(dir, 'elsewhere.json')
      await writeFile(target, JSON.stringify({integrations: {acme: integration('acme')}, version: 1}))
      return {original: await readFile(target), target}
    }
    const isLink = (error: unknown) => {
      assert.ok(error instanceof McpctlError)
      assert.equal(error.kind, 'error')
      assert.match(error.message, /config\.json is a symbolic link; mcpctl does not follow links/)
      return true
    }

    it('refuses a symlinked config file on read and on write, and leaves its target alone', async () => {
      const {original, target} = await elsewhere()
      await mkdir(store.dir, {recursive: true})
      await symlink(target, store.file)
      await assert.rejects(store.read(), isLink)
      await assert.rejects(
        store.update((config) => {
          config.integrations.other = integration('other')
        }),
        isLink,
      )
      assert.deepEqual(await readFile(target), original)
    })

    it('refuses a dangling symlink instead of creating its target', async () => {
      await mkdir(store.dir, {recursive: true})
      const target = path.join(dir, 'planted.json')
      await symlink(target, store.file)
      await assert.rejects(store.update(() => {}), isLink)
      assert.equal(existsSync(target), false)
    })

    it('never writes tool definitions through a symlink', async () => {
      const {original, target} = await elsewhere()
      await mkdir(store.definitionsDir, {recursive: true})
      await symlink(target, store.definitionsFile('acme'))
      await assert.rejects(
        store.update((config, tx) => {
          config.integrations.acme = integration('acme')
          tx.setDefinitions('acme', {})
        }),
        /acme\.json is a symbolic link/,
      )
      assert.deepEqual(await readFile(target), original)
      assert.equal(existsSync(store.file), false, 'nothing was committed')
    })

    it('refuses a FIFO without blocking on it', async () => {
      await mkdir(store.dir, {recursive: true})
      execFileSync('mkfifo', [store.file])
      await assert.rejects(store.read(), /config\.json is not a regular file/)
    })

    it(`refuses a config file over ${MAX_STORE_FILE_BYTES / 1024 / 1024} MiB unread, naming the cap, with one backup`, async () => {
      await mkdir(store.dir, {recursive: true})
      // Sparse: the size is real, the disk blocks are not (and the file is never read).
      await writeFile(store.file, '{')
      await truncate(store.file, MAX_STORE_FILE_BYTES + 1)
      const check = (error: unknown) => {
        assert.ok(error instanceof McpctlError)
        assert.equal(error.kind, 'error')
        assert.match(error.message, /config file .*config\.json is larger than mcpctl reads \(64 MiB; at most 64 MiB\)\. mcpctl will not use or change it\. A backup is at /)
        return true
      }

      await assert.rejects(store.read(), check)
      await assert.rejects(store.read(), check)
      const backups = (await readdir(store.dir)).filter((file) => file.startsWith('config.json.corrupt-'))
      assert.equal(backups.length, 1, 'one backup, not one per command')
      assert.equal((await stat(path.join(store.dir, backups[0]))).size, MAX_STORE_FILE_BYTES + 1)
      assert.equal((await stat(store.file)).size, MAX_STORE_FILE_BYTES + 1, 'the original is untouched')
    })
  })

  describe('the validated digest', () => {
    it('skips nothing once the file differs from what was validated and written', async () => {
      await store.update((config) => {
        config.integrations.acme = {...integration('acme'), tools: {x: tool('x', 'fine')}}
      })
      assert.ok(existsSync(store.validatedDigestFile), 'a write records the digest of what it validated')
      const written = JSON.parse(readFileSync(store.file, 'utf8'))
      written.integrations.acme.tools.x.policy.permission = 'everything'
      writeFileSync(store.file, JSON.stringify(written))
      await assert.rejects(store.read(), /integrations\.acme\.tools\.x\.policy\.permission: invalid value/)
    })

    it('validates in full when the digest file is missing or from another schema revision', async () => {
      await store.update((config) => {
        config.integrations.acme = {...integration('acme'), tools: {x: tool('x', 'fine')}}
      })
      const raw = JSON.parse(readFileSync(store.file, 'utf8'))
      raw.integrations.acme.transport = 'carrier-pigeon'
      const content = JSON.stringify(raw)
      writeFileSync(store.file, content)
      // A digest that matches the content but names an older schema revision proves nothing.
      const digest = createHash('sha256').update(content).digest('hex')
      writeFileSync(store.validatedDigestFile, `0:${digest}`)
      await assert.rejects(store.read(), /integrations\.acme\.transport/)
      rmSync(store.validatedDigestFile)
      await assert.rejects(store.read(), /integrations\.acme\.transport/)
    })
  })

  describe('onlyChanged', () => {
    it('validates the integrations a change names, refusing an invalid one, and keeps the others as they were', async () => {
      await store.update((config) => {
        config.integrations.a = {...integration('a'), tools: {x: tool('x', 'fine')}}
        config.integrations.b = {...integration('b'), tools: {y: tool('y', 'fine')}}
      })
      await assert.rejects(
        store.update((config, tx) => {
          tx.onlyChanged(['a'])
          ;(config.integrations.a.tools.x.policy as {permission: string}).permission = 'sometimes'
        }),
        /Refusing to write an invalid config \(integrations\.a\.tools\.x\.policy\.permission/,
      )
      await store.update((config, tx) => {
        tx.onlyChanged(['a'])
        config.integrations.a.tools.x.policy.permission = 'disabled'
      })
      const after = await store.read()
      assert.equal(after.integrations.a.tools.x.policy.permission, 'disabled')
      assert.deepEqual(Object.keys(after.integrations).sort(), ['a', 'b'])
      assert.equal(after.integrations.b.tools.y.description, 'fine')
    })
  })

  describe('leftovers of killed writers', () => {
    it('reads past and cleans stale temp files on the next update', async () => {
      await store.update((config, tx) => {
        config.integrations.acme = integration('acme')
        tx.setDefinitions('acme', {})
      })
      await writeFile(path.join(store.dir, 'config.json.3735928559'), '{"version":1,"integ')
      await writeFile(path.join(store.definitionsDir, 'acme.json.12345'), '{')
      await writeFile(path.join(store.dir, 'config.json.corrupt-keep'), 'x')

      assert.ok((await store.read()).integrations.acme)
      await store.update(() => {})
      assert.deepEqual(await leftovers(store.dir), [])
      assert.deepEqual(await leftovers(store.definitionsDir), [])
      assert.ok((await readdir(store.dir)).includes('config.json.corrupt-keep'), 'backups are not temp files')
    })
  })

  describe('across processes', function () {
    this.timeout(120_000) // each process starts tsx; a loaded 2-core CI machine needs the margin

    it('keeps all 160 updates from 8 processes doing 20 each', async () => {
      const children = Array.from({length: 8}, (_, worker) => runFixture('updater.ts', [store.dir, String(worker), '20']))
      const results = await Promise.all(children.map(({exited}) => exited))
      for (const result of results) assert.equal(result.code, 0, result.stderr)

      const names = Object.keys((await store.read()).integrations)
      assert.equal(names.length, 160)
      for (let worker = 0; worker < 8; worker++) {
        for (let j = 0; j < 20; j++) assert.ok(names.includes(`p${worker}-${j}`), `p${worker}-${j}`)
      }

      assert.deepEqual(await leftovers(store.dir), [])
    })

    it('recovers from a writer killed with SIGKILL while holding the lock mid-write', async () => {
      const {child, exited} = runFixture('killed-writer.ts', [store.dir], {MCPCTL_LOCK_STALE_MS: '2000'})
      let stdout = ''
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          stdout += chunk
          if (stdout.includes('writing\n')) resolve()
        })
        exited.then((result) => reject(new Error(`writer exited early: ${result.stderr}`)), reject)
      })
      child.kill('SIGKILL')
      assert.equal((await exited).signal, 'SIGKILL')

      // The kill left what a real crash leaves: the lock directory and a written but never renamed temp file.
      assert.ok((await readdir(store.dir)).includes('config.json.lock'))
      assert.equal((await leftovers(store.dir)).length, 1)

      const before = await store.read()
      assert.equal(Object.keys(before.integrations.big.tools).length, 2005)

      const after = new ConfigStore(store.dir, {lockStaleMs: 2000})
      await after.update((config) => {
        config.integrations.later = integration('later')
      })
      const read = await store.read()
      assert.ok(read.integrations.later)
      assert.equal(Object.keys(read.integrations.big.tools).length, 2005)
      assert.deepEqual(await leftovers(store.dir), [])
      assert.equal((await readdir(store.dir)).includes('config.json.lock'), false)
    })
  })

  describe('scale', () => {
    // How fast is measured by `npm run bench`; this checks that 20,000 tools load and validate at all.
    it('reads a store of 20,000 tools', async () => {
      await store.update((config) => {
        for (let i = 0; i < 200; i++) config.integrations[`i${i}`] = integration(`i${i}`, 100, 80)
      })
      const config = await store.read()
      assert.equal(Object.keys(config.integrations).length, 200)
      assert.equal(Object.keys(config.integrations.i199.tools).length, 100)
    })
  })
})
