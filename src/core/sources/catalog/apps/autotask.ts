// Autotask PSA (Kaseya): an API user's credentials in three headers (`ApiIntegrationCode`, `UserName`, `Secret`); the
// user's zone found by ZoneInformation, then `{zone}/V1.0/…`. Queries are POSTed filter bodies paged by
// `MaxRecords` and `pageDetails.nextPageUrl`. Vendor facts: shared/reference/catalog-vendors.md §3 (the REST API's
// OpenAPI, Autotask's Postman collection AutotaskDevelopment/REST-Postman, the entity pages of the developer help).
import type {AppDefinition} from '../definition.js'

/** Every query pages the same way: `MaxRecords` (at most 500) in the body, then `nextPageUrl`, a GET. */
const paging = {items: '/items', next: '/pageDetails/nextPageUrl', nextMethod: 'GET', size: {in: 'body', max: 500, param: 'MaxRecords'}, style: 'next'} as const

const FILTER = {
  description:
    'More Autotask filter conditions, all of which must hold: [{"op":"eq","field":"priority","value":1}]. Operators: eq, noteq, gt, gte, lt, lte, beginsWith, endsWith, contains, exist, notExist, in, notIn; groups {"op":"or","items":[…]}.',
  items: {type: 'object'},
  minItems: 1,
  type: 'array',
}
/** A query matches everything unless narrowed: Autotask refuses an empty filter. */
const EVERY = {field: 'id', op: 'exist'}
const MORE = {$if: 'filter', then: {items: '{filter}', op: 'and'}}
const ID = {minimum: 1, type: 'integer'}

