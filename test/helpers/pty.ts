// Runs the real CLI in a pseudo-terminal (node-pty), so prompts are exercised as a person would meet them.
import {spawn as spawnPty} from 'node-pty'

import {BIN} from './cli.js'

export interface PtySession {
  /** Everything the terminal showed so far. */
  output(): string
  /** Type text (use '\r' for Enter). */
  write(text: string): void
  /** Resolve once the screen output matches `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<void>
  /** Resolve with the exit code. */
  exit: Promise<number>
}

export function runInPty(args: string[], env: Record<string, string | undefined>): PtySession {
  const fullEnv: Record<string, string> = {}
  for (const [key, value] of Object.entries({...process.env, ...env})) {
    if (value !== undefined && key !== 'CI') fullEnv[key] = value
  }

  const term = spawnPty(process.execPath, [BIN, ...args], {cols: 160, env: fullEnv, rows: 40})
  let output = ''
  const waiters = new Set<() => void>()
  term.onData((data) => {
    output += data
    for (const check of waiters) check()
  })
  const exit = new Promise<number>((resolve) => term.onExit(({exitCode}) => resolve(exitCode)))

  return {
    exit,
    output: () => output,
    waitFor(pattern, timeoutMs = 15_000) {
      const matches = () => (typeof pattern === 'string' ? output.includes(pattern) : pattern.test(output))
      return new Promise((resolve, reject) => {
        if (matches()) return resolve()
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out waiting for ${pattern}; screen so far:\n${output}`))
        }, timeoutMs)
        const check = () => {
          if (!matches()) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve()
        }

        waiters.add(check)
        exit.then(() => setImmediate(check))
      })
    },
    write: (text) => term.write(text),
  }
}
