// IT Glue (Kaseya): documentation. API key in `x-api-key`, JSON:API bodies, one host per region.
// Vendor facts: shared/reference/catalog-vendors.md §10 (help.itglue.kaseya.com "Getting started with the IT Glue API";
// api.itglue.com/developer). Read-only: the reference confirms no write endpoint for API keys.
import type {AppDefinition} from '../definition.js'

/** Every IT Glue list pages the JSON:API way: `page[size]` (at most 1000) and the next page's URL in `links.next`. */
const paging = {items: '/data', next: '/links/next', size: {max: 1000, param: 'page[size]'}, style: 'next'} as const

export const itGlue: AppDefinition = {
  api: '{instance}',
  auth: {headers: {'x-api-key': '{api-key}'}, kind: 'api-key'},
  category: 'documentation',
  description: 'IT documentation: organizations, their configurations and passwords (IT Glue REST API, JSON:API).',
  fields: [
    {
      help: 'The region your IT Glue account lives in; a key works only on its own region.',
      key: 'instance',
      label: 'Region',
      presets: [
        {label: 'United States (api.itglue.com)', url: 'https://api.itglue.com', value: 'us'},
        {label: 'Europe (api.eu.itglue.com)', url: 'https://api.eu.itglue.com', value: 'eu'},
        {label: 'Australia (api.au.itglue.com)', url: 'https://api.au.itglue.com', value: 'au'},
      ],
      required: true,
      url: true,
    },
    {
      help: 'IT Glue → Account → Settings → API Keys (administrators, Enterprise plan); "ITG." keys.',
      key: 'api-key',
      label: 'API key',
      required: true,
      secret: true,
    },
  ],
  headers: {accept: 'application/vnd.api+json', 'content-type': 'application/vnd.api+json'},
  id: 'it-glue',
  name: 'IT Glue',
  revokeAt: 'IT Glue → Account → Settings → API Keys: revoke (or pause) the key',
  tools: [
    {
      class: 'read',
      description: 'Search IT Glue organizations by name (exact match on filter[name]); returns id, name, type and status of each.',
      input: {properties: {name: {description: 'Organization name to match.', type: 'string'}}, type: 'object'},
      name: 'search_orgs',
      paging,
      request: {method: 'GET', path: '/organizations', query: {'filter[name]': '{name}'}},
      result: {jsonapi: true},
    },
    {
      class: 'read',
      description: 'List the configurations (devices: servers, workstations, network gear) documented for one organization.',
      input: {properties: {org_id: {description: 'Organization id.', type: 'string'}}, required: ['org_id'], type: 'object'},
      name: 'org_configurations',
      paging,
      request: {method: 'GET', path: '/organizations/{org_id}/relationships/configurations'},
      result: {jsonapi: true},
    },
    {
      class: 'read',
      description: 'List the password entries of one organization: names, usernames and URLs, never the password values.',
      input: {properties: {org_id: {description: 'Organization id.', type: 'string'}}, required: ['org_id'], type: 'object'},
      name: 'list_passwords',
      paging,
      request: {method: 'GET', path: '/organizations/{org_id}/relationships/passwords'},
      result: {jsonapi: true},
    },
    {
      class: 'sensitive',
      description: 'Get one password entry with its password value revealed (show_password=true).',
      input: {properties: {id: {description: 'Password id.', type: 'string'}}, required: ['id'], type: 'object'},
      name: 'get_password',
      request: {method: 'GET', path: '/passwords/{id}', query: {show_password: 'true'}},
      result: {jsonapi: true, pointer: '/data'},
    },
  ],
  verify: {
    refusals: {
      '401': 'IT Glue refused the API key. Check the key, and that it was issued for this region (a key works only on its own region: us, eu or au).',
      '403': 'IT Glue refused access for this API key. Check in Account → Settings → API Keys that the key is active, not paused.',
    },
    request: {method: 'GET', path: '/organizations', query: {'page[size]': '1'}},
  },
}
