import assert from 'node:assert/strict'

import {discoverTools} from '../../../../src/core/sources/mcp/discover.js'
import {parseServerUrl} from '../../../../src/core/net/endpoint.js'
import {probeServer} from '../../../../src/core/sources/mcp/probe.js'
import {openSession} from '../../../../src/core/sources/mcp/session.js'
import {type EverythingServer, startEverythingServer} from '../../../helpers/everything.js'

describe('against the reference server (server-everything)', () => {
  let everything: EverythingServer
  before(async () => {
    everything = await startEverythingServer()
  })
  after(async () => {
    await everything?.close()
  })

  it('probes as open streamable HTTP and discovers its tools', async () => {
    const url = parseServerUrl(everything.url, {allowHttp: true})
    const probe = await probeServer(url)
    assert.equal(probe.auth, 'none')
    assert.equal(probe.transport, 'streamable-http')
    assert.match(probe.server?.name ?? '', /everything/i)

    const session = await openSession(url, {credentials: {type: 'none'}, timeoutMs: 10_000})
    try {
      const {tools, warnings} = await discoverTools(session)
      assert.deepEqual(warnings, [])
      const names = tools.map((tool) => tool.name)
      assert.ok(names.includes('echo'), names.join(', '))
      assert.ok(tools.length >= 5)
      for (const tool of tools) assert.equal(typeof tool.description, 'string')
    } finally {
      await session.close()
    }
  })
})
