// Runs the real CLI (`bin/run.js`) as a child process, as CI would: CI=true, no terminal, a private store.
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  stdout: string
  /** stdout parsed as JSON (throws with the raw output when it is not JSON). */
  json<T = any>(): T
}

export interface CliOptions {
  /** Working directory (default: this process's). */
  cwd?: string
  env?: Record<string, string | undefined>
  input?: string
  timeoutMs?: number
}

/** A throw-away config dir and a `run` bound to it. Call `cleanup()` in `after`/`afterEach`. */
export function cliSandbox(baseEnv: Record<string, string | undefined> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mcpctl-test-'))
  const env = {MCPCTL_CONFIG_DIR: dir, MCPCTL_KEYRING: 'off', ...baseEnv}
  return {
    cleanup: () => rmSync(dir, {force: true, recursive: true}),
    dir,
    env,
    run: (args: string[], options: CliOptions = {}) => runCli(args, {...options, env: {...env, ...options.env}}),
    /** A store file's text (`config.json`, `secrets.json`), or '' when it does not exist (yet, or any more). */
    storeText: (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : ''),
  }
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {...process.env, CI: 'true', FORCE_COLOR: undefined, ...options.env}
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
    const child = spawn(process.execPath, [BIN, ...args], {cwd: options.cwd, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({
        code,
        json() {
          try {
            return JSON.parse(stdout)
          } catch {
            throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`)
          }
        },
        signal,
        stderr,
        stdout,
      })
    })
    // A CLI that refuses its input (too large) stops reading it: that is its answer, not the test's failure.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}
