// N-able N-central (2023.9+): RMM. The User-API token (a JWT) is exchanged at /api/auth/authenticate for an access
// token (1 h) and a refresh token (25 h); /api/auth/refresh takes the refresh token as the text/plain body. Vendor facts:
// shared/reference/catalog-vendors.md §9. There is no confirmed list of customers or of alerts across the whole
// server (active issues are per org unit), and the API has no confirmed rate limit.
import type {AppDefinition, AppTool} from '../definition.js'

/** Lists answer `{data, pageNumber, pageSize, totalItems, totalPages}`: pageNumber from 1, pageSize up to 1000. */
const paging: AppTool['paging'] = {items: '/data', page: 'pageNumber', size: {max: 1000, param: 'pageSize'}, style: 'page'}
const deviceId = {description: 'Device id (list_devices: deviceId).', type: 'integer'}
const wrongJwt =
  'N-central refused the User-API token (JWT). Generate a new one under Administration → User Management → Users → the API user → API Access → Generate JSON Web Token, and check the server address.'

export const nCentral: AppDefinition = {
  api: '{instance}',
  auth: {
    exchange: {headers: {authorization: 'Bearer {jwt}'}, url: '{instance}/api/auth/authenticate'},
    kind: 'token-exchange',
    refresh: {text: '{refresh-token}', url: '{instance}/api/auth/refresh'},
    refusals: {
      '401': wrongJwt,
      '403': 'N-central refused to sign in the API user: its multi-factor authentication must be off. Turn MFA off for that user under Administration → User Management → Users (or use an API-only user), then run the command again.',
    },
    tokens: {access: '/tokens/access/token', expiresIn: '/tokens/access/expirySeconds', refresh: '/tokens/refresh/token', refreshExpiresIn: '/tokens/refresh/expirySeconds'},
  },
  category: 'rmm',
  description: 'RMM: devices, device filters and active issues; runs scripts and automation policies on devices (task status readable) and creates customers (N-central REST API).',
  fields: [
    {help: 'Your N-central server (2023.9 or later), e.g. https://ncentral.example.com.', key: 'instance', label: 'Server URL', required: true, url: true},
    {
      help: 'Administration → User Management → Users → the API user (MFA off) → API Access → Generate JSON Web Token.',
      key: 'jwt',
      label: 'User-API token (JWT)',
      required: true,
      secret: true,
    },
  ],
  id: 'n-central',
  name: 'N-central',
  revokeAt: 'N-central → Administration → User Management → Users → the API user → API Access: generate a new token (or disable the user) so the old JWT stops working',
  tools: [
    {
      class: 'read',
      description: 'List devices: deviceId, longName, deviceClass, customer and site, OS, last logged-in user. Optionally only those a device filter matches.',
      input: {
        properties: {
          filter_id: {description: 'Device filter id (list_device_filters: filterId).', type: 'integer'},
          sort_by: {description: 'Field to sort by, e.g. longName.', type: 'string'},
          sort_order: {enum: ['asc', 'desc'], type: 'string'},
        },
        type: 'object',
      },
      name: 'list_devices',
      paging,
      request: {method: 'GET', path: '/api/devices', query: {filterId: '{filter_id}', sortBy: '{sort_by}', sortOrder: '{sort_order}'}},
    },
    {
      class: 'read',
      description: 'Get one device in detail: names, class, OS, customer, site and org unit, last logged-in user.',
      input: {properties: {device_id: deviceId}, required: ['device_id'], type: 'object'},
      name: 'get_device',
      request: {method: 'GET', path: '/api/devices/{device_id}'},
      result: {pointer: '/data'},
    },
    {
      class: 'read',
      description: 'List device filters: filterId, filterName, description (filter_id of list_devices).',
      input: {properties: {view_scope: {enum: ['ALL', 'OWN_AND_USED'], type: 'string'}}, type: 'object'},
      name: 'list_device_filters',
      paging,
      request: {method: 'GET', path: '/api/device-filters', query: {viewScope: '{view_scope}'}},
    },
    {
      class: 'read',
      description: 'List the active issues (failed or warning services) under one org unit (a service organization, customer or site; there is no server-wide list): device, service, status, since when.',
      input: {properties: {org_unit_id: {description: 'Org unit id: a service organization, customer or site (list_devices: soId, customerId, siteId).', type: 'integer'}}, required: ['org_unit_id'], type: 'object'},
      name: 'list_active_issues',
      paging,
      request: {method: 'GET', path: '/api/org-units/{org_unit_id}/active-issues'},
    },
    {
      class: 'write',
      description: 'Run a script or automation policy from the repository on one device now (a direct scheduled task). Returns the task id; read its progress with get_task_status.',
      input: {
        properties: {
          credential: {description: 'The credential to run it as, e.g. {"type": "LocalSystem"}; the device default when absent.', type: 'object'},
          customer_id: {description: 'The device\'s customer id (list_devices: customerId).', type: 'integer'},
          device_id: deviceId,
          item_id: {description: 'Id of the script or automation policy in the repository.', type: 'integer'},
          name: {description: 'A name for the task.', type: 'string'},
          parameters: {description: 'Parameters: [{name, value}].', items: {properties: {name: {type: 'string'}, value: {type: 'string'}}, required: ['name'], type: 'object'}, type: 'array'},
          task_type: {enum: ['AutomationPolicy', 'Script', 'MacScript'], type: 'string'},
        },
        required: ['name', 'item_id', 'task_type', 'customer_id', 'device_id'],
        type: 'object',
      },
      name: 'run_script',
      request: {
        body: {credential: '{credential}', customerId: '{customer_id}', deviceId: '{device_id}', itemId: '{item_id}', name: '{name}', parameters: '{parameters}', taskType: '{task_type}'},
        method: 'POST',
        path: '/api/scheduled-tasks/direct',
      },
      result: {pointer: '/data'},
    },
    {
      class: 'read',
      description: 'Read a scheduled task\'s status (run_script: taskId): status, device, name.',
      input: {properties: {task_id: {description: 'Task id (run_script: taskId).', type: 'integer'}}, required: ['task_id'], type: 'object'},
      name: 'get_task_status',
      request: {method: 'GET', path: '/api/scheduled-tasks/{task_id}/status'},
      result: {pointer: '/data'},
    },
    {
      class: 'write',
      description: 'Create a customer under a service organization. Returns the new customer\'s id.',
      input: {
        properties: {
          city: {type: 'string'},
          contact_email: {type: 'string'},
          contact_first_name: {type: 'string'},
          contact_last_name: {type: 'string'},
          country: {type: 'string'},
          customer_name: {type: 'string'},
          external_id: {type: 'string'},
          license_type: {enum: ['Essential', 'Professional'], type: 'string'},
          phone: {type: 'string'},
          postal_code: {type: 'string'},
          so_id: {description: 'Service organization id (list_devices: soId).', type: 'integer'},
          state_prov: {type: 'string'},
          street1: {type: 'string'},
        },
        required: ['so_id', 'customer_name'],
        type: 'object',
      },
      name: 'create_customer',
      request: {
        body: {
          city: '{city}',
          contactEmail: '{contact_email}',
          contactFirstName: '{contact_first_name}',
          contactLastName: '{contact_last_name}',
          country: '{country}',
          customerName: '{customer_name}',
          externalId: '{external_id}',
          licenseType: '{license_type}',
          phone: '{phone}',
          postalCode: '{postal_code}',
          stateProv: '{state_prov}',
          street1: '{street1}',
        },
        method: 'POST',
        path: '/api/service-orgs/{so_id}/customers',
      },
      result: {pointer: '/data'},
    },
  ],
  verify: {request: {method: 'GET', path: '/api/auth/validate'}},
}
