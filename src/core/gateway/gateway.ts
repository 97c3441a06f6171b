// The gateway's work for one call: admit it (permission read from the store now), have a person approve it when its
// permission says so, call it through the core's one call path on a pooled session, and audit it. Protocol-neutral:
// mcp-server.ts maps the MCP SDK's requests onto `call()` and its answers back.
import {createHash, randomBytes} from 'node:crypto'

import {McpctlError} from '../errors.js'
import type {Context} from '../integrations.js'
import {printable} from '../net/untrusted.js'
import type {PatternSet} from '../policy/pattern.js'
import type {ConnectionPool} from '../sources/connection-pool.js'
import type {ElicitationHandler} from '../sources/source.js'
import type {AuditDecision, AuditEntry, AuditLog, AuditOutcome} from '../store/audit-log.js'
import {callTool} from '../tool-call.js'
import {canonicalJson} from '../tool-record.js'
import {admit} from './admission.js'
import type {ApprovalQueue, PendingApproval} from './approval-queue.js'
import {ToolViews} from './tool-view.js'

export const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000
export const DEFAULT_CALL_TIMEOUT_MS = 60_000
/** Progress notifications while a call waits for a person (when the client sent a progressToken). */
export const APPROVAL_PROGRESS_MS = 5000

/** `auto`: ask in the agent's client when it declared form elicitation, else wait for `mcpctl approvals`; `cli`: always the latter. */
export type ApprovalMode = 'auto' | 'cli'

export interface GatewayOptions {
  approvalTimeoutMs?: number
  approvals?: ApprovalMode
  audit: AuditLog
  callTimeoutMs?: number
  ctx: Context
  pool: ConnectionPool
  queue: ApprovalQueue
  scope?: PatternSet
  /** Things a person running the gateway should know (a call waits for approval); never sent to the agent. */
  notice?: (message: string) => void
}

/** `elicitation/create` params: the gateway's own approval form, or an upstream's request passed through as it came. */
export interface ElicitParams {
  [key: string]: unknown
  message: string
  mode?: string
  requestedSchema?: {properties: Record<string, Record<string, unknown>>; required?: string[]; type: 'object'}
}

export interface ElicitAnswer {
  action: 'accept' | 'cancel' | 'decline'
  content?: Record<string, unknown>
}

/** The approval (or continuation) a 2026 `requestState` carries; HMAC-protected by the serving layer. */
export interface GatewayState {
  argsDigest: string
  /** Expiry, ms since the epoch (checked here, so an expired approval is audited as a timeout). */
  exp: number
  kind: 'approval' | 'continue'
  /** Single use: a state is honoured once. */
  nonce: string
  permission: string
  tool: string
}

/** How the gateway reaches the person through the agent's client, when that client declared form elicitation. */
export type ClientChannel =
  /** 2025-era session: server-to-client `elicitation/create`, answered while the call waits. */
  | {elicit(params: ElicitParams, options: {signal: AbortSignal; timeoutMs: number}): Promise<ElicitAnswer>; kind: 'push'}
  /** 2026-07-28: return `input_required`; the client retries with `inputResponses` and the state. */
  | {kind: 'rounds'; responses?: Record<string, unknown>; state?: GatewayState}

export interface GatewayCall {
  args: Record<string, unknown>
  /** Undefined when the client cannot elicit (or did not declare form elicitation). */
  channel?: ClientChannel
  client?: {name?: string; version?: string}
  /** The gateway name the client called. */
  name: string
  /** Progress toward the client's request, when it asked for progress. */
  progress?: (progress: number, total: number | undefined, message: string) => void
  signal: AbortSignal
}

export interface CallToolAnswer {
  content: unknown[]
  isError?: boolean
  structuredContent?: unknown
}

export type GatewayAnswer =
  | {kind: 'input_required'; inputRequests: Record<string, {method: 'elicitation/create'; params: ElicitParams}>; state: GatewayState}
  | {kind: 'result'; result: CallToolAnswer}

const APPROVAL_KEY = 'approval'
const UPSTREAM_KEY = 'upstream'

/** `sha256:<hex>` of the canonical JSON of the arguments: what an approval is bound to and what the audit records. */
export const argsDigest = (args: Record<string, unknown>) => `sha256:${createHash('sha256').update(canonicalJson(args)).digest('hex')}`

const refusal = (text: string): CallToolAnswer => ({content: [{text, type: 'text'}], isError: true})

/** A call suspended on its upstream's own elicitation (2026 clients answer it in a later round). */
interface Continuation {
  answer: (response: ElicitAnswer) => void
  audit: Omit<AuditEntry, 'durationMs' | 'outcome' | 'time'>
  expires: number
  next: Promise<Step>
}

