// `gateway install`: each agent's documented file, merged without disturbing other entries; the tests parse what
// was written (JSON with JSON.parse, TOML with Python's standard tomllib, a complete TOML 1.0 parser).
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {cliSandbox} from '../helpers/cli.js'

const parseToml = (file: string) =>
  JSON.parse(execFileSync('python3', ['-c', 'import json,sys,tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))', file], {encoding: 'utf8'}))

describe('gateway install (CLI)', function () {
  this.timeout(60_000)
  let sandbox: ReturnType<typeof cliSandbox>
  let home: string
  let project: string
  const run = (args: string[]) => sandbox.run(args, {cwd: project, env: {CODEX_HOME: undefined, HOME: home}})

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'mcpctl-home-'))
    project = mkdtempSync(join(tmpdir(), 'mcpctl-project-'))
    sandbox = cliSandbox()
  })
  afterEach(() => {
    sandbox.cleanup()
    rmSync(home, {force: true, recursive: true})
    rmSync(project, {force: true, recursive: true})
  })

  it('claude-code: adds mcpServers.mcpctl to ./.mcp.json and keeps the other servers', async () => {
    writeFileSync(join(project, '.mcp.json'), JSON.stringify({mcpServers: {other: {args: ['x'], command: 'other-server'}}, extra: true}))
    const result = await run(['gateway', 'install', 'claude-code', '--only', 'mcp:acme-*:*', '--json'])
    assert.equal(result.code, 0, result.stderr)
    const written = JSON.parse(readFileSync(join(project, '.mcp.json'), 'utf8'))
    assert.deepEqual(written.mcpServers.other, {args: ['x'], command: 'other-server'})
    assert.equal(written.extra, true)
    const entry = written.mcpServers.mcpctl
    assert.deepEqual(entry.args.slice(-3), ['gateway', '--only', 'mcp:acme-*:*'])
    assert.equal(entry.env.MCPCTL_CONFIG_DIR, sandbox.dir)
    assert.equal(result.json().file, join(project, '.mcp.json'))
  })

  it('cursor and vscode: their own files and shapes', async () => {
    assert.equal((await run(['gateway', 'install', 'cursor'])).code, 0)
    assert.ok(JSON.parse(readFileSync(join(home, '.cursor', 'mcp.json'), 'utf8')).mcpServers.mcpctl.command)
    mkdirSync(join(project, '.vscode'))
    writeFileSync(join(project, '.vscode', 'mcp.json'), JSON.stringify({inputs: [], servers: {keep: {type: 'http', url: 'https://x'}}}))
    assert.equal((await run(['gateway', 'install', 'vscode'])).code, 0)
    const vscode = JSON.parse(readFileSync(join(project, '.vscode', 'mcp.json'), 'utf8'))
    assert.equal(vscode.servers.mcpctl.type, 'stdio')
    assert.deepEqual(vscode.servers.keep, {type: 'http', url: 'https://x'})
    assert.deepEqual(vscode.inputs, [])
  })

  it('codex: [mcp_servers.mcpctl] in config.toml, replaced in place on a second run, comments and other tables kept', async () => {
    mkdirSync(join(home, '.codex'))
    const file = join(home, '.codex', 'config.toml')
    writeFileSync(file, '# my settings\nmodel = "o4"\n\n[mcp_servers.other]\ncommand = "other" # keep me\nargs = []\n\n[mcp_servers.mcpctl]\ncommand = "old"\n\n[mcp_servers.mcpctl.env]\nOLD = "1"\n\n[profiles.x]\nmodel = "y"\n')
    assert.equal((await run(['gateway', 'install', 'codex', '--only', 'mcp:a:"quoted"'])).code, 0)
    assert.equal((await run(['gateway', 'install', 'codex', '--only', 'mcp:a:"quoted"'])).code, 0)
    const text = readFileSync(file, 'utf8')
    assert.match(text, /# my settings/)
    assert.match(text, /# keep me/)
    const config = parseToml(file)
    assert.equal(config.model, 'o4')
    assert.deepEqual(config.mcp_servers.other, {args: [], command: 'other'})
    assert.deepEqual(config.profiles, {x: {model: 'y'}})
    assert.deepEqual(config.mcp_servers.mcpctl.args.slice(-3), ['gateway', '--only', 'mcp:a:"quoted"'])
    assert.deepEqual(config.mcp_servers.mcpctl.env, {MCPCTL_CONFIG_DIR: sandbox.dir})
    assert.equal(text.match(/\[mcp_servers\.mcpctl\]/g)?.length, 1)
  })

  it('--print shows the snippet and writes nothing; a file it cannot merge is left alone', async () => {
    const printed = await run(['gateway', 'install', 'codex', '--print'])
    assert.equal(printed.code, 0)
    assert.match(printed.stdout, /^\[mcp_servers\.mcpctl\]/)
    assert.throws(() => readFileSync(join(home, '.codex', 'config.toml')))

    const withComments = '{\n  // mine\n  "mcpServers": {}\n}\n'
    writeFileSync(join(project, '.mcp.json'), withComments)
    const refused = await run(['gateway', 'install', 'claude-code'])
    assert.equal(refused.code, 2)
    assert.equal(readFileSync(join(project, '.mcp.json'), 'utf8'), withComments)
  })
})
