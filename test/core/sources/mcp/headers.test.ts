import assert from 'node:assert/strict'

import {parseStaticHeaders} from '../../../../src/core/sources/mcp/headers.js'

describe('static headers (--header NAME=VALUE)', () => {
  it('parses NAME=VALUE pairs, lower-casing names and keeping everything after the first =', () => {
    assert.deepEqual({...parseStaticHeaders(['X-Tenant-Id=acme', 'x-filter=a=b'])}, {'x-filter': 'a=b', 'x-tenant-id': 'acme'})
    assert.deepEqual({...parseStaticHeaders([])}, {})
  })

  it('refuses what could smuggle a header, carry a credential or repeat one', () => {
    const refused: [string[], RegExp, {credentialHeader?: string}?][] = [
      [['x-tenant=a\r\nx-evil: 1'], /printable text on one line/],
      [['x-tenant='], /needs a value/],
      [['bad name=1'], /not NAME=VALUE/],
      [['Authorization=Bearer x'], /cannot set authorization/],
      [['cookie=session=1'], /cannot set cookie/],
      [['X-Api-Key=k'], /credential header/, {credentialHeader: 'x-api-key'}],
      [['x-a=1', 'X-A=2'], /given twice/],
    ]
    for (const [inputs, message, options] of refused) assert.throws(() => parseStaticHeaders(inputs, options), message, inputs.join(' '))
  })
})