type Step = {kind: 'done'; outcome: {result: CallToolAnswer; outcome: AuditOutcome; reason?: string}} | {continuation: Continuation; kind: 'elicit'; params: ElicitParams}

export class Gateway {
  readonly views: ToolViews
  private readonly approvalTimeoutMs: number
  private readonly callTimeoutMs: number
  private readonly continuations = new Map<string, Continuation>()
  private readonly usedNonces = new Map<string, number>()

  constructor(private readonly options: GatewayOptions) {
    this.views = new ToolViews(options.ctx.store, options.scope)
    this.approvalTimeoutMs = options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS
  }

  async close(): Promise<void> {
    for (const continuation of this.continuations.values()) continuation.answer({action: 'cancel'})
    this.continuations.clear()
    await this.options.pool.close()
    this.options.audit.close()
  }

  async call(call: GatewayCall): Promise<GatewayAnswer> {
    const started = Date.now()
    const digest = argsDigest(call.args)
    const base = {argsDigest: digest, client: call.client, gatewayName: call.name}
    const finish = async (entry: Omit<AuditEntry, 'durationMs' | 'time'>, result: CallToolAnswer): Promise<GatewayAnswer> => {
      await this.audit({...entry, durationMs: Date.now() - started, time: new Date(started).toISOString()})
      return {kind: 'result', result}
    }

    // A 2026 client answering the upstream's own question: resume the suspended call.
    const state = call.channel?.kind === 'rounds' ? call.channel.state : undefined
    if (state?.kind === 'continue') return this.resume(call, state, digest)

    let view
    try {
      view = await this.views.current()
    } catch (error) {
      return finish({...base, decision: 'error', outcome: 'not_called', reason: reasonOf(error)}, refusal('mcpctl cannot read its configuration; the call was not made.'))
    }

    const qualified = view.qualifiedByName.get(call.name)
    const admission = qualified ? admit(view.config, this.options.scope, qualified) : ({allowed: false, reason: 'unknown_tool'} as const)
    if (!admission.allowed) {
      // One answer for disabled, out of scope and unknown: the agent learns nothing about what exists.
      return finish({...base, decision: 'disabled', outcome: 'not_called', reason: admission.reason, tool: qualified}, refusal(`Tool "${call.name}" is not available.`))
    }

    const audit = {...base, connection: admission.connection, permission: admission.permission, tool: admission.qualified}
    let decision: AuditDecision = 'auto'
    let approval: AuditEntry['approval']
    if (admission.permission === 'approval_needed') {
      const mode = this.options.approvals === 'cli' || !call.channel ? 'cli' : 'elicitation'
      approval = mode
      const asked =
        mode === 'cli'
          ? await this.askCli(call, admission.qualified, admission.connection, digest)
          : await this.askClient(call, call.channel!, admission.qualified, admission.connection, digest)
      if (asked.kind === 'input_required') return asked.answer
      decision = asked.decision
      if (decision !== 'approved') {
        const text = decision === 'timeout' ? `Nobody approved this call to ${call.name} in time; it was not made.` : `A person did not approve this call to ${call.name}; it was not made.`
        return finish({...audit, approval, decision, outcome: 'not_called', reason: asked.reason}, refusal(text))
      }

      // Bound to the permission at the time: read again, the approval holds only if the tool may still be called.
      const now = admit(await this.options.ctx.store.read(), this.options.scope, admission.qualified)
      if (!now.allowed) return finish({...audit, approval, decision: 'disabled', outcome: 'not_called', reason: now.reason}, refusal(`Tool "${call.name}" is not available.`))
    }

    const step = await this.forward(call, admission.qualified, started, {approval, decision, ...audit})
    return this.settle(step, call, digest)
  }

  /** A call's upstream step: finished (audit and answer) or waiting for the client's answer to the upstream's question. */
  private async settle(step: Step, call: GatewayCall, digest: string): Promise<GatewayAnswer> {
    if (step.kind === 'elicit') {
      const nonce = randomBytes(16).toString('base64url')
      this.continuations.set(nonce, step.continuation)
      this.sweep()
      const state: GatewayState = {argsDigest: digest, exp: step.continuation.expires, kind: 'continue', nonce, permission: step.continuation.audit.permission ?? '', tool: step.continuation.audit.tool ?? ''}
      return {inputRequests: {[UPSTREAM_KEY]: {method: 'elicitation/create', params: step.params}}, kind: 'input_required', state}
    }

    return {kind: 'result', result: step.outcome.result}
  }

