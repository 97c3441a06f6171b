// Loopback MCP servers for `npm run bench`: N plain-http servers on 127.0.0.1, each answering tools/list (and, when
// asked, initialize) after an added latency. Run as a child process (the bench blocks its own event loop in spawnSync
// while timing):
//   node bench/scale/servers.js <count> <toolsPerServer> <latencyMs> [<initializeLatencyMs>]
// prints {"ports":[…]} on stdout, then serves.
import {createServer} from 'node:http'

import {Server} from '@modelcontextprotocol/sdk/server/index.js'
import {StreamableHTTPServerTransport} from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import {ListToolsRequestSchema} from '@modelcontextprotocol/sdk/types.js'

import {benchTools} from './fixtures.js'

const [count = 20, toolsPerServer = 50, latencyMs = 50, initializeLatencyMs = 0] = process.argv.slice(2).map(Number)
const tools = benchTools(toolsPerServer).map(({annotations, description, inputSchema, name}) => ({annotations, description, inputSchema, name}))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function start() {
  const http = createServer(async (req, res) => {
    // Stateless, JSON responses: a fresh server and transport per request, as the SDK's simple servers do.
    const server = new Server({name: 'bench', version: '1.0.0'}, {capabilities: {tools: {}}})
    server.setRequestHandler(ListToolsRequestSchema, async () => {
      await sleep(latencyMs)
      return {tools}
    })
    const transport = new StreamableHTTPServerTransport({enableJsonResponse: true, sessionIdGenerator: undefined})
    res.on('close', () => {
      transport.close()
      server.close()
    })
    await server.connect(transport)
    if (req.method !== 'POST' || !initializeLatencyMs) {
      await transport.handleRequest(req, res)
      return
    }

    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    if (body.method === 'initialize') await sleep(initializeLatencyMs)
    await transport.handleRequest(req, res, body)
  })
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve))
  return http.address().port
}

const ports = await Promise.all(Array.from({length: count}, start))
process.stdout.write(`${JSON.stringify({ports})}\n`)
// Stop with the parent: it closes our stdin (or kills us) when the bench ends.
process.stdin.on('end', () => process.exit(0)).resume()
