// ConnectWise RMM (the Asio platform): RMM. OAuth client credentials at /v1/token with a JSON body, one host per
// region; too many sign-ins lock the key (423). Vendor facts: shared/reference/catalog-vendors.md §8 (community client
// code; no vendor doc). Ticket and alert endpoints are unconfirmed there, and so is a status read for a scheduled
// script: run_script returns the task id and nothing reads it back.
import type {AppDefinition, AppTool} from '../definition.js'

/** Devices come as `{endpoints: […]}`, `limit` per page, the next page in the Link header; 404 = none, or past the end. */
const paging: AppTool['paging'] = {emptyStatuses: [404], items: '/endpoints', next: 'link', size: {max: 1000, param: 'limit'}, style: 'next'}

const companyId = {description: 'Company id (list_companies: id).', type: 'string'}
const SCOPES = ['platform.companies.read', 'platform.sites.read', 'platform.devices.read', 'platform.automation.create']
const wrongKey =
  'ConnectWise RMM refused the client ID and secret. Check them (Asio → Integrations → API Access; the secret is shown once), and that the instance is the key\'s region (na, eu, au).'

export const connectWiseRmm: AppDefinition = {
  api: '{instance}',
  auth: {
    kind: 'oauth-client-credentials',
    token: {
      format: 'json',
      params: {client_id: '{client-id}', client_secret: '{client-secret}', scope: '{scope}'},
      refusals: {
        '400 invalid_scope': `ConnectWise RMM refused the scopes asked for: the key was not given them. Tick them for the key under Asio → Integrations → API Access, or pass --field scope= with the scopes it has (the tools use ${SCOPES.join(', ')}).`,
        '401': wrongKey,
        '403': wrongKey,
        '423': 'ConnectWise RMM has locked this API key after too many sign-ins. Wait for the lock to lift, or generate a new key under Asio → Integrations → API Access, then run the command again.',
      },
      url: '{instance}/v1/token',
    },
  },
  category: 'rmm',
  description: 'RMM: companies, their sites and devices (endpoints); schedules scripts to run now on devices (ConnectWise RMM on the Asio platform API).',
  fields: [
    {
      help: 'The region of your ConnectWise Asio account; a key works only on its own region.',
      key: 'instance',
      label: 'Region',
      presets: [
        {label: 'North America (openapi.service.itsupport247.net)', url: 'https://openapi.service.itsupport247.net', value: 'na'},
        {label: 'Europe (openapi.service.euplatform.connectwise.com)', url: 'https://openapi.service.euplatform.connectwise.com', value: 'eu'},
        {label: 'Australia (openapi.service.auplatform.connectwise.com)', url: 'https://openapi.service.auplatform.connectwise.com', value: 'au'},
      ],
      required: true,
      url: true,
    },
    {
      help: 'Asio → Integrations → API Access → Generate API Access: pick the scopes, tick consent, copy the Client ID and Client Secret (shown once).',
      key: 'client-id',
      label: 'Client ID',
      required: true,
    },
    {help: 'Shown once when the API access is generated.', key: 'client-secret', label: 'Client secret', required: true, secret: true},
    {
      default: SCOPES.join(' '),
      help: 'Space-separated scopes the key was given in Asio.',
      key: 'scope',
      label: 'Scopes',
      required: false,
    },
  ],
  id: 'connectwise-rmm',
  name: 'ConnectWise RMM',
  revokeAt: 'ConnectWise Asio → Integrations → API Access: delete the API access (its client ID)',
  tools: [
    {
      class: 'read',
      description: 'List the companies (customers): id, name, type, status.',
      input: {properties: {}, type: 'object'},
      name: 'list_companies',
      request: {method: 'GET', path: '/api/platform/v1/company/companies'},
    },
    {
      class: 'read',
      description: 'List the sites of one company: id, name, address.',
      input: {properties: {company_id: companyId}, required: ['company_id'], type: 'object'},
      name: 'list_sites',
      request: {method: 'GET', path: '/api/platform/v1/company/companies/{company_id}/sites'},
    },
    {
      class: 'read',
      description: 'List managed devices (endpoints) across all companies: endpoint id, friendly name, OS, type, company, site, availability.',
      input: {properties: {}, type: 'object'},
      name: 'list_devices',
      paging,
      request: {method: 'GET', path: '/api/platform/v1/device/endpoints'},
    },
    {
      class: 'read',
      description: 'List the managed devices (endpoints) of one company; an empty list when it has none.',
      input: {properties: {company_id: companyId}, required: ['company_id'], type: 'object'},
      name: 'list_company_devices',
      paging,
      request: {method: 'GET', path: '/api/platform/v1/device/clients/{company_id}/endpoints'},
    },
    {
      class: 'read',
      description: 'Get one device (endpoint) in detail: names, OS, company and site, availability, agent version, address.',
      input: {properties: {endpoint_id: {description: 'Endpoint id (list_devices: endpointId).', type: 'string'}}, required: ['endpoint_id'], type: 'object'},
      name: 'get_device',
      request: {method: 'GET', path: '/api/platform/v1/device/endpoints/{endpoint_id}'},
    },
    {
      class: 'write',
      description: 'Run a script from the script library now on one or more devices (endpoints). Returns the scheduled task\'s id (taskId).',
      input: {
        properties: {
          endpoint_ids: {description: 'Endpoint ids of the devices (list_devices: endpointId).', items: {type: 'string'}, minItems: 1, type: 'array'},
          template_id: {description: 'Script template id from the script library.', type: 'string'},
        },
        required: ['template_id', 'endpoint_ids'],
        type: 'object',
      },
      name: 'run_script',
      request: {
        body: {schedule: {regularity: 'RunNow'}, targetType: 'MANAGED_ENDPOINT', targets: '{endpoint_ids}', templateID: '{template_id}', templateType: 'script'},
        method: 'POST',
        path: '/api/platform/v2/automation/endpoints/schedule-tasks',
      },
    },
  ],
  verify: {
    refusals: {
      '403': 'ConnectWise RMM issued a token but refused to list companies: give the key the platform.companies.read scope (Asio → Integrations → API Access) and keep it in --field scope.',
    },
    request: {method: 'GET', path: '/api/platform/v1/company/companies'},
  },
}