  private async resume(call: GatewayCall, state: GatewayState, digest: string): Promise<GatewayAnswer> {
    const continuation = this.continuations.get(state.nonce)
    this.continuations.delete(state.nonce)
    if (!continuation || state.argsDigest !== digest || continuation.audit.gatewayName !== call.name || Date.now() > state.exp) {
      continuation?.answer({action: 'cancel'})
      await this.audit({argsDigest: digest, client: call.client, decision: 'error', durationMs: 0, gatewayName: call.name, outcome: 'not_called', reason: 'stale or mismatched requestState', time: new Date().toISOString()})
      return {kind: 'result', result: refusal('This answer does not belong to a call in progress; make the call again.')}
    }

    const responses = call.channel?.kind === 'rounds' ? call.channel.responses : undefined
    continuation.answer(elicitAnswerOf(responses?.[UPSTREAM_KEY]))
    return this.settle(await continuation.next, call, digest)
  }

  /**
   * Call upstream through the core's one call path. When the upstream asks its own question: a 2025 client is asked
   * at once (push); a 2026 client gets it as `input_required`, the upstream call staying suspended until the retry.
   */
  private async forward(call: GatewayCall, qualified: string, started: number, audit: Continuation['audit']): Promise<Step> {
    const channel = call.channel
    // The step the caller awaits now; replaced by the continuation's own step each time the upstream asks something.
    let raise!: (step: Step) => void
    const nextStep = () =>
      new Promise<Step>((resolve) => {
        raise = resolve
      })
    const first = nextStep()
    const elicit: ElicitationHandler | undefined =
      channel?.kind === 'push'
        ? (params, signal) => channel.elicit(params as ElicitParams, {signal, timeoutMs: this.approvalTimeoutMs}) as never
        : channel?.kind === 'rounds'
          ? (params) =>
              new Promise((resolve) => {
                const current = raise
                const continuation: Continuation = {
                  answer: (response) => resolve(response as never),
                  audit,
                  expires: Date.now() + this.approvalTimeoutMs,
                  next: nextStep(),
                }
                current({continuation, kind: 'elicit', params: params as ElicitParams})
              })
          : undefined

    void this.upstream(call, qualified, elicit).then(async (outcome) => {
      await this.audit({...audit, durationMs: Date.now() - started, outcome: outcome.outcome, reason: outcome.reason, time: new Date(started).toISOString()})
      raise({kind: 'done', outcome})
    })
    return first
  }

  private async upstream(call: GatewayCall, qualified: string, elicit: ElicitationHandler | undefined): Promise<{outcome: AuditOutcome; reason?: string; result: CallToolAnswer}> {
    try {
      const result = await callTool(
        this.options.ctx,
        {approved: true, args: call.args, name: qualified},
        {elicit, pool: this.options.pool, signal: call.signal, timeoutMs: this.callTimeoutMs},
      )
      const answer: CallToolAnswer = {content: result.content, ...(result.isError ? {isError: true} : {}), ...(result.structuredContent === undefined ? {} : {structuredContent: result.structuredContent})}
      return {outcome: result.isError ? 'tool_error' : 'ok', result: answer}
    } catch (error) {
      const reason = reasonOf(error)
      if (call.signal.aborted) return {outcome: 'upstream_error', reason: 'cancelled by the client', result: refusal('Cancelled.')}
      // The core refuses a tool that became disabled after admission; the agent hears the same as for any refusal.
      if (error instanceof McpctlError && (error.kind === 'usage' || error.kind === 'policy')) return {outcome: 'not_called', reason, result: refusal(`Tool "${call.name}" is not available.`)}
      return {outcome: 'upstream_error', reason, result: refusal(`${call.name} failed: ${reason}`)}
    }
  }

  /** In the client: a 2025 elicitation now, or a 2026 `input_required` round whose answer comes with the retry. */
  private async askClient(
    call: GatewayCall,
    channel: ClientChannel,
    qualified: string,
    connection: string,
    digest: string,
  ): Promise<{answer: GatewayAnswer; kind: 'input_required'} | {decision: AuditDecision; kind: 'decided'; reason?: string}> {
    const params = approvalRequest(qualified, connection, call.args)
    if (channel.kind === 'push') {
      try {
        const answer = await channel.elicit(params, {signal: call.signal, timeoutMs: this.approvalTimeoutMs})
        return {decision: approves(answer) ? 'approved' : 'denied', kind: 'decided', reason: approves(answer) ? undefined : `client answered ${answer.action}`}
      } catch (error) {
        if (isTimeout(error)) return {decision: 'timeout', kind: 'decided'}
        return {decision: 'denied', kind: 'decided', reason: `elicitation failed: ${reasonOf(error)}`}
      }
    }

    const {state} = channel
    if (!state) {
      const fresh: GatewayState = {argsDigest: digest, exp: Date.now() + this.approvalTimeoutMs, kind: 'approval', nonce: randomBytes(16).toString('base64url'), permission: 'approval_needed', tool: qualified}
      return {answer: {inputRequests: {[APPROVAL_KEY]: {method: 'elicitation/create', params}}, kind: 'input_required', state: fresh}, kind: 'input_required'}
    }

    // The state is authentic (HMAC checked before this runs); it must also be for this very call, unexpired and unused.
    if (state.kind !== 'approval' || state.tool !== qualified || state.argsDigest !== digest || state.permission !== 'approval_needed') {
      return {decision: 'denied', kind: 'decided', reason: 'requestState does not match the call'}
    }

    if (Date.now() > state.exp) return {decision: 'timeout', kind: 'decided'}
    this.sweep()
    if (this.usedNonces.has(state.nonce)) return {decision: 'denied', kind: 'decided', reason: 'requestState already used'}
    this.usedNonces.set(state.nonce, state.exp)
    const answer = elicitAnswerOf(channel.responses?.[APPROVAL_KEY])
    return {decision: approves(answer) ? 'approved' : 'denied', kind: 'decided', reason: approves(answer) ? undefined : `client answered ${answer.action}`}
  }

