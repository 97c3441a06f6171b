// 500 rules in the shape an MSP fleet's baseline takes, for `npm run bench`: a few fleet-wide verb rules and ceilings,
// and per-customer exceptions (exact server, server globs, literal prefixes, `?`), over the 200 × 100-tool bench store.

/** `count` rules over servers named `psa-000` … (as writeBenchStore names them). */
export function benchRules(servers, count) {
  const fleet = [
    {pattern: '*:*:delete_*', permission: 'disabled'},
    {atMost: 'approval_needed', pattern: '*:*:run_*'},
    {pattern: '*:*:wipe_*', permission: 'disabled'},
    {atMost: 'approval_needed', pattern: '*:*:reset_*'},
    {pattern: '*:*:sync_*', permission: 'approval_needed'},
    {pattern: 'mcp:*:list_*', permission: 'auto'},
    {pattern: 'mcp:*:search_*', permission: 'auto'},
    {pattern: '*:*:*_script_*', permission: 'approval_needed'},
    {atMost: 'disabled', pattern: '*:*:purge_*'},
    {pattern: 'halopsa:*:*', permission: 'approval_needed'},
    {pattern: 'mcp:psa-1??:update_*', permission: 'approval_needed'},
    {pattern: 'mcp:psa-0*:create_ticket_*', permission: 'auto'},
  ]
  const verbs = ['create', 'update', 'get', 'find', 'describe']
  // One rule per pattern, as the store keeps them.
  const rules = new Map(fleet.map((rule) => [rule.pattern, rule]))
  for (let i = 0; rules.size < count; i++) {
    const server = servers[i % servers.length]
    const verb = verbs[Math.floor(i / servers.length) % verbs.length]
    const shape = i % 4
    let rule
    if (shape === 0) rule = {pattern: `*:${server}:${verb}_*`, permission: 'approval_needed'}
    else if (shape === 1) rule = {pattern: `mcp:${server}:${verb}_device_*`, permission: 'auto'}
    else if (shape === 2) rule = {pattern: `mcp:${server}:${verb}_ticket_${i % 100}`, permission: 'disabled'}
    else rule = {atMost: 'approval_needed', pattern: `*:${server.slice(0, -1)}?:${verb}_user_*`}
    rules.set(rule.pattern, rule)
  }

  return [...rules.values()].slice(0, count)
}
