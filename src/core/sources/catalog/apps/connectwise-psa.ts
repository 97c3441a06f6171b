// ConnectWise PSA (Manage): API-member keys as Basic `company+public:private` plus the integration's `clientId` header;
// the API lives under the company's codebase, looked up without credentials at `/login/companyinfo/{company}`.
// Vendor facts: shared/reference/catalog-vendors.md §1 (rjanicek/connectwise-manage-rest-api README; christaylorcodes
// ConnectWiseManageAPI; the 2025.1 OpenAPI via ai-connor/connectwise).
import type {AppDefinition} from '../definition.js'

/** Lists are bare arrays, `pageSize` up to 1000, the next page in the Link header. */
const paging = {items: '', next: 'link', size: {max: 1000, param: 'pageSize'}, style: 'next'} as const

const CONDITIONS = {
  description:
    'ConnectWise conditions, e.g. `board/id=1 and status/name="New"`: fields by path, operators = != < <= > >= contains like (with %) in not, joined by and/or; strings in double quotes, dates in [brackets].',
  type: 'string',
}
const ORDER_BY = {description: 'Sort order, e.g. `id desc` or `name asc`.', type: 'string'}
const FIELDS = {description: 'Comma-separated fields to return (e.g. `id,summary,status/name`); all when absent.', type: 'string'}
const TICKET_ID = {description: 'Service ticket id.', minimum: 1, type: 'integer'}

