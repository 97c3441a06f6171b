import assert from 'node:assert/strict'

import {type Column, outputMode, palette, permissionColour, renderTable} from '../../src/ui/output.js'

const ANSI = /\u001B\[/

interface Tool {
  name: string
  permission: string
  description: string
}

const rows: Tool[] = [
  {description: 'Gets a ticket', name: 'mcp:acme:get_ticket', permission: 'auto'},
  {description: 'Deletes a user', name: 'mcp:acme:delete_user', permission: 'approval_needed'},
]

const columns = (mode: {colour: boolean; tty: boolean}): Column<Tool>[] => [
  {get: (tool) => tool.name, header: 'TOOL'},
  {colour: permissionColour(mode), get: (tool) => tool.permission, header: 'PERMISSION'},
  {get: (tool) => tool.description, header: 'DESCRIPTION', maxWidth: 10},
]

describe('outputMode', () => {
  const tty = {isTTY: true}
  const pipe = {isTTY: false}

  it('uses colour on a terminal only', () => {
    assert.deepEqual(outputMode(tty, {}), {colour: true, tty: true})
    assert.deepEqual(outputMode(pipe, {}), {colour: false, tty: false})
    assert.deepEqual(outputMode({}, {}), {colour: false, tty: false})
  })

  it('turns colour off for NO_COLOR, TERM=dumb and FORCE_COLOR=0', () => {
    assert.equal(outputMode(tty, {NO_COLOR: '1'}).colour, false)
    assert.equal(outputMode(tty, {NO_COLOR: ''}).colour, true)
    assert.equal(outputMode(tty, {TERM: 'dumb'}).colour, false)
    assert.equal(outputMode(tty, {FORCE_COLOR: '0'}).colour, false)
    assert.equal(outputMode(tty, {NO_COLOR: 'x', TERM: 'dumb'}).tty, true)
  })

  it('lets FORCE_COLOR override TERM=dumb on a terminal, but never a pipe or NO_COLOR', () => {
    assert.equal(outputMode(tty, {FORCE_COLOR: '1', TERM: 'dumb'}).colour, true)
    assert.equal(outputMode(pipe, {FORCE_COLOR: '3'}).colour, false)
    assert.equal(outputMode(tty, {FORCE_COLOR: '1', NO_COLOR: '1'}).colour, false)
  })
})

describe('renderTable', () => {
  it('draws a header and aligned columns on a terminal, without colour when colour is off', () => {
    const mode = {colour: false, tty: true}
    const out = renderTable(rows, columns(mode), mode)
    assert.equal(
      out,
      [
        'TOOL                  PERMISSION       DESCRIPTION',
        'mcp:acme:get_ticket   auto             Gets a ti…',
        'mcp:acme:delete_user  approval_needed  Deletes a…',
      ].join('\n'),
    )
    assert.doesNotMatch(out, ANSI)
  })

  it('colours heads and permissions when colour is on', () => {
    const mode = {colour: true, tty: true}
    const out = renderTable(rows, columns(mode), mode)
    assert.ok(out.includes('\u001B[32mauto\u001B[39m'))
    assert.ok(out.includes('\u001B[33mapproval_needed\u001B[39m'))
    assert.ok(out.includes('\u001B[1mTOOL\u001B[22m'))
  })

  it('writes header-less tab-separated lines when piped, uncut and uncoloured', () => {
    const mode = {colour: false, tty: false}
    const out = renderTable(rows, columns(mode), mode)
    assert.equal(
      out,
      'mcp:acme:get_ticket\tauto\tGets a ticket\nmcp:acme:delete_user\tapproval_needed\tDeletes a user',
    )
  })

  it('ignores colour functions when colour is off, even on a terminal', () => {
    const shout: Column<Tool> = {colour: () => '\u001B[31mX\u001B[39m', get: (tool) => tool.name, header: 'TOOL'}
    assert.doesNotMatch(renderTable(rows, [shout], {colour: false, tty: true}), ANSI)
    assert.doesNotMatch(renderTable(rows, [shout], {colour: false, tty: false}), ANSI)
  })

  it('neutralises hostile cells in both layouts', () => {
    const hostile: Tool[] = [
      {description: 'Reads\r\u001B[2KDeletes\nall\tfiles \u202Etxt.exe', name: 'mcp:evil:get\u001B]8;;https://x\u0007', permission: 'auto'},
    ]
    for (const mode of [{colour: false, tty: true}, {colour: true, tty: true}, {colour: false, tty: false}]) {
      const cols: Column<Tool>[] = [
        {get: (tool) => tool.name, header: 'TOOL'},
        {get: (tool) => tool.description, header: 'DESCRIPTION'},
      ]
      const out = renderTable(hostile, cols, mode)
      // Colour codes we add are the only escapes allowed.
      const withoutOurColour = out.replaceAll(/\u001B\[(?:1|22)m/g, '')
      // Lines are separated by \n on a terminal, cells by \t when piped; nothing else below U+0020 may remain.
      assert.doesNotMatch(withoutOurColour, /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E]/, JSON.stringify(mode))
      assert.equal(out.split('\n').length, mode.tty ? 2 : 1)
      assert.ok(out.includes('\\x1b[2KDeletes all files \\u202etxt.exe'), out)
      if (!mode.tty) assert.equal(out.split('\t').length, 2)
    }
  })

  it('returns an empty string for no rows', () => {
    assert.equal(renderTable([], columns({colour: false, tty: true}), {colour: false, tty: true}), '')
    assert.equal(renderTable([], columns({colour: false, tty: false}), {colour: false, tty: false}), '')
  })
})

describe('colour helpers', () => {
  it('are identities when colour is off', () => {
    const colour = permissionColour({colour: false, tty: true})
    for (const level of ['auto', 'approval_needed', 'disabled']) assert.equal(colour(level), level)
    assert.equal(palette({colour: false, tty: false}).red('x'), 'x')
  })

  it('colour each permission level when colour is on', () => {
    const colour = permissionColour({colour: true, tty: true})
    assert.equal(colour('auto'), '\u001B[32mauto\u001B[39m')
    assert.equal(colour('approval_needed'), '\u001B[33mapproval_needed\u001B[39m')
    assert.equal(colour('disabled'), '\u001B[31mdisabled\u001B[39m')
    assert.equal(colour('toString'), 'toString')
  })
})
