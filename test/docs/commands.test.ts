// Every command is documented where people look: the README names it as `mcpctl <topic> <cmd>`, and its help has a
// description, examples and --json. Read from the oclif manifest the build writes, so a new command cannot skip it.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

interface ManifestCommand {
  description?: string
  examples?: unknown[]
  flags: Record<string, unknown>
}

const manifest = JSON.parse(readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
const commands = Object.entries(manifest.commands).sort(([a], [b]) => a.localeCompare(b))

describe('every command is documented', () => {
  it('the manifest lists the commands (built by npm install)', () => {
    assert.ok(commands.length >= 20, `${commands.length} commands in oclif.manifest.json`)
  })

  for (const [id, command] of commands) {
    const name = `mcpctl ${id.replaceAll(':', ' ')}`
    it(`${name}: in the README, with a description, examples and --json`, () => {
      assert.ok(readme.includes(name), `README.md does not mention "${name}"`)
      assert.ok((command.description ?? '').length > 40, 'a description that says what it does')
      assert.ok((command.examples ?? []).length > 0, 'at least one example')
      assert.ok(Object.hasOwn(command.flags, 'json'), '--json')
    })
  }
})
