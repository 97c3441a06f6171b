// Agents for gateway tests: the v2 SDK's real Client, speaking to a real `mcpctl gateway` process over stdio or HTTP,
// on the 2025 protocol or pinned to 2026-07-28, with or without the elicitation capability.
import {type ChildProcess, spawn} from 'node:child_process'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
import {StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {BIN} from './cli.js'

export type Era = '2025' | '2026'

export interface ElicitRequestSeen {
  message: string
  requestedSchema?: unknown
}

export interface AgentOptions {
  era?: Era
  /** Declare form elicitation and answer each request with this; without it, no elicitation capability. */
  elicit?: (request: ElicitRequestSeen) => Promise<{action: 'accept' | 'cancel' | 'decline'; content?: Record<string, unknown>}>
  /** Called on notifications/tools/list_changed. */
  onListChanged?: () => void
}

export interface Agent {
  client: Client
  /** The gateway's stderr so far (stdio only). */
  stderr(): string
  close(): Promise<void>
}

function newClient(options: AgentOptions): Client {
  const client = new Client(
    {name: 'gateway-test-agent', version: '9.9.9'},
    {
      capabilities: options.elicit ? {elicitation: {form: {}}} : {},
      ...(options.era === '2026' ? {versionNegotiation: {mode: {pin: '2026-07-28'}}} : {}),
      ...(options.onListChanged
        ? {listChanged: {tools: {autoRefresh: false, debounceMs: 0, onChanged: () => options.onListChanged!()}}}
        : {}),
    },
  )
  if (options.elicit) {
    const answer = options.elicit
    client.setRequestHandler('elicitation/create', async (request) => answer(request.params as ElicitRequestSeen) as never)
  }

  return client
}

/** Spawn `mcpctl gateway …args` as an agent would, and connect to it over stdio. */
export async function stdioAgent(env: Record<string, string | undefined>, args: string[] = [], options: AgentOptions = {}): Promise<Agent> {
  const client = newClient(options)
  const fullEnv: Record<string, string> = {}
  for (const [key, value] of Object.entries({...process.env, ...env})) if (value !== undefined) fullEnv[key] = value
  const transport = new StdioClientTransport({args: [BIN, 'gateway', ...args], command: process.execPath, env: fullEnv, stderr: 'pipe'})
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  await client.connect(transport)
  return {client, close: () => client.close(), stderr: () => stderr}
}

/** A running `mcpctl gateway --http` process. */
export interface HttpGateway {
  process: ChildProcess
  url: string
  stderr(): string
  close(): Promise<void>
}

/** Start `mcpctl gateway --http --json …args` and read the URL it prints. */
export async function startHttpGateway(env: Record<string, string | undefined>, args: string[] = []): Promise<HttpGateway> {
  const fullEnv: Record<string, string> = {}
  for (const [key, value] of Object.entries({...process.env, CI: 'true', ...env})) if (value !== undefined) fullEnv[key] = value
  const child = spawn(process.execPath, [BIN, 'gateway', '--http', '--json', ...args], {env: fullEnv, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const line = stdout.split('\n')[0]
      if (stdout.includes('\n')) resolve((JSON.parse(line) as {url: string}).url)
    })
    void exited.then(() => reject(new Error(`gateway exited before listening: ${stderr}`)))
  })
  return {
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
    process: child,
    stderr: () => stderr,
    url,
  }
}

/** Connect to an HTTP gateway with a bearer token (and optionally other headers). */
export async function httpAgent(url: string, token: string, options: AgentOptions & {headers?: Record<string, string>} = {}): Promise<Agent> {
  const client = newClient(options)
  const transport = new StreamableHTTPClientTransport(new URL(url), {requestInit: {headers: {authorization: `Bearer ${token}`, ...options.headers}}})
  await client.connect(transport)
  return {client, close: () => client.close(), stderr: () => ''}
}

/** The text of a tool result's first content block. */
export const textOf = (result: unknown) => ((result as {content?: {text?: string}[]}).content ?? [])[0]?.text ?? ''
