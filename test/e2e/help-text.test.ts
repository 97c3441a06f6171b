// Help text as oclif prints it: oclif wraps paragraphs to the terminal, so a hard line break inside a sentence shows
// as a ragged half-line. Read from the built command manifest (what `mcpctl help` reads), every command at once.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT} from '../helpers/cli.js'

type Described = {description?: string; summary?: string}
type ManifestCommand = Described & {args?: Record<string, Described>; examples?: unknown[]; flags?: Record<string, Described & {hidden?: boolean}>}

const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
// Commands of the plugins (help, autocomplete) are theirs, not ours.
const ours = Object.entries(manifest.commands).filter(([, command]) => (command as {pluginType?: string}).pluginType === 'core')

/**
 * Line breaks that oclif would print inside a paragraph: a line followed by another that is neither blank, nor an
 * indented (a table, an aligned continuation) or `- ` (a list) line, nor after an indented line.
 */
function midParagraphBreaks(text: string): string[] {
  const lines = text.split('\n')
  const breaks: string[] = []
  for (let i = 0; i + 1 < lines.length; i++) {
    const [line, next] = [lines[i], lines[i + 1]]
    if (line.trim() === '' || next === '' || /^\s/.test(next) || next.startsWith('- ') || /^\s/.test(line)) continue
    breaks.push(`…${line.slice(-30)}⏎${next.slice(0, 30)}…`)
  }

  return breaks
}

describe('help text', () => {
  it('lists every command of mcpctl', () => {
    assert.ok(ours.length >= 25, `only ${ours.length} commands in the manifest`)
    assert.ok(ours.some(([id]) => id === 'tools:call'))
  })

  it('has no hard line break inside a sentence in any description, summary, flag or argument', () => {
    const found: string[] = []
    for (const [id, command] of ours) {
      for (const [where, text] of [['description', command.description], ['summary', command.summary]] as const) {
        for (const hit of midParagraphBreaks(text ?? '')) found.push(`${id} ${where}: ${hit}`)
      }

      for (const [kind, entries] of [['--', command.flags ?? {}], ['arg ', command.args ?? {}]] as const) {
        for (const [name, entry] of Object.entries(entries)) {
          // A flag or argument is one line in the help's table: any break there is a break.
          if (entry.description?.includes('\n')) found.push(`${id} ${kind}${name}: ${JSON.stringify(entry.description)}`)
        }
      }
    }

    assert.deepEqual(found, [])
  })

  it('gives every command examples that run mcpctl itself', () => {
    for (const [id, command] of ours) {
      assert.ok((command.examples ?? []).length > 0, `${id} has no examples`)
      for (const example of command.examples ?? []) {
        const text = typeof example === 'string' ? example : (example as {command: string}).command
        assert.match(text, /<%= config\.bin %>/, `${id}: example ${JSON.stringify(text)} does not run mcpctl`)
      }
    }
  })

  it('finds a break inside a sentence, and leaves paragraphs, lists and tables alone', () => {
    assert.deepEqual(midParagraphBreaks('One paragraph.\n\nAnother one.\n- a list\n- of two\n\nTable:\n  a   b\n      c'), [])
    assert.equal(midParagraphBreaks('A sentence broken\nin the middle.').length, 1)
  })
})
