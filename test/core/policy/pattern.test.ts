import assert from 'node:assert/strict'

import {McpctlError} from '../../../src/core/errors.js'
import {compareSpecificity, compilePatterns, isGlobPattern, patternSpecificity} from '../../../src/core/policy/pattern.js'

describe('compilePatterns', () => {
  it('matches an exact name and nothing else', () => {
    const set = compilePatterns(['mcp:acme:get_ticket'])
    assert.deepEqual(set.match('mcp:acme:get_ticket'), [0])
    assert.deepEqual(set.match('mcp:acme:get_tickets'), [])
    assert.deepEqual(set.match('mcp:acme:GET_TICKET'), [])
  })

  it('matches * in the tool and in the server', () => {
    const tool = compilePatterns(['mcp:acme:delete_*'])
    assert.deepEqual(tool.match('mcp:acme:delete_user'), [0])
    assert.deepEqual(tool.match('mcp:acme:delete_'), [0])
    assert.deepEqual(tool.match('mcp:acme:undelete_user'), [])
    assert.deepEqual(tool.match('mcp:other:delete_user'), [])

    const server = compilePatterns(['mcp:*:list_*'])
    assert.deepEqual(server.match('mcp:acme:list_users'), [0])
    assert.deepEqual(server.match('mcp:globex:list_devices'), [0])
    assert.deepEqual(server.match('mcp:acme:get_users'), [])
  })

  it('matches ? as exactly one character', () => {
    const set = compilePatterns(['mcp:acme:get_?'])
    assert.deepEqual(set.match('mcp:acme:get_x'), [0])
    assert.deepEqual(set.match('mcp:acme:get_'), [])
    assert.deepEqual(set.match('mcp:acme:get_xy'), [])
  })

  it('does not let * or ? cross a colon', () => {
    assert.deepEqual(compilePatterns(['mcp:*:x']).match('mcp:a:b:x'), [])
    assert.deepEqual(compilePatterns(['mcp:a:*']).match('mcp:a:b:c'), [])
    assert.deepEqual(compilePatterns(['mcp:a?b:x']).match('mcp:a:b:x'), [])
  })

  it('treats regular-expression characters literally', () => {
    const set = compilePatterns(['mcp:a:x.y*'])
    assert.deepEqual(set.match('mcp:a:x.yz'), [0])
    assert.deepEqual(set.match('mcp:a:xzy'), [])
    assert.deepEqual(compilePatterns(['mcp:a:x.y']).match('mcp:a:xzy'), [])
    for (const literal of ['mcp:a:(x)+*', 'mcp:a:[x]*', 'mcp:a:x|y*', 'mcp:a:^x$*', 'mcp:a:x\\d*', 'mcp:a:a-b{2}*']) {
      const name = literal.slice(0, -1)
      assert.deepEqual(compilePatterns([literal]).match(name), [0], literal)
    }
    assert.deepEqual(compilePatterns(['mcp:a:x|y*']).match('mcp:a:y'), [])
  })

  it('takes any kind of connection in the first segment: mcp, an app id, or a glob over them', () => {
    assert.deepEqual(compilePatterns(['*:*:delete_*']).match('mcp:acme:delete_user'), [0])
    assert.deepEqual(compilePatterns(['*:*:delete_*']).match('halopsa:acme:delete_ticket'), [0])
    assert.deepEqual(compilePatterns(['halopsa:*:*']).match('halopsa:acme:list_tickets'), [0])
    assert.deepEqual(compilePatterns(['halopsa:*:*']).match('mcp:acme:list_tickets'), [])
  })

  it('rejects patterns that are not <kind>:<connection>:<tool>, naming them', () => {
    for (const bad of ['get_ticket', 'acme:get_ticket', 'mcp:acme', 'mcp:a:b:c', 'MCP:a:b', 'm_p:a:b', 'mcp::x', 'mcp:a:', '']) {
      assert.throws(
        () => compilePatterns(['mcp:ok:fine', bad]),
        (error: unknown) =>
          error instanceof McpctlError &&
          error.kind === 'usage' &&
          error.message.startsWith(`Pattern "${bad}" is not a tool pattern`) &&
          error.hint === 'Patterns look like mcp:<server>:<tool> or <app-id>:<connection>:<tool>, e.g. mcp:acme:delete_* or *:*:delete_*',
        bad,
      )
    }
  })

  it('rejects control and invisible characters without echoing them', () => {
    for (const bad of ['mcp:acme:get\u001B[2J', 'mcp:acme:get\u202Eevil', 'mcp:acme:get\u200B', 'mcp:acme:get\u0085']) {
      assert.throws(
        () => compilePatterns([bad]),
        (error: unknown) =>
          error instanceof McpctlError && error.kind === 'usage' && !/[\u0000-\u001F\u0085\u200B\u202E]/.test(error.message),
      )
    }
  })

  it('returns the indexes of every matching pattern, in order', () => {
    const set = compilePatterns(['mcp:acme:*', 'mcp:acme:delete_user', 'mcp:*:delete_*', 'mcp:globex:*', 'mcp:acme:delete_user'])
    assert.deepEqual(set.match('mcp:acme:delete_user'), [0, 1, 2, 4])
    assert.deepEqual(set.match('mcp:globex:delete_site'), [2, 3])
    assert.deepEqual(set.match('mcp:initech:get'), [])
    assert.equal(set.matchesAny('mcp:acme:anything'), true)
    assert.equal(set.matchesAny('mcp:initech:get'), false)
    assert.deepEqual(compilePatterns([]).match('mcp:a:b'), [])
  })

  it('tells globs from exact names', () => {
    assert.equal(isGlobPattern('mcp:acme:delete_*'), true)
    assert.equal(isGlobPattern('mcp:acme:get_?'), true)
    assert.equal(isGlobPattern('mcp:acme:delete_user'), false)
  })

  it('matches 20,000 names against several patterns, exactly the right ones', () => {
    const names = Array.from({length: 20_000}, (_, i) => `mcp:server${i % 50}:${['get', 'delete', 'list'][i % 3]}_thing_${i}`)
    const set = compilePatterns(['mcp:*:delete_*', 'mcp:server7:*', 'mcp:server1?:list_*', 'mcp:server3:get_thing_3', 'mcp:*:*_9*'])
    let matched = 0
    for (const name of names) matched += set.match(name).length
    const deletes = names.filter((n) => n.includes(':delete_')).length
    assert.ok(matched >= deletes && deletes > 6000, `matched ${matched}`)
    assert.deepEqual(set.match('mcp:server3:get_thing_3'), [3])
  })
})

describe('most specific', () => {
  const rank = (patterns: string[]) =>
    patterns
      .map((pattern, order) => ({pattern, ...patternSpecificity(pattern), order}))
      .sort((a, b) => compareSpecificity(b, a))
      .map((p) => p.pattern)

  it('orders by fewest wildcards, then the longest literal text, then the later one', () => {
    assert.deepEqual(patternSpecificity('*:*:delete_*'), {literal: 9, wildcards: 3})
    assert.deepEqual(patternSpecificity('mcp:acme:get_?'), {literal: 13, wildcards: 1})
    assert.deepEqual(rank(['*:*:delete_*', 'mcp:acme:delete_ticket', 'mcp:*:delete_*', 'mcp:acme:*', 'mcp:acme:delete_*']), [
      'mcp:acme:delete_ticket', // no wildcard
      'mcp:acme:delete_*', // one, 16 literal characters
      'mcp:acme:*', // one, 9
      'mcp:*:delete_*', // two
      '*:*:delete_*', // three
    ])
    // A tie in both: the later one.
    assert.deepEqual(rank(['mcp:a*:run', 'mcp:b*:run']), ['mcp:b*:run', 'mcp:a*:run'])
  })
})
