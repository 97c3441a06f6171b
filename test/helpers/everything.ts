// The reference MCP server (@modelcontextprotocol/server-everything) as a child process: a real peer not built by us.
import {type ChildProcess, spawn} from 'node:child_process'
import {createRequire} from 'node:module'
import path from 'node:path'

import {freePort} from './free-port.js'

/** A running server-everything. Plain http on loopback: clients need `allowHttp`. */
export interface EverythingServer {
  /** Its streamable HTTP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string
  /** Kill the process and wait for it to exit. */
  close(): Promise<void>
}

const entry = () => {
  const require = createRequire(import.meta.url)
  return path.join(path.dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js')
}

/** Start server-everything's streamable HTTP transport on a free port and wait (up to `timeoutMs`) until it answers. */
export async function startEverythingServer(options: {timeoutMs?: number} = {}): Promise<EverythingServer> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000)
  // A port can be taken between freePort() and the child's listen(): try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const child = spawn(process.execPath, [entry(), 'streamableHttp'], {
      env: {...process.env, PORT: String(port)},
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000)
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const url = `http://127.0.0.1:${port}/mcp`
    const ready = await waitUntilAnswering(url, deadline, exited)
    if (ready) return {close: () => stop(child, exited), url}
    await stop(child, exited)
    if (attempt >= 3 || Date.now() >= deadline) {
      throw new Error(`server-everything did not start on port ${port}: ${stderr.trim() || 'no output'}`)
    }
  }
}

// Any HTTP answer means it is listening (GET without a session is a 400); connection refused means not yet.
async function waitUntilAnswering(url: string, deadline: number, exited: Promise<number | null>): Promise<boolean> {
  let gone = false
  void exited.then(() => {
    gone = true
  })
  while (!gone && Date.now() < deadline) {
    try {
      const response = await fetch(url, {signal: AbortSignal.timeout(1000)})
      await response.body?.cancel()
      return true
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return false
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}
