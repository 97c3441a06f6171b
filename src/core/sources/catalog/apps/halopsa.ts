// HaloPSA: PSA. OAuth 2 client credentials (`scope=all` by default) against the authorisation server the instance
// announces at /api/authinfo; creates and updates are POSTs of JSON arrays. Vendor facts:
// shared/reference/catalog-vendors.md §2 (halopsa.com/apidoc; homotechsual/HaloAPI; n8n's HaloPSA credential).
import type {AppDefinition} from '../definition.js'

/** Halo lists page only with `pageinate=true`, by `page_size` and `page_no`; the items are under the resource's key. */
const paging = (items: string) => ({items, page: 'page_no', size: {max: 100, param: 'page_size'}, style: 'page'}) as const

export const haloPsa: AppDefinition = {
  api: '{instance}/api',
  auth: {
    kind: 'oauth-client-credentials',
    token: {
      format: 'form',
      params: {client_id: '{client-id}', client_secret: '{client-secret}', grant_type: 'client_credentials', scope: '{scope}'},
      query: {tenant: '{tenant}'},
      url: '{auth-url}/token',
    },
  },
  category: 'psa',
  description: 'Tickets, actions (notes), clients, assets and knowledge base of a HaloPSA instance.',
  discover: [{extract: {'auth-url': '/auth_url', tenant: '/tenant_id'}, url: '{instance}/api/authinfo'}],
  fields: [
    {help: 'Your Halo web address, e.g. https://acme.halopsa.com (Configuration → Integrations → Halo API → API Details).', key: 'instance', label: 'Instance URL', required: true, url: true},
    {default: '{instance}/auth', help: 'The authorisation server (found from the instance when left empty).', key: 'auth-url', label: 'Authorisation server URL', required: false, url: true},
    {help: 'Hosted instances only (found from the instance when left empty).', key: 'tenant', label: 'Tenant', required: false},
    {help: 'Configuration → Integrations → Halo API → View Applications → New: type Client ID and Secret (Services).', key: 'client-id', label: 'Client ID', required: true},
    {help: 'Shown when the API application is created.', key: 'client-secret', label: 'Client secret', required: true, secret: true},
    {default: 'all', help: 'OAuth scopes, space-separated (default all).', key: 'scope', label: 'Scopes', required: false},
  ],
  id: 'halopsa',
  name: 'HaloPSA',
  revokeAt: 'HaloPSA → Configuration → Integrations → Halo API → View Applications: delete the application or regenerate its secret',
  tools: [
    {
      class: 'read',
      description: 'List tickets, optionally of one client, agent or status, or matching a search text.',
      input: {
        properties: {
          agent_id: {description: 'Agent id.', type: 'integer'},
          client_id: {description: 'Client id.', type: 'integer'},
          search: {description: 'Text to search for.', type: 'string'},
          status_id: {description: 'Status id.', type: 'integer'},
        },
        type: 'object',
      },
      name: 'list_tickets',
      paging: paging('/tickets'),
      request: {method: 'GET', path: '/Tickets', query: {agent_id: '{agent_id}', client_id: '{client_id}', pageinate: 'true', search: '{search}', status_id: '{status_id}'}},
    },
    {
      class: 'read',
      description: 'Get one ticket by id, with its summary, details, client, agent and status.',
      input: {properties: {id: {description: 'Ticket id.', type: 'integer'}}, required: ['id'], type: 'object'},
      name: 'get_ticket',
      request: {method: 'GET', path: '/Tickets/{id}'},
    },
    {
      class: 'read',
      description: 'List the actions (notes, emails, calls) of one ticket.',
      input: {properties: {ticket_id: {description: 'Ticket id.', type: 'integer'}}, required: ['ticket_id'], type: 'object'},
      name: 'list_actions',
      paging: paging('/actions'),
      request: {method: 'GET', path: '/Actions', query: {pageinate: 'true', ticket_id: '{ticket_id}'}},
    },
    {
      class: 'write',
      description: 'Create a ticket with a summary, and optionally details and the client it is for.',
      input: {
        properties: {client_id: {description: 'Client id.', type: 'integer'}, details: {description: 'Details (HTML allowed).', type: 'string'}, summary: {description: 'One-line summary.', type: 'string'}},
        required: ['summary'],
        type: 'object',
      },
      name: 'create_ticket',
      request: {body: [{client_id: '{client_id}', details: '{details}', summary: '{summary}'}], method: 'POST', path: '/Tickets'},
    },
    {
      class: 'write',
      description: 'Update a ticket: its status and/or summary.',
      input: {
        properties: {id: {description: 'Ticket id.', type: 'integer'}, status_id: {description: 'New status id.', type: 'integer'}, summary: {description: 'New summary.', type: 'string'}},
        required: ['id'],
        type: 'object',
      },
      name: 'update_ticket',
      request: {body: [{id: '{id}', status_id: '{status_id}', summary: '{summary}'}], method: 'POST', path: '/Tickets'},
    },
    {
      class: 'write',
      description: 'Add a note (an action) to a ticket; hidden_from_user true makes it private.',
      input: {
        properties: {
          hidden_from_user: {description: 'Keep the note from the end user (default true).', type: 'boolean'},
          note: {description: 'The note text.', type: 'string'},
          ticket_id: {description: 'Ticket id.', type: 'integer'},
        },
        required: ['ticket_id', 'note'],
        type: 'object',
      },
      name: 'add_note',
      request: {body: [{hiddenfromuser: '{hidden_from_user}', note: '{note}', ticket_id: '{ticket_id}'}], method: 'POST', path: '/Actions'},
    },
    {
      class: 'read',
      description: 'List clients (customers), optionally matching a search text.',
      input: {properties: {search: {description: 'Text to search for in the name.', type: 'string'}}, type: 'object'},
      name: 'get_client',
      paging: paging('/clients'),
      request: {method: 'GET', path: '/Client', query: {pageinate: 'true', search: '{search}'}},
    },
    {
      class: 'read',
      description: 'List assets, optionally of one client or matching a search text.',
      input: {properties: {client_id: {description: 'Client id.', type: 'integer'}, search: {description: 'Text to search for.', type: 'string'}}, type: 'object'},
      name: 'list_assets',
      paging: paging('/assets'),
      request: {method: 'GET', path: '/Asset', query: {client_id: '{client_id}', pageinate: 'true', search: '{search}'}},
    },
    {
      class: 'read',
      description: 'Search knowledge-base articles by text.',
      input: {properties: {search: {description: 'Text to search for.', type: 'string'}}, required: ['search'], type: 'object'},
      name: 'search_kb',
      paging: paging('/articles'),
      request: {method: 'GET', path: '/KBArticle', query: {pageinate: 'true', search: '{search}'}},
    },
    {
      class: 'read',
      description: 'Get one knowledge-base article by id.',
      input: {properties: {id: {description: 'Article id.', type: 'integer'}}, required: ['id'], type: 'object'},
      name: 'get_kb_article',
      request: {method: 'GET', path: '/KBArticle/{id}'},
    },
  ],
  verify: {
    refusals: {
      '401': 'HaloPSA refused the access token. Check that the API application is active and allowed the scope.',
      '403': 'HaloPSA refused access: the API application lacks the permission or scope (try scope all).',
    },
    request: {method: 'GET', path: '/Client', query: {page_size: '1', pageinate: 'true'}},
  },
}