export const autotask: AppDefinition = {
  api: '{instance}/V1.0',
  auth: {headers: {apiintegrationcode: '{integration-code}', secret: '{secret}', username: '{username}'}, kind: 'api-key'},
  category: 'psa',
  description: 'PSA: tickets and their notes, companies, configuration items and time entries (Autotask REST API).',
  discover: [
    {
      always: true,
      extract: {instance: '/url'},
      refusals: {'500': 'Autotask does not know this API username. Check the username (the API user\'s, e.g. name@domain).'},
      url: '{instance}/V1.0/ZoneInformation?user={username}',
    },
  ],
  fields: [
    {help: 'The API user\'s username: Admin → Resources/Users → New API User (security level API User).', key: 'username', label: 'API username', required: true},
    {help: 'The API user\'s secret, set on the same page.', key: 'secret', label: 'Secret', required: true, secret: true},
    {
      help: 'The API user\'s API Tracking Identifier (an integration vendor, or Custom for your own integration).',
      key: 'integration-code',
      label: 'Integration code',
      required: true,
    },
    {
      default: 'https://webservices.autotask.net/atservicesrest',
      help: 'Optional: mcpctl asks ZoneInformation (here, or at webservices.autotask.net) for your zone, e.g. https://webservices5.autotask.net/ATServicesRest.',
      key: 'instance',
      label: 'Zone URL',
      required: false,
      url: true,
    },
  ],
  id: 'autotask',
  name: 'Autotask',
  revokeAt: 'Autotask → Admin → Resources/Users → the API user: deactivate it or change its secret',
  tools: [
    {
      class: 'read',
      description: 'Search tickets by company, status, title text and any further Autotask filter conditions; returns the ticket entities.',
      input: {
        properties: {
          company_id: {...ID, description: 'Only this company\'s tickets (companyID).'},
          filter: FILTER,
          status: {description: 'Status picklist value (e.g. 1 = New, 5 = Complete in a default setup).', type: 'integer'},
          title: {description: 'Text the title contains.', type: 'string'},
        },
        type: 'object',
      },
      name: 'search_tickets',
      paging,
      request: {
        body: {
          filter: [
            EVERY,
            {$if: 'company_id', then: {field: 'companyID', op: 'eq', value: '{company_id}'}},
            {$if: 'status', then: {field: 'status', op: 'eq', value: '{status}'}},
            {$if: 'title', then: {field: 'title', op: 'contains', value: '{title}'}},
            MORE,
          ],
        },
        method: 'POST',
        path: '/Tickets/query',
      },
    },
    {
      class: 'read',
      description: 'Get one ticket by id (null when there is none).',
      input: {properties: {id: {...ID, description: 'Ticket id.'}}, required: ['id'], type: 'object'},
      name: 'get_ticket',
      request: {method: 'GET', path: '/Tickets/{id}'},
      result: {pointer: '/item'},
    },
    {
      class: 'write',
      description: 'Create a ticket; returns its itemId. Required fields vary by tenant (queue and billing code are often required).',
      input: {
        properties: {
          company_id: {...ID, description: 'Company (companyID).'},
          description: {description: 'Description.', type: 'string'},
          due_date_time: {description: 'Due, ISO 8601 (dueDateTime).', type: 'string'},
          priority: {description: 'Priority picklist value.', type: 'integer'},
          queue_id: {description: 'Queue picklist value (queueID).', type: 'integer'},
          status: {description: 'Status picklist value (1 = New in a default setup).', type: 'integer'},
          title: {description: 'Title.', maxLength: 255, minLength: 1, type: 'string'},
        },
        required: ['company_id', 'title', 'status', 'priority'],
        type: 'object',
      },
      name: 'create_ticket',
      request: {
        body: {
          companyID: '{company_id}',
          description: '{description}',
          dueDateTime: '{due_date_time}',
          priority: '{priority}',
          queueID: '{queue_id}',
          status: '{status}',
          title: '{title}',
        },
        method: 'POST',
        path: '/Tickets',
      },
    },
    {
      class: 'write',
      description: 'Change a ticket\'s status, priority, title, queue, assigned resource or description (only the fields given); returns its itemId.',
      input: {
        anyOf: ['status', 'priority', 'title', 'queue_id', 'assigned_resource_id', 'description'].map((key) => ({required: [key]})),
        properties: {
          assigned_resource_id: {...ID, description: 'Assign to this resource (assignedResourceID).'},
          description: {description: 'New description.', type: 'string'},
          id: {...ID, description: 'Ticket id.'},
          priority: {description: 'Priority picklist value.', type: 'integer'},
          queue_id: {description: 'Queue picklist value (queueID).', type: 'integer'},
          status: {description: 'Status picklist value.', type: 'integer'},
          title: {description: 'New title.', maxLength: 255, minLength: 1, type: 'string'},
        },
        required: ['id'],
        type: 'object',
      },
      name: 'update_ticket',
      request: {
        // The id goes in the body: Autotask updates by PATCH on the collection.
        body: {
          assignedResourceID: '{assigned_resource_id}',
          description: '{description}',
          id: '{id}',
          priority: '{priority}',
          queueID: '{queue_id}',
          status: '{status}',
          title: '{title}',
        },
        method: 'PATCH',
        path: '/Tickets',
      },
    },
    {
      class: 'write',
      description: 'Add a note to a ticket; returns its itemId. noteType and publish are picklist values of the tenant (TicketNotes entityInformation/fields).',
      input: {
        properties: {
          description: {description: 'The note\'s text.', minLength: 1, type: 'string'},
          note_type: {description: 'Note type picklist value (noteType).', type: 'integer'},
          publish: {description: 'Who sees it: publish picklist value.', type: 'integer'},
          ticket_id: {...ID, description: 'Ticket id.'},
          title: {description: 'The note\'s title.', minLength: 1, type: 'string'},
        },
        required: ['ticket_id', 'title', 'description', 'note_type', 'publish'],
        type: 'object',
      },
      name: 'add_ticket_note',
      request: {
        body: {description: '{description}', noteType: '{note_type}', publish: '{publish}', title: '{title}'},
        method: 'POST',
        path: '/Tickets/{ticket_id}/Notes',
      },
    },
    {
      class: 'read',
      description: 'List the notes of one ticket (title, description, note type, who sees it).',
      input: {properties: {ticket_id: {...ID, description: 'Ticket id.'}}, required: ['ticket_id'], type: 'object'},
      name: 'list_notes',
      paging,
      request: {body: {filter: [{field: 'ticketID', op: 'eq', value: '{ticket_id}'}]}, method: 'POST', path: '/TicketNotes/query'},
    },
    {
      class: 'read',
      description: 'Search companies by name (contains) and any further Autotask filter conditions.',
      input: {properties: {filter: FILTER, name: {description: 'Text the company name contains.', type: 'string'}}, type: 'object'},
      name: 'search_companies',
      paging,
      request: {
        body: {filter: [EVERY, {$if: 'name', then: {field: 'companyName', op: 'contains', value: '{name}'}}, MORE]},
        method: 'POST',
        path: '/Companies/query',
      },
    },
    {
      class: 'read',
      description: 'List configuration items (devices and other assets), optionally of one company, with further filter conditions.',
      input: {properties: {company_id: {...ID, description: 'Only this company\'s items (companyID).'}, filter: FILTER}, type: 'object'},
      name: 'list_configuration_items',
      paging,
      request: {
        body: {filter: [EVERY, {$if: 'company_id', then: {field: 'companyID', op: 'eq', value: '{company_id}'}}, MORE]},
        method: 'POST',
        path: '/ConfigurationItems/query',
      },
    },
    {
      class: 'write',
      description: 'Log a time entry, on a ticket when ticket_id is given; hours must be more than 0 and at most 24, on a timesheet that is New or Rejected. Returns its itemId.',
      input: {
        properties: {
          date_worked: {description: 'Day worked, ISO 8601 (dateWorked).', type: 'string'},
          end_date_time: {description: 'End, ISO 8601 (endDateTime).', type: 'string'},
          hours_worked: {description: 'Hours worked (hoursWorked).', exclusiveMinimum: 0, maximum: 24, type: 'number'},
          resource_id: {...ID, description: 'The resource (person) who worked (resourceID).'},
          start_date_time: {description: 'Start, ISO 8601 (startDateTime).', type: 'string'},
          summary_notes: {description: 'Summary of the work (summaryNotes).', type: 'string'},
          ticket_id: {...ID, description: 'Ticket id (ticketID).'},
        },
        required: ['hours_worked'],
        type: 'object',
      },
      name: 'log_time',
      request: {
        body: {
          dateWorked: '{date_worked}',
          endDateTime: '{end_date_time}',
          hoursWorked: '{hours_worked}',
          resourceID: '{resource_id}',
          startDateTime: '{start_date_time}',
          summaryNotes: '{summary_notes}',
          ticketID: '{ticket_id}',
        },
        method: 'POST',
        path: '/TimeEntries',
      },
    },
  ],
  verify: {
    refusals: {
      '401': 'Autotask refused the API user\'s credentials. Check the username, the secret and the integration code (the API user\'s API Tracking Identifier).',
      '403': 'Autotask refused access for this API user. Check that it is active and its security level is an API User level.',
    },
    request: {method: 'GET', path: '/Version'},
  },
}