export const connectwisePsa: AppDefinition = {
  api: '{instance}/{codebase}apis/3.0',
  auth: {headers: {clientid: '{client-id}'}, kind: 'basic', password: '{private-key}', username: '{company}+{public-key}'},
  category: 'psa',
  description: 'PSA: service tickets and their notes, companies, configurations and time entries (ConnectWise PSA REST API 3.0).',
  discover: [
    {
      extract: {codebase: '/Codebase'},
      unknown:
        'ConnectWise PSA does not know this company ID at this site. Check the company ID (the one typed at login) and the instance: na, eu, au or your own server\'s URL.',
      url: '{instance}/login/companyinfo/{company}',
    },
  ],
  fields: [
    {
      help: 'The ConnectWise cloud region your company signs in to (na, eu, au), or your on-premises server\'s https:// URL.',
      key: 'instance',
      label: 'Site',
      presets: [
        {label: 'North America (api-na.myconnectwise.net)', url: 'https://api-na.myconnectwise.net', value: 'na'},
        {label: 'Europe (api-eu.myconnectwise.net)', url: 'https://api-eu.myconnectwise.net', value: 'eu'},
        {label: 'Australia (api-au.myconnectwise.net)', url: 'https://api-au.myconnectwise.net', value: 'au'},
      ],
      required: true,
      url: true,
    },
    {help: 'The company ID you type when signing in to ConnectWise PSA.', key: 'company', label: 'Company ID', required: true},
    {
      help: 'System → Members → API Members → (the API member) → API Keys: the public key.',
      key: 'public-key',
      label: 'Public key',
      required: true,
    },
    {
      help: 'The private key shown once, when the API key is made (System → Members → API Members → API Keys).',
      key: 'private-key',
      label: 'Private key',
      required: true,
      secret: true,
    },
    {
      help: 'Your integration\'s clientId GUID, registered at developer.connectwise.com/ClientID (required since August 2019).',
      key: 'client-id',
      label: 'Client ID',
      required: true,
    },
  ],
  id: 'connectwise-psa',
  name: 'ConnectWise PSA',
  revokeAt: 'ConnectWise PSA → System → Members → API Members → (the API member) → API Keys: delete the key',
  tools: [
    {
      class: 'read',
      description: 'List service tickets matching ConnectWise conditions (e.g. `board/id=1 and status/name="New"`).',
      input: {properties: {conditions: CONDITIONS, fields: FIELDS, orderBy: ORDER_BY}, type: 'object'},
      name: 'list_tickets',
      paging,
      request: {method: 'GET', path: '/service/tickets', query: {conditions: '{conditions}', fields: '{fields}', orderBy: '{orderBy}'}},
    },
    {
      class: 'read',
      description: 'Get one service ticket: summary, board, status, company, priority, description.',
      input: {properties: {id: TICKET_ID}, required: ['id'], type: 'object'},
      name: 'get_ticket',
      request: {method: 'GET', path: '/service/tickets/{id}'},
    },
    {
      class: 'read',
      description: 'List the notes of one service ticket (text and whether each is a description, internal or resolution note).',
      input: {properties: {id: TICKET_ID}, required: ['id'], type: 'object'},
      name: 'get_ticket_notes',
      paging,
      request: {method: 'GET', path: '/service/tickets/{id}/notes'},
    },
    {
      class: 'write',
      description: 'Create a service ticket on a board for a company; returns the new ticket with its id.',
      input: {
        properties: {
          board_id: {description: 'Service board id.', minimum: 1, type: 'integer'},
          company_id: {description: 'Company id (see search_companies).', minimum: 1, type: 'integer'},
          description: {description: 'Initial description.', type: 'string'},
          summary: {description: 'One-line summary (ConnectWise allows 100 characters).', maxLength: 100, minLength: 1, type: 'string'},
        },
        required: ['summary', 'board_id', 'company_id'],
        type: 'object',
      },
      name: 'create_ticket',
      request: {
        body: {board: {id: '{board_id}'}, company: {id: '{company_id}'}, initialDescription: '{description}', summary: '{summary}'},
        method: 'POST',
        path: '/service/tickets',
      },
    },
    {
      class: 'write',
      description: 'Change a service ticket\'s status, summary, priority or board (a JSON-Patch of the given fields); returns the updated ticket.',
      input: {
        anyOf: [{required: ['status_id']}, {required: ['summary']}, {required: ['priority_id']}, {required: ['board_id']}],
        properties: {
          board_id: {description: 'Move to this service board.', minimum: 1, type: 'integer'},
          id: TICKET_ID,
          priority_id: {description: 'New priority id.', minimum: 1, type: 'integer'},
          status_id: {description: 'New status id (statuses belong to the ticket\'s board).', minimum: 1, type: 'integer'},
          summary: {description: 'New summary.', maxLength: 100, minLength: 1, type: 'string'},
        },
        required: ['id'],
        type: 'object',
      },
      name: 'update_ticket',
      request: {
        body: [
          {$if: 'status_id', then: {op: 'replace', path: 'status', value: {id: '{status_id}'}}},
          {$if: 'summary', then: {op: 'replace', path: 'summary', value: '{summary}'}},
          {$if: 'priority_id', then: {op: 'replace', path: 'priority', value: {id: '{priority_id}'}}},
          {$if: 'board_id', then: {op: 'replace', path: 'board', value: {id: '{board_id}'}}},
        ],
        method: 'PATCH',
        path: '/service/tickets/{id}',
      },
    },
    {
      class: 'write',
      description: 'Add a note to a service ticket: a detail description, an internal analysis note or a resolution (set at least one flag).',
      input: {
        properties: {
          detail_description: {description: 'Show it as part of the ticket\'s discussion (detail description).', type: 'boolean'},
          id: TICKET_ID,
          internal: {description: 'Internal analysis note, not visible to the customer.', type: 'boolean'},
          resolution: {description: 'Resolution note.', type: 'boolean'},
          text: {description: 'The note\'s text.', minLength: 1, type: 'string'},
        },
        required: ['id', 'text'],
        type: 'object',
      },
      name: 'add_ticket_note',
      request: {
        body: {detailDescriptionFlag: '{detail_description}', internalAnalysisFlag: '{internal}', resolutionFlag: '{resolution}', text: '{text}'},
        method: 'POST',
        path: '/service/tickets/{id}/notes',
      },
    },
    {
      class: 'read',
      description: 'Search companies with ConnectWise conditions (e.g. `name like "Acme%"`); returns id, identifier, name, status and types.',
      input: {properties: {conditions: CONDITIONS, fields: FIELDS, orderBy: ORDER_BY}, type: 'object'},
      name: 'search_companies',
      paging,
      request: {method: 'GET', path: '/company/companies', query: {conditions: '{conditions}', fields: '{fields}', orderBy: '{orderBy}'}},
    },
    {
      class: 'read',
      description: 'List configurations (devices and other assets) matching ConnectWise conditions, e.g. `company/id=250`.',
      input: {properties: {conditions: CONDITIONS, fields: FIELDS, orderBy: ORDER_BY}, type: 'object'},
      name: 'list_configurations',
      paging,
      request: {method: 'GET', path: '/company/configurations', query: {conditions: '{conditions}', fields: '{fields}', orderBy: '{orderBy}'}},
    },
    {
      class: 'write',
      description: 'Log a time entry, charged to a service ticket when ticket_id is given (otherwise to the member\'s company); returns the entry.',
      input: {
        properties: {
          actual_hours: {description: 'Hours worked, when not derived from the start and end times.', exclusiveMinimum: 0, type: 'number'},
          member: {description: 'Member identifier to log the time for (default: the API member).', type: 'string'},
          notes: {description: 'Notes on the work done.', type: 'string'},
          ticket_id: {description: 'Charge to this service ticket.', minimum: 1, type: 'integer'},
          time_end: {description: 'End, ISO 8601 UTC (e.g. 2026-01-05T10:30:00Z).', type: 'string'},
          time_start: {description: 'Start, ISO 8601 UTC (e.g. 2026-01-05T09:00:00Z).', type: 'string'},
        },
        required: ['time_start'],
        type: 'object',
      },
      name: 'log_time',
      request: {
        body: {
          actualHours: '{actual_hours}',
          chargeToId: '{ticket_id}',
          chargeToType: {$if: 'ticket_id', then: 'ServiceTicket'},
          member: {$if: 'member', then: {identifier: '{member}'}},
          notes: '{notes}',
          timeEnd: '{time_end}',
          timeStart: '{time_start}',
        },
        method: 'POST',
        path: '/time/entries',
      },
    },
  ],
  verify: {
    refusals: {
      '401': 'ConnectWise PSA refused the API key. Check the company ID, the public and private keys (System → Members → API Members → API Keys) and the client ID.',
      '403': 'ConnectWise PSA refused access for this API member. Check its security role in System → Members → API Members.',
    },
    request: {method: 'GET', path: '/system/info'},
  },
}
