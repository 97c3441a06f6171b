import assert from 'node:assert/strict'

import {atPointer, fill, fillAll, fillBody} from '../../../../src/core/sources/catalog/template.js'

describe('catalog templates', () => {
  it('fills placeholders, and gives undefined when a named value is absent', () => {
    assert.equal(fill('{instance}/api', {instance: 'https://x.test'}), 'https://x.test/api')
    assert.equal(fill('/tickets/{id}', {id: 'a/b'}, encodeURIComponent), '/tickets/a%2Fb')
    assert.equal(fill('/tickets/{id}', {}), undefined)
    assert.equal(fill('{x}', {x: ''}), undefined)
    assert.deepEqual(fillAll({a: '{a}', b: '{b}', c: 'true'}, {a: 1}), {a: '1', c: 'true'})
  })

  it('builds JSON bodies keeping argument types, dropping absent properties and $if blocks', () => {
    const template = [{client_id: '{client_id}', id: '{id}', note: 'Ticket {id}: {summary}', tags: '{tags}'}]
    assert.deepEqual(fillBody(template, {id: 7, summary: 'Down', tags: ['a']}), [{id: 7, note: 'Ticket 7: Down', tags: ['a']}])
    const patch = [{$if: 'status', then: {op: 'replace', path: 'status', value: {id: '{status}'}}}, {$if: 'summary', then: {op: 'replace', path: 'summary', value: '{summary}'}}]
    assert.deepEqual(fillBody(patch, {status: 5}), [{op: 'replace', path: 'status', value: {id: 5}}])
  })

  it('reads JSON pointers, escapes included', () => {
    const doc = {'a/b': {'c~d': [1, 2]}, links: {next: 'x'}}
    assert.equal(atPointer(doc, '/links/next'), 'x')
    assert.deepEqual(atPointer(doc, '/a~1b/c~0d'), [1, 2])
    assert.equal(atPointer(doc, '/missing/x'), undefined)
    assert.equal(atPointer(doc, ''), doc)
  })
})
