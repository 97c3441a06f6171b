import assert from 'node:assert/strict'

import {seedPolicy} from '../../../src/core/policy/seed.js'
import {descriptionVerb, leadingVerb, READ_VERBS, WRITE_VERBS} from '../../../src/core/policy/verbs.js'

describe('seedPolicy', () => {
  it('lets tools whose name verb is read-like run automatically', () => {
    for (const name of ['get_ticket', 'listUsers', 'search-docs', 'Get-Ticket', 'GET.ticket', 'fetchHTTPStatus']) {
      const seed = seedPolicy({name})
      assert.equal(seed.permission, 'auto', name)
      assert.equal(seed.class, 'read', name)
    }
    assert.equal(seedPolicy({name: 'get_ticket'}).reason, 'name verb "get" is read-like')
  })

  it('asks for approval when the name verb is write-like', () => {
    for (const name of ['delete_user', 'createTicket', 'run_script', 'reset_password', 'resolve_alert', 'log_time']) {
      const seed = seedPolicy({name})
      assert.equal(seed.permission, 'approval_needed', name)
      assert.equal(seed.class, 'write', name)
    }
    assert.equal(seedPolicy({name: 'delete_user'}).reason, 'name verb "delete" is write-like')
  })

  it('uses the description verb when the name verb is unknown', () => {
    const weather = seedPolicy({description: 'Gets the weather for a city.', name: 'weather'})
    assert.equal(weather.permission, 'auto')
    assert.equal(weather.class, 'read')
    assert.equal(weather.reason, 'description verb "gets" is read-like (name verb "weather" unknown)')

    const device = seedPolicy({description: 'Deletes a device from the RMM.', name: 'device'})
    assert.equal(device.permission, 'approval_needed')
    assert.equal(device.class, 'write')
    assert.match(device.reason, /description verb "deletes" is write-like/)

    assert.equal(seedPolicy({description: 'Lists open tickets', name: 'ticketsearch'}).reason,
      'description verb "lists" is read-like (name verb "ticketsearch" unknown)')
  })

  it('does not let the description overrule a known name verb', () => {
    const seed = seedPolicy({description: 'Gets rid of a user', name: 'delete_user'})
    assert.equal(seed.permission, 'approval_needed')
    assert.match(seed.reason, /name verb "delete"/)
  })

  it('asks for approval when nothing is known', () => {
    const seed = seedPolicy({description: 'This tool does things.', name: 'frobnicate'})
    assert.deepEqual(seed, {class: 'unknown', permission: 'approval_needed', reason: 'no read-like verb or read-only hint'})
    assert.equal(seedPolicy({name: '___'}).permission, 'approval_needed')
  })

  it('treats agreeing annotations as confirmation', () => {
    const seed = seedPolicy({annotations: {readOnlyHint: true}, name: 'get_x'})
    assert.equal(seed.permission, 'auto')
    assert.equal(seed.reason, 'name verb "get" is read-like and readOnlyHint is true')
  })

  it('lets annotations that say write stop a read-like name from running automatically', () => {
    const destructive = seedPolicy({annotations: {destructiveHint: true}, name: 'get_x'})
    assert.deepEqual(destructive, {
      class: 'write',
      permission: 'approval_needed',
      reason: 'name verb "get" is read-like but destructiveHint is true',
    })
    const notReadOnly = seedPolicy({annotations: {readOnlyHint: false}, name: 'get_x'})
    assert.equal(notReadOnly.permission, 'approval_needed')
    assert.equal(notReadOnly.reason, 'name verb "get" is read-like but readOnlyHint is false')
  })

  it('lets readOnlyHint decide only when the words are unknown', () => {
    const unknownWords = seedPolicy({annotations: {readOnlyHint: true}, name: 'weather'})
    assert.deepEqual(unknownWords, {class: 'read', permission: 'auto', reason: 'readOnlyHint is true (verbs unknown)'})

    const writeVerb = seedPolicy({annotations: {readOnlyHint: true}, name: 'delete_user'})
    assert.equal(writeVerb.permission, 'approval_needed')
    assert.equal(writeVerb.class, 'write')
    assert.match(writeVerb.reason, /name verb "delete" is write-like.*readOnlyHint is true/)

    const writeDescription = seedPolicy({annotations: {readOnlyHint: true}, description: 'Deletes a device', name: 'device'})
    assert.equal(writeDescription.permission, 'approval_needed')
  })

  it('treats conflicting hints as write, and ignores hints that are not booleans', () => {
    assert.equal(seedPolicy({annotations: {destructiveHint: true, readOnlyHint: true}, name: 'weather'}).permission, 'approval_needed')
    const hostile = {annotations: {readOnlyHint: 'true'} as unknown as {readOnlyHint: boolean}, name: 'weather'}
    assert.equal(seedPolicy(hostile).permission, 'approval_needed')
    assert.equal(seedPolicy({annotations: {destructiveHint: true}, name: 'weather'}).reason, 'destructiveHint is true (verbs unknown)')
  })

  it('never seeds disabled', () => {
    const names = ['get_x', 'delete_x', 'weather', 'kill_everything', 'drop_database', 'wipe_device', '']
    const annotations = [undefined, {readOnlyHint: true}, {readOnlyHint: false}, {destructiveHint: true}]
    const descriptions = [undefined, '', 'Destroys everything', 'Gets things']
    for (const name of names)
      for (const a of annotations)
        for (const description of descriptions) assert.notEqual(seedPolicy({annotations: a, description, name}).permission, 'disabled')
  })

  it('keeps hostile name text out of the reason', () => {
    const seed = seedPolicy({description: 'Gets it', name: '\u001B]8;;https://evil\u0007x'})
    assert.doesNotMatch(seed.reason, /[\u0000-\u001F\u007F-\u009F\u202A-\u202E]/)
  })
})

describe('policy verbs', () => {
  it('has no verb in both lists', () => {
    for (const verb of READ_VERBS) assert.ok(!WRITE_VERBS.has(verb), verb)
  })

  it('takes only the leading word of a name', () => {
    assert.equal(leadingVerb('getTicket'), 'get')
    assert.equal(leadingVerb('get_ticket'), 'get')
    assert.equal(leadingVerb('Get-Ticket'), 'get')
    assert.equal(leadingVerb('HTTPRequest'), 'http')
    assert.equal(leadingVerb('tickets.get'), 'tickets')
    assert.equal(leadingVerb('__list'), 'list')
    assert.equal(leadingVerb('---'), undefined)
  })

  it('reads inflected and imperative description verbs', () => {
    const cases: Record<string, string | undefined> = {
      '  **Searches** the docs': 'search',
      'Creates a ticket': 'create',
      'Fetches a page': 'fetch',
      'Get the weather': 'get',
      'Gets the weather': 'get',
      'Lists devices': 'list',
      'Queries the index': 'query',
      'Retrieves a record': 'retrieve',
      'Returns stuff': undefined,
      'Status of the service': 'status',
      '': undefined,
    }
    for (const [description, verb] of Object.entries(cases)) assert.equal(descriptionVerb(description), verb, description)
    assert.equal(descriptionVerb(undefined), undefined)
  })
})
