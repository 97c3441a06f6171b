import assert from 'node:assert/strict'

import {McpctlError} from '../../../../src/core/errors.js'
import {DISCOVERY_LIMITS, discoverTools, exceedsDepth, TRUNCATED_SCHEMA} from '../../../../src/core/sources/mcp/discover.js'
import {openSession, type Session} from '../../../../src/core/sources/mcp/session.js'
import {type McpServerOptions, startMcpServer, type TestMcpServer, type TestTool} from '../../../helpers/servers.js'

const numbered = (count: number, prefix = 'tool'): TestTool[] =>
  Array.from({length: count}, (_, i) => ({description: `Tool ${i}`, inputSchema: {type: 'object'}, name: `${prefix}_${i}`}))

/** A schema nested `levels` deep, as JSON text (JSON.stringify would overflow the stack on the object). */
const deepSchemaJson = (levels: number) => `${'{"type":"object","properties":{"a":'.repeat(levels)}{"type":"string"}${'}}'.repeat(levels)}`

describe('discoverTools', () => {
  const cleanup: Array<() => Promise<void>> = []
  const connect = async (options: McpServerOptions): Promise<{server: TestMcpServer; session: Session}> => {
    const server = await startMcpServer(options)
    cleanup.push(() => server.close())
    const session = await openSession(new URL(server.url), {credentials: {type: 'none'}, timeoutMs: 10_000})
    cleanup.push(() => session.close())
    return {server, session}
  }
  const listCalls = (server: TestMcpServer) => server.requests.filter((request) => (request.body as {method?: string})?.method === 'tools/list')
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
  })

  it('follows every page of a paginated listing', async () => {
    const {server, session} = await connect({pages: 3, tools: numbered(150)})
    const {tools, warnings} = await discoverTools(session)
    assert.equal(tools.length, 150)
    assert.deepEqual(tools.map((tool) => tool.name), numbered(150).map((tool) => tool.name))
    assert.deepEqual(warnings, [])
    assert.equal(listCalls(server).length, 3)
    assert.deepEqual(tools[0], {description: 'Tool 0', inputSchema: {type: 'object'}, name: 'tool_0'})
  })

  it('stops when the server repeats a cursor', async () => {
    const {server, session} = await connect({pages: 5, repeatCursor: true, tools: numbered(50)})
    const {tools, warnings} = await discoverTools(session)
    assert.deepEqual(warnings, ['server repeated a pagination cursor; stopped after 2 pages'])
    assert.equal(tools.length, 20)
    assert.equal(listCalls(server).length, 2)
  })

  it('stops after maxPages of an endless listing', async () => {
    const {session} = await connect({
      rawToolsList: (cursor) => {
        const page = cursor === undefined ? 0 : Number(cursor) + 1
        return JSON.stringify({nextCursor: String(page), tools: numbered(2, `page${page}`)})
      },
    })
    const {tools, warnings} = await discoverTools(session, {...DISCOVERY_LIMITS, maxPages: 4})
    assert.equal(tools.length, 8)
    assert.deepEqual(warnings, ['server listed more than 4 pages of tools; stopped after 4 pages'])
  })

  it('keeps the first maxTools tools', async () => {
    const {session} = await connect({pages: 2, tools: numbered(30)})
    const {tools, warnings} = await discoverTools(session, {...DISCOVERY_LIMITS, maxTools: 12})
    assert.equal(tools.length, 12)
    assert.deepEqual(warnings, ['server listed more than 12 tools; kept the first 12'])
  })

  it('skips invalid and duplicate names with warnings that escape control characters', async () => {
    const {session} = await connect({
      tools: [
        {description: 'first', inputSchema: {type: 'object'}, name: 'get_ticket'},
        {description: 'spaces', inputSchema: {type: 'object'}, name: 'bad name'},
        {description: 'escape', inputSchema: {type: 'object'}, name: 'evil\u001B[31m\u202Ename'},
        {description: 'long', inputSchema: {type: 'object'}, name: 'x'.repeat(500)},
        {description: 'empty', inputSchema: {type: 'object'}, name: ''},
        {description: 'number', inputSchema: {type: 'object'}, name: 42},
        {description: 'second', inputSchema: {type: 'object'}, name: 'get_ticket'},
        {description: 'ok', inputSchema: {type: 'object'}, name: 'list.tickets-v2'},
      ],
    })
    const {tools, warnings} = await discoverTools(session)
    assert.deepEqual(tools.map((tool) => [tool.name, tool.description]), [['get_ticket', 'first'], ['list.tickets-v2', 'ok']])
    assert.equal(warnings.length, 6)
    assert.match(warnings[0], /^skipped tool "bad name": a name must be/)
    assert.ok(warnings[1].includes(String.raw`"evil\u001b[31m\u202ename"`), warnings[1])
    assert.ok(warnings.every((line) => !/[\u0000-\u001F\u007F-\u009F\u202E]/.test(line)), 'no raw control characters')
    assert.ok(warnings[2].length < 200 && warnings[2].includes('…'), 'long names are shortened')
    assert.match(warnings[3], /^skipped tool "": /)
    assert.equal(warnings[4], 'skipped a tool whose name is not a string')
    assert.equal(warnings[5], 'skipped a second tool named "get_ticket": kept the first definition')
  })

  it('summarises floods of bad names instead of one warning each', async () => {
    const {session} = await connect({tools: Array.from({length: 500}, (_, i) => ({inputSchema: {type: 'object'}, name: `bad name ${i}`}))})
    const {tools, warnings} = await discoverTools(session)
    assert.equal(tools.length, 0)
    assert.equal(warnings.length, 11)
    assert.equal(warnings.at(-1), '…and 490 more invalid tools')
  })

  it('replaces a 10,000-level schema with a placeholder instead of crashing', async () => {
    const deep = deepSchemaJson(10_000)
    const {session} = await connect({
      rawToolsList: () =>
        `{"tools":[{"name":"deep_tool","description":"deep","inputSchema":${deep},"outputSchema":${deep}},` +
        `{"name":"fine_tool","inputSchema":${deepSchemaJson(3)}}]}`,
    })
    const {tools, warnings} = await discoverTools(session)
    assert.deepEqual(tools[0], {description: 'deep', inputSchema: TRUNCATED_SCHEMA, name: 'deep_tool', outputSchema: TRUNCATED_SCHEMA})
    assert.equal(tools[1].name, 'fine_tool')
    assert.equal(exceedsDepth(tools[1].inputSchema, 32), false)
    assert.deepEqual(warnings, [
      'tool "deep_tool": input schema nested deeper than 32 levels; replaced by a placeholder',
      'tool "deep_tool": output schema nested deeper than 32 levels; replaced by a placeholder',
    ])
    // What discovery returns can be stored: it serialises.
    assert.ok(JSON.stringify(tools).length < 1000)
    // The SDK's own listTools compiles output schemas with Ajv, which overflows the stack on this one: the session
    // defers that compilation to the first tools/call, so listing on it stays safe too.
    assert.equal((await session.client.listTools()).tools.length, 2)
  })

  it('normalises descriptions, titles, schemas and annotations from an untidy server', async () => {
    const {session} = await connect({
      tools: [
        {
          annotations: {destructiveHint: 'yes', extra: {x: 1}, readOnlyHint: true, title: 'Read it'},
          description: {not: 'a string'},
          inputSchema: 'nope',
          name: 'read_thing',
          outputSchema: 7,
          title: 'Read thing',
        },
      ],
    })
    const {tools, warnings} = await discoverTools(session)
    assert.deepEqual(tools, [
      {annotations: {readOnlyHint: true, title: 'Read it'}, description: '', inputSchema: {type: 'object'}, name: 'read_thing', title: 'Read thing'},
    ])
    assert.deepEqual(warnings, [
      'tool "read_thing": input schema missing or not an object; treated as an empty object schema',
      'tool "read_thing": output schema missing or not an object; ignored',
    ])
  })

  it('turns a malformed listing into a server error', async () => {
    const {session} = await connect({rawToolsList: () => '{"tools":"everything"}'})
    await assert.rejects(discoverTools(session), (error: unknown) => error instanceof McpctlError && error.kind === 'server' && /invalid tools\/list response/.test(error.message))
  })

  it('stops reading a response larger than 10 MiB', async () => {
    const filler = 'x'.repeat(11 * 1024 * 1024)
    const {session} = await connect({jsonResponse: true, rawToolsList: () => `{"tools":[],"padding":"${filler}"}`})
    await assert.rejects(discoverTools(session), (error: unknown) => error instanceof McpctlError && error.kind === 'server' && /larger than 10 MiB/.test(error.message))
  })

  it('sees tool changes between listings (mutable server tools)', async () => {
    const {server, session} = await connect({tools: numbered(2)})
    assert.equal((await discoverTools(session)).tools.length, 2)
    server.setTools([...numbered(2), {description: 'new', inputSchema: {type: 'object'}, name: 'added_tool'}])
    assert.deepEqual((await discoverTools(session)).tools.map((tool) => tool.name), ['tool_0', 'tool_1', 'added_tool'])
  })
})

describe('exceedsDepth', () => {
  it('measures JSON nesting without recursion', () => {
    assert.equal(exceedsDepth({type: 'object'}, 1), false)
    assert.equal(exceedsDepth({a: {}}, 1), true)
    assert.equal(exceedsDepth({a: [1, 2, {b: 1}]}, 3), false)
    assert.equal(exceedsDepth({a: [1, 2, {b: {}}]}, 3), true)
    assert.equal(exceedsDepth(JSON.parse(deepSchemaJson(50_000)), 32), true)
  })
})
