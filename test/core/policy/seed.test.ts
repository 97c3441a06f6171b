import assert from 'node:assert/strict'

import {seedPolicy} from '../../../src/core/policy/seed.js'
import {DESCRIPTION_READ_VERBS, descriptionVerb, leadingVerb, READ_VERBS, WRITE_VERBS} from '../../../src/core/policy/verbs.js'

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

  it('follows the MCP spec: destructiveHint means nothing on a read-only tool (mcp-go sets it on every tool)', () => {
    const both = seedPolicy({annotations: {destructiveHint: true, readOnlyHint: true}, description: 'Get list of channels', name: 'channels_list'})
    assert.equal(both.permission, 'auto')
    assert.equal(both.class, 'read')
    assert.match(both.reason, /readOnlyHint is true \(its destructiveHint applies only to tools that are not read-only\)/)
    assert.equal(seedPolicy({annotations: {destructiveHint: true, readOnlyHint: true}, name: 'delete_channel'}).permission, 'approval_needed', 'a write verb still wins')
  })

  it('ignores hints that are not booleans', () => {
    const hostile = {annotations: {readOnlyHint: 'true'} as unknown as {readOnlyHint: boolean}, name: 'weather'}
    assert.equal(seedPolicy(hostile).permission, 'approval_needed')
    assert.equal(seedPolicy({annotations: {destructiveHint: true}, name: 'weather'}).reason, 'destructiveHint is true (verbs unknown)')
  })

  it('reads returns, retrieves, shows, displays, reports, counts, checks and looks up as read-like description openings', () => {
    const openings = ['Returns a summary of widgets', 'Retrieves a widget', 'Shows the widgets', 'Displays the widget tree', 'Reports the status of a widget', 'Counts widgets', 'Checks whether a widget exists', 'Looks up a widget by serial']
    for (const description of openings) {
      const seed = seedPolicy({description, name: 'widget_summary'})
      assert.deepEqual([seed.class, seed.permission], ['read', 'auto'], description)
    }
    assert.equal(seedPolicy({description: 'Returns a summary of widgets', name: 'widgets'}).reason, 'description verb "returns" is read-like (name verb "widgets" unknown)')
  })

  it('does not read return, report or display as read-like name verbs (they often act)', () => {
    for (const name of ['return_order', 'report_spam', 'display_message']) assert.equal(seedPolicy({name}).permission, 'approval_needed', name)
  })

  it('seeds reads of passwords, secrets, keys, tokens, recovery codes and bulk exports as sensitive, needing approval', () => {
    const cases: [Parameters<typeof seedPolicy>[0], RegExp][] = [
      [{name: 'get_user_password'}, /^reads passwords: the name says "password" \(name verb "get" is read-like\)$/],
      [{description: 'Retrieve BitLocker recovery keys for a Windows device (Requires Admin).', name: 'get_bitlocker_recovery_key'}, /^reads keys: the name says "recovery key"/],
      [{name: 'export_all_contacts'}, /^reads bulk export: the name says "export all"/],
      [{annotations: {readOnlyHint: true}, description: 'Returns all environment variables, helpful for debugging MCP server configuration', name: 'get-env'}, /^reads environment variables: the name says "env"/],
      [{description: 'Returns all environment variables', name: 'printEnvironment'}, /^reads environment variables: the description says "environment variable"/],
      [{description: 'Lists the API keys of a tenant.', name: 'tenant_keys'}, /^reads keys: the description says "api key"/],
      [{name: 'getAccessToken'}, /^reads tokens: the name says "access token"/],
      [{name: 'list_tokens'}, /^reads tokens: the name says "token"/],
      [{name: 'get_mfa_backup_codes'}, /^reads one-time or recovery codes: the name says "backup code"/],
      [{name: 'list_secret_scanning_alerts'}, /^reads secrets/],
      [{description: 'Returns a dump of the database.', name: 'db_dump'}, /^reads bulk export: the name says "dump"/],
    ]
    for (const [tool, reason] of cases) {
      const seed = seedPolicy(tool)
      assert.deepEqual([seed.class, seed.permission], ['sensitive', 'approval_needed'], tool.name)
      assert.match(seed.reason, reason, tool.name)
    }
  })

  it('lets no annotation lower a sensitive read', () => {
    const seed = seedPolicy({annotations: {destructiveHint: false, idempotentHint: true, readOnlyHint: true} as never, name: 'get_laps_password'})
    assert.deepEqual([seed.class, seed.permission], ['sensitive', 'approval_needed'])
    assert.match(seed.reason, /readOnlyHint is true/)
  })

  it('does not call a read sensitive for words that only look like credentials', () => {
    const reads: Parameters<typeof seedPolicy>[0][] = [
      {annotations: {readOnlyHint: true}, description: "Notion | Retrieve your token's bot user", name: 'API-get-self'},
      {description: 'Get details of a specific Jira issue by its issue key.', name: 'jira_get_issue'},
      {description: 'List Redis keys matching a pattern.', name: 'list_keys'},
      {description: 'Search issues using natural-language semantic matching. Best for queries like "login fails after password reset".', name: 'search_issues'},
      {description: 'Exports a report as PDF.', name: 'export_report'},
    ]
    for (const tool of reads) assert.equal(seedPolicy(tool).class, 'read', tool.name)
  })

  it('leaves writes about secrets as writes', () => {
    assert.deepEqual(seedPolicy({name: 'reset_password'}).class, 'write')
    assert.deepEqual(seedPolicy({name: 'rotate_api_key'}).class, 'write')
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
    for (const verb of DESCRIPTION_READ_VERBS) assert.ok(!WRITE_VERBS.has(verb) && !READ_VERBS.has(verb), verb)
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
      'Returns stuff': 'return',
      'Reports the status': 'report',
      'Displays a list': 'display',
      'Looks up a user': 'look',
      'Status of the service': 'status',
      '': undefined,
    }
    for (const [description, verb] of Object.entries(cases)) assert.equal(descriptionVerb(description), verb, description)
    assert.equal(descriptionVerb(undefined), undefined)
  })
})
