import assert from 'node:assert/strict'
import {PassThrough} from 'node:stream'

import {McpctlError} from '../../src/core/errors.js'
import {askConfirm, askSecret, askSelect, askText} from '../../src/ui/prompts.js'

/** A fake terminal: keystrokes go in through `type`, everything the prompt drew is in `screen()`. */
function terminal() {
  const input = new PassThrough()
  const output = new PassThrough()
  let drawn = ''
  output.on('data', (chunk: Buffer) => {
    drawn += chunk.toString('utf8')
  })
  return {
    context: {input, output},
    screen: () => drawn,
    // Typed after the prompt has attached to the input, as a person would.
    type: (...keys: string[]) =>
      setImmediate(() => {
        for (const key of keys) input.write(key)
      }),
  }
}

describe('prompts', () => {
  it('askText returns what was typed', async () => {
    const term = terminal()
    term.type('acme\n')
    assert.equal(await askText({message: 'Name for this integration'}, term.context), 'acme')
    assert.match(term.screen(), /Name for this integration/)
  })

  it('askText returns the default on an empty answer', async () => {
    const term = terminal()
    term.type('\n')
    assert.equal(await askText({default: 'acme-psa', message: 'Name'}, term.context), 'acme-psa')
  })

  it('askText keeps asking until the answer is valid', async () => {
    const term = terminal()
    const answer = askText({message: 'Name', validate: (value) => (/^[a-z]+$/.test(value) ? true : 'Lower-case letters only.')}, term.context)
    term.type('Bad!\n')
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.match(term.screen(), /Lower-case letters only\./)
    term.type('\u0008\u0008\u0008\u0008good\n')
    assert.equal(await answer, 'good')
  })

  it('askSecret returns the secret without ever drawing it', async () => {
    const term = terminal()
    term.type('s3cr3t-t0ken\n')
    assert.equal(await askSecret({message: 'API token'}, term.context), 's3cr3t-t0ken')
    assert.ok(!term.screen().includes('s3cr3t'), 'the secret was echoed')
    assert.match(term.screen(), /\*{4,}/)
  })

  it('askSecret refuses an empty answer', async () => {
    const term = terminal()
    const answer = askSecret({message: 'API token'}, term.context)
    term.type('\n')
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.match(term.screen(), /A value is required\./)
    term.type('x\n')
    assert.equal(await answer, 'x')
  })

  it('askSelect returns the chosen value and shows server text inert', async () => {
    const term = terminal()
    term.type('\u001B[B', '\r')
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
    term.type('y\n')
    assert.equal(await askConfirm({default: false, message: 'Disconnect acme?'}, term.context), true)
    term = terminal()
    term.type('n\n')
    assert.equal(await askConfirm({default: true, message: 'Disconnect acme?'}, term.context), false)
    term = terminal()
    term.type('\n')
    assert.equal(await askConfirm({default: true, message: 'Disconnect acme?'}, term.context), true)
  })

  it('turns Ctrl-C into an interrupted McpctlError', async () => {
    const term = terminal()
    term.type('\u0003')
    await assert.rejects(
      askText({message: 'Name'}, term.context),
      (error: unknown) => error instanceof McpctlError && error.kind === 'interrupted' && error.message === 'Cancelled.' && error.exitCode === 130,
    )
  })
})