  /** Wait for `mcpctl approvals approve|deny` in another process, with progress to the client while it waits. */
  private async askCli(call: GatewayCall, qualified: string, connection: string, digest: string): Promise<{decision: AuditDecision; kind: 'decided'; reason?: string}> {
    const total = Math.round(this.approvalTimeoutMs / 1000)
    const message = 'Waiting for a person to approve this call'
    call.progress?.(0, total, message)
    let waited
    try {
      waited = await this.options.queue.wait(
        {args: call.args, argsDigest: digest, client: call.client, connection, gatewayName: call.name, permission: 'approval_needed', tool: qualified},
        {
          onQueued: (entry: PendingApproval) => this.options.notice?.(`Call ${entry.id} to ${qualified} is waiting for approval (mcpctl approvals list).`),
          signal: call.signal,
          tick: (ms) => call.progress?.(Math.round(ms / 1000), total, message),
          tickMs: APPROVAL_PROGRESS_MS,
          timeoutMs: this.approvalTimeoutMs,
        },
      )
    } catch (error) {
      return {decision: 'error', kind: 'decided', reason: reasonOf(error)}
    }

    switch (waited.outcome) {
      case 'approved': {
        return {decision: 'approved', kind: 'decided'}
      }

      case 'timeout': {
        return {decision: 'timeout', kind: 'decided'}
      }

      case 'cancelled': {
        return {decision: 'denied', kind: 'decided', reason: 'cancelled by the client'}
      }

      default: {
        return {decision: 'denied', kind: 'decided'}
      }
    }
  }

  private sweep(): void {
    const now = Date.now()
    for (const [nonce, exp] of this.usedNonces) if (exp < now) this.usedNonces.delete(nonce)
    for (const [nonce, continuation] of this.continuations) {
      if (continuation.expires < now) {
        this.continuations.delete(nonce)
        continuation.answer({action: 'cancel'})
      }
    }
  }

  private async audit(entry: AuditEntry): Promise<void> {
    // A full disk must not fail the call that already ran; the person hears of it.
    await this.options.audit.append(entry).catch((error: unknown) => this.options.notice?.(`Cannot write the audit log: ${reasonOf(error)}`))
  }
}

/** The elicitation that asks a person to approve one call: tool, connection and the arguments, compact and inert. */
export function approvalRequest(qualified: string, connection: string, args: Record<string, unknown>): ElicitParams {
  return {
    message: `Approve one call to ${qualified} (connection "${connection}") with these arguments: ${printable(JSON.stringify(args), 1000)}`,
    mode: 'form',
    requestedSchema: {
      properties: {approve: {default: false, description: 'Run this call once, with exactly these arguments.', title: 'Approve this call', type: 'boolean'}},
      required: ['approve'],
      type: 'object',
    },
  }
}

const approves = (answer: ElicitAnswer) => answer.action === 'accept' && answer.content?.approve === true

function elicitAnswerOf(value: unknown): ElicitAnswer {
  const action = (value as {action?: unknown})?.action
  if (action !== 'accept' && action !== 'decline' && action !== 'cancel') return {action: 'cancel'}
  const content = (value as {content?: unknown}).content
  return {action, ...(content && typeof content === 'object' && !Array.isArray(content) ? {content: content as Record<string, unknown>} : {})}
}

const isTimeout = (error: unknown) => /timed out|timeout/i.test(error instanceof Error ? error.message : String(error))

/** Why, in mcpctl's words: McpctlError messages never carry a credential; anything else is made printable. */
function reasonOf(error: unknown): string {
  return printable(error instanceof Error ? error.message : String(error), 300)
}
