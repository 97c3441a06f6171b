// Seeding against real tool definitions from public MCP servers (fixtures/public-tools.ts), each with the class a
// reviewer gives it. Two promises: no miss is unsafe (nothing a reviewer would not run unattended is seeded auto, and
// every sensitive read needs approval), and the rules agree with the reviewer on nearly every tool.
import assert from 'node:assert/strict'

import {seedPolicy} from '../../../src/core/policy/seed.js'
import {PUBLIC_TOOLS} from './fixtures/public-tools.js'

const results = PUBLIC_TOOLS.map((tool) => ({seed: seedPolicy(tool), tool}))
const agreed = results.filter(({seed, tool}) => seed.class === tool.expected).length
const score = agreed / results.length

describe('seeding against public MCP servers', () => {
  it(`has a table of at least 40 real tools from GitHub, Atlassian, Notion, Slack, Microsoft Graph and server-everything (${results.length})`, () => {
    assert.ok(results.length >= 40)
    const servers = new Set(PUBLIC_TOOLS.map((tool) => tool.server))
    for (const server of ['github', 'atlassian', 'notion', 'slack', 'ms-graph', 'everything'] as const) assert.ok(servers.has(server), server)
  })

  it('seeds auto only what the reviewer calls a plain read', () => {
    const unsafe = results.filter(({seed, tool}) => seed.permission === 'auto' && tool.expected !== 'read')
    assert.deepEqual(unsafe.map(({tool}) => `${tool.server}:${tool.name}`), [])
  })

  it('needs approval for every sensitive read, with the reason saying so', () => {
    for (const {seed, tool} of results.filter(({tool}) => tool.expected === 'sensitive')) {
      assert.deepEqual([seed.class, seed.permission], ['sensitive', 'approval_needed'], tool.name)
      assert.match(seed.reason, /^reads /, tool.name)
    }
  })

  it(`agrees with the reviewer on at least 95% of the tools (${agreed}/${results.length}, ${(score * 100).toFixed(1)}%)`, () => {
    const misses = results.filter(({seed, tool}) => seed.class !== tool.expected).map(({seed, tool}) => `${tool.server}:${tool.name} ${tool.expected} → ${seed.class}`)
    assert.ok(score >= 0.95, `misses:\n${misses.join('\n')}`)
  })
})
