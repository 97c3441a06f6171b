import assert from 'node:assert/strict'
import {PassThrough} from 'node:stream'

import {McpctlError} from '../../src/core/errors.js'
import {askConfirm, askSecret, askSelect, askText} from '../../src/ui/prompts.js'

/**
 * A fake terminal: everything the prompt drew is in `screen()`; keystrokes go in through `type` once the screen shows
 * what a person would wait for (the question, an error), never after a fixed delay.
 */
function terminal() {
  const input = new PassThrough()
  const output = new PassThrough()
  let drawn = ''
  const waiting: {pattern: RegExp; resolve: () => void}[] = []
  output.on('data', (chunk: Buffer) => {
    drawn += chunk.toString('utf8')
    for (const waiter of [...waiting]) {
      if (waiter.pattern.test(drawn)) {
        waiting.splice(waiting.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  })
  const shown = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      if (pattern.test(drawn)) resolve()
      else waiting.push({pattern, resolve})
    })
  return {
    context: {input, output},
    screen: () => drawn,
    shown,
    /** Types `keys` once the screen matches `when`. */
    async type(when: RegExp, ...keys: string[]) {
      await shown(when)
      for (const key of keys) input.write(key)
    },
  }
}

describe('prompts', () => {
  it('askText returns what was typed', async () => {
    const term = terminal()
    void term.type(/Name for this integration/, 'acme\n')
    assert.equal(await askText({message: 'Name for this integration'}, term.context), 'acme')
    assert.match(term.screen(), /Name for this integration/)
  })

  it('askText returns the default on an empty answer', async () => {
    const term = terminal()
    void term.type(/Name/, '\n')
    assert.equal(await askText({default: 'acme-psa', message: 'Name'}, term.context), 'acme-psa')
  })

  it('askText keeps asking until the answer is valid', async () => {
    const term = terminal()
    const answer = askText({message: 'Name', validate: (value) => (/^[a-z]+$/.test(value) ? true : 'Lower-case letters only.')}, term.context)
    await term.type(/Name/, 'Bad!\n')
    await term.type(/Lower-case letters only\./, '\u0008\u0008\u0008\u0008good\n')
    assert.equal(await answer, 'good')
  })

  it('askSecret returns the secret without ever drawing it', async () => {
    const term = terminal()
    void term.type(/API token/, 's3cr3t-t0ken\n')
    assert.equal(await askSecret({message: 'API token'}, term.context), 's3cr3t-t0ken')
    assert.ok(!term.screen().includes('s3cr3t'), 'the secret was echoed')
    assert.match(term.screen(), /\*{4,}/)
  })

  it('askSecret refuses an empty answer', async () => {
    const term = terminal()
    const answer = askSecret({message: 'API token'}, term.context)
    await term.type(/API token/, '\n')
    await term.type(/A value is required\./, 'x\n')
    assert.equal(await answer, 'x')
  })

  it('askSelect returns the chosen value and shows server text inert', async () => {
    const term = terminal()
    void term.type(/How does this server take a credential\?/, '\u001B[B', '\r')
    const choice = await askSelect(
      {
        choices: [
          {name: 'Bearer token', value: 'bearer'},
          {name: 'Header \u001B[31mX-Api-Key\u202E', value: 'header'},
        ],
        message: 'How does this server take a credential?',
      },
      term.context,
    )
    assert.equal(choice, 'header')
    assert.ok(term.screen().includes('\\x1b[31mX-Api-Key\\u202e'))
    assert.ok(!term.screen().includes('\u202E'))
  })

  it('askConfirm reads yes, no and the default', async () => {
    let term = terminal()
    void term.type(/Disconnect acme\?/, 'y\n')
    assert.equal(await askConfirm({default: false, message: 'Disconnect acme?'}, term.context), true)
    term = terminal()
    void term.type(/Disconnect acme\?/, 'n\n')
    assert.equal(await askConfirm({default: true, message: 'Disconnect acme?'}, term.context), false)
    term = terminal()
    void term.type(/Disconnect acme\?/, '\n')
    assert.equal(await askConfirm({default: true, message: 'Disconnect acme?'}, term.context), true)
  })

  it('turns Ctrl-C into an interrupted McpctlError', async () => {
    const term = terminal()
    void term.type(/Name/, '\u0003')
    await assert.rejects(
      askText({message: 'Name'}, term.context),
      (error: unknown) => error instanceof McpctlError && error.kind === 'interrupted' && error.message === 'Cancelled.' && error.exitCode === 130,
    )
  })
})
