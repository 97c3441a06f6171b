// The upstream of the gateway bench: one loopback MCP server whose tools/call answers at once (JSON responses,
// sessions kept), so what is measured is the path, not the tool. Run as a child process:
//   node bench/gateway/upstream.js   → prints {"url": "..."} on stdout, then serves until stdin ends.
import {randomUUID} from 'node:crypto'
import {createServer} from 'node:http'

import {Server} from '@modelcontextprotocol/sdk/server/index.js'
import {StreamableHTTPServerTransport} from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import {CallToolRequestSchema, ListToolsRequestSchema} from '@modelcontextprotocol/sdk/types.js'

const tools = [{description: 'Gets a ticket.', inputSchema: {properties: {id: {type: 'integer'}}, type: 'object'}, name: 'get_ticket'}]
const sessions = new Map()

const http = createServer(async (req, res) => {
  const id = req.headers['mcp-session-id']
  let transport = id ? sessions.get(id) : undefined
  if (!transport) {
    transport = new StreamableHTTPServerTransport({
      enableJsonResponse: true,
      onsessioninitialized: (sessionId) => sessions.set(sessionId, transport),
      sessionIdGenerator: randomUUID,
    })
    const server = new Server({name: 'bench-upstream', version: '1.0.0'}, {capabilities: {tools: {}}})
    server.setRequestHandler(ListToolsRequestSchema, async () => ({tools}))
    server.setRequestHandler(CallToolRequestSchema, async (request) => ({content: [{text: `ticket ${request.params.arguments?.id}`, type: 'text'}]}))
    await server.connect(transport)
  }

  await transport.handleRequest(req, res)
})
// Longer than the bench: a socket closed by the server just as the client reuses it would fail a call for nothing.
http.keepAliveTimeout = 120_000
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve))
process.stdout.write(`${JSON.stringify({url: `http://127.0.0.1:${http.address().port}/mcp`})}\n`)
process.stdin.on('end', () => process.exit(0)).resume()
