// Error output as CI sees it: through a pipe, in full, with the documented exit code.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'

import {BIN, cliSandbox} from '../helpers/cli.js'
import {fixtureIntegration, HELPDESK_TOOLS, writeStore} from '../helpers/store-fixture.js'

/** Run the CLI with stderr into a real pipe (`| cat`), as a CI runner or `2>&1 | tee` reads it. */
function throughPipe(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'node "$0" "$@" 2>&1 >/dev/null | cat', BIN, ...args], {
      env: {...process.env, CI: 'true', ...env},
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', () => resolve(stderr))
  })
}

describe('error output', () => {
  let sandbox: ReturnType<typeof cliSandbox>
  beforeEach(() => {
    sandbox = cliSandbox()
    writeStore(sandbox.dir, [fixtureIntegration('acme', HELPDESK_TOOLS)])
  })
  afterEach(() => sandbox.cleanup())

  it('reaches a pipe in full, to its last line, when it is longer than the pipe holds (64 KiB)', async () => {
    // 8,000 patterns that match nothing: an error of ~270 KB, written at once just before the process exits.
    const patterns = Array.from({length: 8000}, (_, i) => `mcp:acme:nothing_here_${i}`)
    const stderr = await throughPipe(['policy', 'set', ...patterns, 'disabled'], sandbox.env)
    assert.ok(stderr.length > 200_000, `${stderr.length} characters`)
    assert.match(stderr, /nothing_here_7999/)
    // The hint is the last thing printed.
    assert.match(stderr, /Try this: See the tool names with `mcpctl tools list`[^]*governs tools added later\.\n$/)
  })
})
