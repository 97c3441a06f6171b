// The audit log: whole lines from concurrent gateways, none lost across rotations, 0600, and what `mcpctl audit` reads.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {AUDIT_KEEP, type AuditEntry, AuditLog, auditLine} from '../../../src/core/store/audit-log.js'
import {cliSandbox} from '../../helpers/cli.js'

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')

describe('audit log', function () {
  this.timeout(120_000)
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mcpctl-audit-'))
  })
  afterEach(() => rmSync(dir, {force: true, recursive: true}))

  it('keeps every line from 4 processes appending at once while the file rotates', async () => {
    const workers = 4
    const lines = 150
    await Promise.all(
      Array.from(
        {length: workers},
        (_, worker) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'auditor.ts'), dir, String(worker), String(lines)], {stdio: 'inherit'})
            child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`auditor exited ${code}`))))
          }),
      ),
    )
    const entries: AuditEntry[] = []
    for await (const entry of new AuditLog(dir).entries()) entries.push(entry)
    const files = readdirSync(dir).filter((name) => name.startsWith('audit.log'))
    assert.ok(files.length > 1, 'it rotated')
    assert.ok(files.length <= AUDIT_KEEP + 1)
    // 600 lines of ~250 bytes fit in the kept files at this rotation size: none may be missing or torn.
    assert.equal(entries.length, workers * lines)
    assert.equal(new Set(entries.map((entry) => entry.gatewayName)).size, workers * lines)
    for (const name of files) assert.equal(statSync(path.join(dir, name)).mode & 0o777, 0o600, name)
  })

  it('writes to the live file after another gateway rotated it or someone removed it', async () => {
    const entry = (gatewayName: string): AuditEntry => ({argsDigest: 'sha256:x', decision: 'auto', durationMs: 1, gatewayName, outcome: 'ok', time: new Date().toISOString()})
    const names = (file: string) => readFileSync(path.join(dir, file), 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as AuditEntry).gatewayName)
    const kept = new AuditLog(dir)
    const other = new AuditLog(dir, {rotateBytes: 1})
    try {
      await kept.append(entry('first'))
      await other.append(entry('second'))
      await other.rotateIfLarge()
      await kept.append(entry('third'))
      assert.deepEqual(names('audit.log.1'), ['first', 'second'])
      assert.deepEqual(names('audit.log'), ['third'])

      rmSync(path.join(dir, 'audit.log'))
      await kept.append(entry('fourth'))
      assert.deepEqual(names('audit.log'), ['fourth'])
      assert.equal(statSync(path.join(dir, 'audit.log')).mode & 0o777, 0o600)
    } finally {
      kept.close()
      other.close()
    }
  })

  it('refuses an audit log that is a symbolic link, naming it', async () => {
    const elsewhere = path.join(dir, 'elsewhere')
    writeFileSync(elsewhere, '')
    symlinkSync(elsewhere, path.join(dir, 'audit.log'))
    const log = new AuditLog(dir)
    await assert.rejects(log.append({argsDigest: 'sha256:x', decision: 'auto', durationMs: 1, gatewayName: 'g', outcome: 'ok', time: new Date().toISOString()}), /audit log .*audit\.log is a symbolic link/)
    assert.equal(readFileSync(elsewhere, 'utf8'), '')
  })

  it('keeps a line under PIPE_BUF whatever a client calls itself', () => {
    const line = auditLine({argsDigest: 'sha256:x', client: {name: 'x'.repeat(100_000), version: 'y'.repeat(100_000)}, decision: 'auto', durationMs: 1, gatewayName: 'g'.repeat(100_000), outcome: 'ok', time: new Date().toISOString()})
    assert.ok(Buffer.byteLength(line) < 4096)
    assert.doesNotThrow(() => JSON.parse(line))
  })

  it('mcpctl audit filters by time, tool and decision', async () => {
    const sandbox = cliSandbox()
    try {
      const log = new AuditLog(sandbox.dir)
      const old = new Date(Date.now() - 3 * 3_600_000).toISOString()
      const now = new Date().toISOString()
      await log.append({argsDigest: 'sha256:a', decision: 'auto', durationMs: 3, gatewayName: 'hd__list', outcome: 'ok', time: old, tool: 'mcp:hd:list'})
      await log.append({argsDigest: 'sha256:b', decision: 'denied', durationMs: 4, gatewayName: 'hd__delete', outcome: 'not_called', time: now, tool: 'mcp:hd:delete'})
      await log.append({argsDigest: 'sha256:c', decision: 'auto', durationMs: 5, gatewayName: 'rmm__list', outcome: 'ok', time: now, tool: 'mcp:rmm:list'})
      const tools = async (args: string[]) => (await sandbox.run(['audit', '--json', ...args])).json<AuditEntry[]>().map((entry) => entry.tool)
      assert.deepEqual(await tools([]), ['mcp:hd:list', 'mcp:hd:delete', 'mcp:rmm:list'])
      assert.deepEqual(await tools(['--since', '1h']), ['mcp:hd:delete', 'mcp:rmm:list'])
      assert.deepEqual(await tools(['--tool', 'mcp:hd:*']), ['mcp:hd:list', 'mcp:hd:delete'])
      assert.deepEqual(await tools(['--decision', 'denied']), ['mcp:hd:delete'])
      assert.equal((await sandbox.run(['audit', '--since', 'yesterday-ish'])).code, 2)
    } finally {
      sandbox.cleanup()
    }
  })
})
