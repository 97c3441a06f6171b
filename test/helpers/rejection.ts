// The error a promise rejects with, asserted to be an McpctlError, so a test can check its kind, message and hint.
import assert from 'node:assert/strict'

import {McpctlError} from '../../src/core/errors.js'

export async function rejection(promise: Promise<unknown>): Promise<McpctlError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof McpctlError, `expected McpctlError, got ${String(error)}`)
    return error
  }

  assert.fail('expected a rejection')
}
