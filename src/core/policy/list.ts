// The rows of `policy list`: every tool's policy, filtered by server, level and who set it.
import {requireIntegration} from '../integrations.js'
import type {Config} from '../store/schema.js'
import {listTools, type ToolListFilter, type ToolRow} from '../tool-list.js'
import type {PolicySource} from './permission.js'

export interface PolicyListFilter extends Omit<ToolListFilter, 'changed'> {
  source?: PolicySource
}

export function listPolicies(config: Config, filter: PolicyListFilter = {}): ToolRow[] {
  // An unknown --server is an error that names the known ones, not an empty list a script would take for "none".
  if (filter.server) requireIntegration(config, filter.server)
  const rows = listTools(config, {permission: filter.permission, server: filter.server})
  return filter.source ? rows.filter((row) => row.source === filter.source) : rows
}
