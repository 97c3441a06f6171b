// NinjaOne: RMM. OAuth client credentials at /ws/oauth/token, Public API 2.0 under /v2, one host per region.
// Vendor facts: shared/reference/catalog-vendors.md §5 (homotechsual/NinjaOne, the NinjaOne Public API 2.0 spec).
// The device's active jobs (GET /v2/device/{id}/jobs) are homotechsual's Get-NinjaOneDeviceJobs: a script run and a
// reboot answer 204 without a job id, so that list is how a run is followed.
import type {AppDefinition} from '../definition.js'

/** Organizations and devices page by `pageSize` and `after` (the last id seen). */
const paging = {after: {key: '/id', param: 'after'}, items: '', size: {max: 1000, param: 'pageSize'}, style: 'after'} as const

const deviceId = {description: 'Device id (list_devices).', type: 'integer'}
const deviceFilter = {description: 'Device filter (NinjaOne `df` syntax), e.g. "org = 12" or "org in (12, 14)".', type: 'string'}
const queued = (what: string) => ({
  note: `NinjaOne queued the ${what} and returns no job id: list_device_jobs shows the device's active jobs (a finished job leaves that list).`,
  queued: true,
})

export const ninjaOne: AppDefinition = {
  api: '{instance}',
  auth: {
    kind: 'oauth-client-credentials',
    token: {
      format: 'form',
      params: {client_id: '{client-id}', client_secret: '{client-secret}', scope: '{scope}'},
      refusals: {
        '400 invalid_scope':
          'NinjaOne refused the scopes asked for. Give the API app those scopes under Administration → Apps → API, or pass --field scope= with the scopes it has (tools need monitoring to read, management to act).',
        '400 unauthorized_client':
          'This NinjaOne API app may not use the client-credentials grant: API access is not set up for it. Under Administration → Apps → API, make it an "API Services (machine-to-machine)" app with the Client Credentials grant type.',
        '401':
          'NinjaOne refused the client ID and secret. Check them under Administration → Apps → API, and that the instance is the region the app was made in (us, us2, eu, oc, ca): an app works only on its own region.',
      },
      url: '{instance}/ws/oauth/token',
    },
  },
  category: 'rmm',
  description: 'RMM: organizations, devices, alerts and active jobs; runs scripts, reboots devices, creates and comments on tickets (NinjaOne Public API 2.0).',
  fields: [
    {
      help: 'The region of your NinjaOne web console (app.ninjarmm.com is us); an API app works only on its own region.',
      key: 'instance',
      label: 'Region',
      presets: [
        {label: 'United States (app.ninjarmm.com)', url: 'https://app.ninjarmm.com', value: 'us'},
        {label: 'United States 2 (us2.ninjarmm.com)', url: 'https://us2.ninjarmm.com', value: 'us2'},
        {label: 'Europe (eu.ninjarmm.com)', url: 'https://eu.ninjarmm.com', value: 'eu'},
        {label: 'Oceania (oc.ninjarmm.com)', url: 'https://oc.ninjarmm.com', value: 'oc'},
        {label: 'Canada (ca.ninjarmm.com)', url: 'https://ca.ninjarmm.com', value: 'ca'},
      ],
      required: true,
      url: true,
    },
    {
      help: 'NinjaOne → Administration → Apps → API → Client App IDs: an "API Services (machine-to-machine)" app with the Client Credentials grant.',
      key: 'client-id',
      label: 'Client ID',
      required: true,
    },
    {help: 'Shown once when the API app is created (Administration → Apps → API).', key: 'client-secret', label: 'Client secret', required: true, secret: true},
    {
      default: 'monitoring management control',
      help: 'Space-separated scopes picked for the API app: monitoring (read), management (scripts, reboots, tickets), control.',
      key: 'scope',
      label: 'Scopes',
      required: false,
    },
  ],
  id: 'ninjaone',
  name: 'NinjaOne',
  revokeAt: 'NinjaOne → Administration → Apps → API: delete the client app (or regenerate its secret)',
  tools: [
    {
      class: 'read',
      description: 'List NinjaOne organizations (customers): id, name, description, node approval mode and tags.',
      input: {properties: {}, type: 'object'},
      name: 'list_orgs',
      paging,
      request: {method: 'GET', path: '/v2/organizations'},
    },
    {
      class: 'read',
      description: 'List devices, optionally filtered (e.g. one organization): id, system name, node class, organization, offline flag, last contact.',
      input: {properties: {filter: deviceFilter}, type: 'object'},
      name: 'list_devices',
      paging,
      request: {method: 'GET', path: '/v2/devices', query: {df: '{filter}'}},
    },
    {
      class: 'read',
      description: 'Get one device in detail: names, organization, location, policy, addresses, last contact and status.',
      input: {properties: {id: deviceId}, required: ['id'], type: 'object'},
      name: 'get_device',
      request: {method: 'GET', path: '/v2/device/{id}'},
    },
    {
      class: 'read',
      description: 'List active alerts (triggered conditions), optionally for a device filter or one source type: uid, device id, message, source type, creation time.',
      input: {properties: {filter: deviceFilter, source_type: {description: 'Only alerts of this source type, e.g. CONDITION_AGENT_CPU.', type: 'string'}}, type: 'object'},
      name: 'list_alerts',
      request: {method: 'GET', path: '/v2/alerts', query: {df: '{filter}', sourceType: '{source_type}'}},
    },
    {
      class: 'read',
      description: 'List the active alerts of one device.',
      input: {properties: {id: deviceId}, required: ['id'], type: 'object'},
      name: 'list_device_alerts',
      request: {method: 'GET', path: '/v2/device/{id}/alerts'},
    },
    {
      class: 'read',
      description: 'List the active jobs of one device (script runs, reboots) with their status and, once finished, their result: how a run started by run_script or reboot_device is followed.',
      input: {properties: {id: deviceId}, required: ['id'], type: 'object'},
      name: 'list_device_jobs',
      request: {method: 'GET', path: '/v2/device/{id}/jobs'},
    },
    {
      class: 'write',
      description:
        'Run a script (type SCRIPT with script_id) or a built-in action (type ACTION with action_uid) on a device, as the given credential role. Queues the run; NinjaOne returns no job id (follow it with list_device_jobs).',
      input: {
        properties: {
          action_uid: {description: 'Built-in action uid (type ACTION).', type: 'string'},
          id: deviceId,
          parameters: {description: 'Script parameters as one string, as the script expects them.', type: 'string'},
          run_as: {
            description: 'Credential role: system, loggedonuser, SR_LOCAL_ADMINISTRATOR, SR_DOMAIN_ADMINISTRATOR, SR_MAC_SCRIPT, SR_LINUX_SCRIPT, or a credential id.',
            type: 'string',
          },
          script_id: {description: 'Script id from the automation library (type SCRIPT).', type: 'integer'},
          type: {enum: ['SCRIPT', 'ACTION'], type: 'string'},
        },
        required: ['id', 'type', 'run_as'],
        type: 'object',
      },
      name: 'run_script',
      request: {
        body: {id: '{script_id}', parameters: '{parameters}', runAs: '{run_as}', type: '{type}', uid: '{action_uid}'},
        method: 'POST',
        path: '/v2/device/{id}/script/run',
      },
      result: {empty: queued('script run')},
    },
    {
      class: 'write',
      description: 'Reboot a device, NORMAL (lets users save work) or FORCED, with a reason for the activity log. Queues the reboot; follow it with list_device_jobs.',
      input: {
        properties: {id: deviceId, mode: {enum: ['NORMAL', 'FORCED'], type: 'string'}, reason: {description: 'Why, for the activity log.', type: 'string'}},
        required: ['id', 'mode'],
        type: 'object',
      },
      name: 'reboot_device',
      request: {body: {reason: '{reason}'}, method: 'POST', path: '/v2/device/{id}/reboot/{mode}'},
      result: {empty: queued('reboot')},
    },
    {
      class: 'read',
      description: 'List the ticket forms (create_ticket needs a ticket form id).',
      input: {properties: {}, type: 'object'},
      name: 'list_ticket_forms',
      request: {method: 'GET', path: '/v2/ticketing/ticket-form'},
    },
    {
      class: 'write',
      description: 'Create a ticket for an organization, optionally about one device; returns the ticket with its id.',
      input: {
        properties: {
          description: {description: 'The ticket description (first comment).', type: 'string'},
          device_id: {description: 'Device (node) id the ticket is about.', type: 'integer'},
          org_id: {description: 'Organization (client) id.', type: 'integer'},
          priority: {enum: ['NONE', 'LOW', 'MEDIUM', 'HIGH'], type: 'string'},
          public: {description: 'Whether the description is visible to the end user (default: not).', type: 'boolean'},
          severity: {enum: ['NONE', 'MINOR', 'MODERATE', 'MAJOR', 'CRITICAL'], type: 'string'},
          status: {description: 'Status id, e.g. "1000" (New).', type: ['string', 'integer']},
          subject: {maxLength: 200, type: 'string'},
          ticket_form_id: {description: 'Ticket form id (list_ticket_forms).', type: 'integer'},
          type: {enum: ['PROBLEM', 'QUESTION', 'INCIDENT', 'TASK'], type: 'string'},
        },
        required: ['org_id', 'ticket_form_id', 'subject', 'status'],
        type: 'object',
      },
      name: 'create_ticket',
      request: {
        body: {
          clientId: '{org_id}',
          description: {$if: 'description', then: {body: '{description}', public: '{public}'}},
          nodeId: '{device_id}',
          priority: '{priority}',
          severity: '{severity}',
          status: '{status}',
          subject: '{subject}',
          ticketFormId: '{ticket_form_id}',
          type: '{type}',
        },
        method: 'POST',
        path: '/v2/ticketing/ticket',
      },
    },
    {
      class: 'write',
      description: 'Add a comment to a ticket, public (visible to the requester, may email them) or internal.',
      input: {
        properties: {body: {description: 'The comment text.', type: 'string'}, id: {description: 'Ticket id.', type: 'integer'}, public: {type: 'boolean'}},
        required: ['id', 'body', 'public'],
        type: 'object',
      },
      name: 'add_ticket_comment',
      // The API takes multipart/form-data whose `comment` part is the JSON comment (homotechsual New-NinjaOneTicketComment).
      request: {method: 'POST', multipart: {comment: {body: '{body}', public: '{public}'}}, path: '/v2/ticketing/ticket/{id}/comment'},
      result: {empty: {added: true}},
    },
  ],
  verify: {
    refusals: {
      '403': 'NinjaOne issued a token but refused to list organizations: give the API app the monitoring scope (Administration → Apps → API) and keep it in --field scope.',
    },
    request: {method: 'GET', path: '/v2/organizations', query: {pageSize: '1'}},
  },
}
