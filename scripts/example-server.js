// The example MCP server behind `npm run demo`: an MSP helpdesk with read and write tools, on loopback only.
// Plain JS so it runs without a build; uses the MCP SDK's own server classes.
import {createServer} from 'node:http'

import {Server} from '@modelcontextprotocol/sdk/server/index.js'
import {StreamableHTTPServerTransport} from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import {CallToolRequestSchema, ListToolsRequestSchema} from '@modelcontextprotocol/sdk/types.js'

const ticket = {properties: {id: {type: 'integer'}}, required: ['id'], type: 'object'}

export const EXAMPLE_TOOLS = [
  {description: 'Lists open tickets for a company.', inputSchema: {properties: {company: {type: 'string'}}, type: 'object'}, name: 'list_tickets'},
  {description: 'Gets one ticket with its notes.', inputSchema: ticket, name: 'get_ticket'},
  {description: 'Searches companies by name.', inputSchema: {properties: {query: {type: 'string'}}, type: 'object'}, name: 'search_companies'},
  {description: 'Summarizes the state of a ticket.', inputSchema: ticket, name: 'ticket_summary', annotations: {readOnlyHint: true}},
  {description: 'Creates a ticket.', inputSchema: {properties: {summary: {type: 'string'}}, required: ['summary'], type: 'object'}, name: 'create_ticket'},
  {description: 'Adds a note to a ticket.', inputSchema: ticket, name: 'add_ticket_note'},
  {description: 'Deletes a ticket.', inputSchema: ticket, name: 'delete_ticket', annotations: {destructiveHint: true}},
  {description: 'Escalates a ticket to tier 2.', inputSchema: ticket, name: 'escalate'},
  {description: 'Runs a script on a managed device.', inputSchema: {properties: {device: {type: 'string'}, script: {type: 'string'}}, type: 'object'}, name: 'run_script'},
  {description: "Resets a Microsoft 365 user's password.", inputSchema: {properties: {user: {type: 'string'}}, type: 'object'}, name: 'reset_password'},
]

function mcpServer() {
  const server = new Server({name: 'example-helpdesk', version: '1.0.0'}, {capabilities: {tools: {}}})
  server.setRequestHandler(ListToolsRequestSchema, async () => ({tools: EXAMPLE_TOOLS}))
  server.setRequestHandler(CallToolRequestSchema, async (request) => ({
    content: [{text: `example-helpdesk ran ${request.params.name} with ${JSON.stringify(request.params.arguments ?? {})}`, type: 'text'}],
  }))
  return server
}

/** Start on 127.0.0.1 (port 0 = any free port). With `token`, requests need `Authorization: Bearer <token>`. */
export async function startExampleServer({port = 0, token} = {}) {
  const http = createServer(async (req, res) => {
    if (!req.url?.startsWith('/mcp')) {
      res.writeHead(404).end()
      return
    }

    if (token && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, {'content-type': 'application/json', 'www-authenticate': 'Bearer realm="example-helpdesk"'})
      res.end(JSON.stringify({error: {code: -32001, message: 'Unauthorized'}, id: null, jsonrpc: '2.0'}))
      return
    }

    // Stateless: a fresh server and transport per request, as the SDK recommends for simple servers.
    const server = mcpServer()
    const transport = new StreamableHTTPServerTransport({sessionIdGenerator: undefined})
    res.on('close', () => {
      transport.close()
      server.close()
    })
    await server.connect(transport)
    await transport.handleRequest(req, res)
  })
  await new Promise((resolve) => http.listen(port, '127.0.0.1', resolve))
  const {port: actual} = http.address()
  return {
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections()
        http.close(resolve)
      }),
    url: `http://127.0.0.1:${actual}/mcp`,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startExampleServer({port: Number(process.env.PORT ?? 0), token: process.env.EXAMPLE_TOKEN})
  process.stdout.write(`example MCP server on ${server.url}\n`)
  process.on('SIGINT', () => server.close().then(() => process.exit(0)))
}
