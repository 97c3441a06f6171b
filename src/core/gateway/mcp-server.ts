// The gateway as an MCP server. SDK choice: the v2 `@modelcontextprotocol/server` (not the v1 SDK the rest of mcpctl
// uses as a client), because only v2 serves both protocol eras from one factory and one handler: 2025 sessions with
// server-to-client `elicitation/create`, and 2026-07-28 per-request traffic with `input_required` results, the
// `server/discover` probe and `subscriptions/listen`; it also brings an HMAC codec for `requestState` and the
// loopback Host/Origin guards. The low-level `Server` rather than `McpServer`: the tool list is data that changes
// while connected (20,000 tools, re-read from the store), not code registered once.
import {randomBytes} from 'node:crypto'

import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  createRequestStateCodec,
  type ElicitRequestFormParams,
  inputRequired,
  type McpRequestContext,
  type McpServerFactory,
  Server,
  type ServerContext,
} from '@modelcontextprotocol/server'

import {MCPCTL_CLIENT_INFO} from '../sources/mcp/version.js'
import type {ClientChannel, ElicitAnswer, Gateway, GatewayState} from './gateway.js'
import {listPage} from './tool-view.js'

export const GATEWAY_SERVER_INFO = {name: 'mcpctl-gateway', version: MCPCTL_CLIENT_INFO.version}

const INSTRUCTIONS =
  'Tools of the connections managed by mcpctl. Each call is checked against its permission when it is made; some calls wait for a person to approve them.'

type ClientCapabilities = {elicitation?: {form?: object; url?: object}}

export interface GatewayServers {
  factory: McpServerFactory
  /** Tell every connected client that the tool list changed. */
  toolsChanged(): void
}

/**
 * One factory for every serving entry: stdio (one instance per connection) and HTTP (one per 2025 session, one per
 * 2026 request). `requestState` is HMAC-signed with a key made for this process: every round of a flow comes back to
 * the process that started it (stdio is one connection; HTTP is one listener).
 */
export function gatewayServers(gateway: Gateway): GatewayServers {
  const codec = createRequestStateCodec<GatewayState>({
    // Bound to the method; the payload binds tool, argument digest and permission, checked by the gateway.
    bind: (ctx) => ctx.mcpReq.method,
    key: randomBytes(32),
    // The gateway checks its own, shorter expiry, so that a late answer is audited as a timeout.
    ttlSeconds: 24 * 60 * 60,
  })
  const live = new Set<Server>()

  const factory: McpServerFactory = (context: McpRequestContext) => {
    const server = new Server(GATEWAY_SERVER_INFO, {
      capabilities: {tools: {listChanged: true}},
      instructions: INSTRUCTIONS,
      requestState: {verify: codec.verify},
    })
    server.setRequestHandler('tools/list', async (request) => {
      const page = listPage(await gateway.views.current(), request.params?.cursor)
      return page as never
    })
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const {params} = request
      const args = params.arguments && typeof params.arguments === 'object' ? (params.arguments as Record<string, unknown>) : {}
      const era = context.era
      const capabilities = (era === 'modern' ? ctx.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY as never] : server.getClientCapabilities()) as ClientCapabilities | undefined
      const client = (era === 'modern' ? ctx.mcpReq.envelope?.[CLIENT_INFO_META_KEY as never] : server.getClientVersion()) as {name?: string; version?: string} | undefined
      const progressToken = ctx.mcpReq._meta?.progressToken
      const answer = await gateway.call({
        args,
        channel: canElicitForm(capabilities) ? channelFor(era, ctx) : undefined,
        client: client ? {name: client.name, version: client.version} : undefined,
        name: params.name,
        progress:
          progressToken === undefined
            ? undefined
            : (progress, total, message) => {
                void ctx.mcpReq.notify({method: 'notifications/progress', params: {message, progress, progressToken, ...(total === undefined ? {} : {total})}}).catch(() => {})
              },
        signal: ctx.mcpReq.signal,
      })
      if (answer.kind === 'input_required') {
        const inputRequests = Object.fromEntries(
          Object.entries(answer.inputRequests).map(([key, entry]) => [key, {method: entry.method, params: entry.params as unknown as ElicitRequestFormParams}]),
        )
        return inputRequired({inputRequests: inputRequests as never, requestState: await codec.mint(answer.state, ctx)}) as never
      }

      return answer.result as never
    })
    live.add(server)
    server.onclose = () => live.delete(server)
    return server
  }

  return {
    factory,
    toolsChanged() {
      for (const server of live) void server.sendToolListChanged().catch(() => {})
    },
  }
}

/** `{}` means form only (2025-06-18); 2025-11-25 names the modes. */
function canElicitForm(capabilities: ClientCapabilities | undefined): boolean {
  const elicitation = capabilities?.elicitation
  if (!elicitation || typeof elicitation !== 'object') return false
  return elicitation.form !== undefined || elicitation.url === undefined
}

function channelFor(era: 'legacy' | 'modern', ctx: ServerContext): ClientChannel {
  if (era === 'legacy') {
    return {
      async elicit(params, options) {
        const result = await ctx.mcpReq.elicitInput(params as unknown as ElicitRequestFormParams, {signal: options.signal, timeout: options.timeoutMs})
        return result as ElicitAnswer
      },
      kind: 'push',
    }
  }

  return {kind: 'rounds', responses: ctx.mcpReq.inputResponses, state: ctx.mcpReq.requestState<GatewayState>()}
}
