// Every built-in app definition is valid data: the zod schema (the format's one definition) plus the cross-checks
// a schema cannot express. A new app file is covered as soon as it is listed in apps/index.ts.
import assert from 'node:assert/strict'

import {TOOL_NAME} from '../../../../src/core/names.js'
import {APPS} from '../../../../src/core/sources/catalog/apps/index.js'
import {AppDefinition, definitionProblems} from '../../../../src/core/sources/catalog/definition.js'
import {appToolDefinitions} from '../../../../src/core/sources/catalog/engine.js'
import {newToolRecord} from '../../../../src/core/tool-record.js'

describe('catalog app definitions', () => {
  for (const app of APPS) {
    describe(app.id, () => {
      it('matches the definition schema', () => {
        const parsed = AppDefinition.safeParse(app)
        assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues, null, 2))
      })

      it('names only its own fields and arguments, and requires every path argument', () => {
        assert.deepEqual(definitionProblems(app), [])
      })

      it('takes every host it talks to from a url field (presets or https://)', () => {
        const host = /^\{([a-z-]+)\}/.exec(app.api)?.[1]
        assert.ok(host, `api "${app.api}" must start with a url field`)
        assert.equal(app.fields.find((f) => f.key === host)?.url, true)
        for (const step of app.discover ?? []) assert.match(step.url, /^\{[a-z-]+\}/)
        if ('token' in app.auth) assert.match(app.auth.token.url, /^\{[a-z-]+\}/)
        if (app.auth.kind === 'oauth-authorization-code') {
          const urls = [app.auth.authorize, app.auth.tokenUrl, ...(app.auth.clientCredentials ? [app.auth.clientCredentials.token.url] : [])]
          for (const url of urls) assert.match(url, /^\{[a-z-]+\}/)
        }
      })

      it('seeds its tools from their declared class: read → auto, write and sensitive → approval_needed', () => {
        for (const definition of appToolDefinitions(app)) {
          assert.match(definition.name, TOOL_NAME)
          const record = newToolRecord(definition, '2026-01-01T00:00:00.000Z')
          assert.equal(record.policy.permission, definition.declared === 'read' ? 'auto' : 'approval_needed', definition.name)
        }
      })
    })
  }

  it('has unique ids that are not the MCP prefix', () => {
    const ids = APPS.map((app) => app.id)
    assert.equal(new Set(ids).size, ids.length)
    assert.ok(!ids.includes('mcp'))
  })
})
