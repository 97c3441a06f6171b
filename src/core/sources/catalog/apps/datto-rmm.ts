// Datto RMM: RMM. An OAuth password grant from the API key and secret (the fixed public client `public-client:public`),
// tokens of 100 h, API v2 on the account's platform host; 600 requests per 60 s across the account, and the AWS edge
// blocks clients that keep going past it. Vendor facts: shared/reference/catalog-vendors.md §6 (rmm.datto.com API v2
// help; aaronengels/DattoRMM; the platform's own OpenAPI, as copied by api-evangelist/kaseya). The job read
// (GET /api/v2/job/{jobUid}) is in that spec: a quick job answers with its uid, and this is how it is followed.
import type {AppDefinition} from '../definition.js'

/** Lists page by `page` (from 0) and `max` (at most 250); `pageDetails.nextPageUrl` is the next page, null on the last. */
const paging = (items: string) => ({items: `/${items}`, next: '/pageDetails/nextPageUrl', size: {max: 250, param: 'max'}, style: 'next'}) as const

const deviceUid = {description: 'Device uid (list_devices: uid).', type: 'string'}
const PLATFORMS = ['pinotage', 'merlot', 'concord', 'vidal', 'zinfandel', 'syrah']
const wrongKey =
  'Datto RMM refused the API key and secret. Check them (Setup → Users → the API user → API Keys), and the platform: a key made on another platform fails here (wrong platform or region). The platform is the first part of your Datto RMM web address, e.g. merlot for merlot.centrastage.net.'

export const dattoRmm: AppDefinition = {
  api: '{instance}',
  auth: {
    kind: 'oauth-password',
    token: {
      basic: {password: 'public', username: 'public-client'},
      format: 'form',
      params: {password: '{api-secret}', username: '{api-key}'},
      refusals: {
        '400 invalid_grant': wrongKey,
        '401': wrongKey,
        '403':
          'Datto RMM refused API access for this account: an administrator turns it on under Setup → Global Settings → Access Control (Enable API Access); then generate the user\'s keys again if needed.',
      },
      url: '{instance}/auth/oauth/token',
    },
  },
  category: 'rmm',
  description: 'RMM: sites, devices, open alerts, components, software audits and quick jobs; resolves alerts and runs components on devices (Datto RMM API v2).',
  fields: [
    {
      help: 'The platform of your Datto RMM account: the first part of its web address (merlot.centrastage.net → merlot). A key works only on its own platform.',
      key: 'instance',
      label: 'Platform',
      presets: PLATFORMS.map((platform) => ({
        label: `${platform[0].toUpperCase()}${platform.slice(1)} (${platform}-api.centrastage.net)`,
        url: `https://${platform}-api.centrastage.net`,
        value: platform,
      })),
      required: true,
      url: true,
    },
    {
      help: 'Datto RMM → Setup → Users → the API user → Generate API Keys (API access on under Setup → Global Settings → Access Control).',
      key: 'api-key',
      label: 'API key',
      required: true,
    },
    {help: 'Shown once beside the API key when the keys are generated.', key: 'api-secret', label: 'API secret key', required: true, secret: true},
  ],
  id: 'datto-rmm',
  name: 'Datto RMM',
  rateLimit: {
    edgeBlock: {by: 'AWS edge (DDoS protection)', contentType: 'text/html', status: 403},
    limit: '600 requests per 60 s, counted across the whole account (every user and key)',
  },
  revokeAt: 'Datto RMM → Setup → Users → the API user: reset or delete the API keys (Setup → Global Settings → Access Control turns API access off for the account)',
  tools: [
    {
      class: 'read',
      description: 'List the account\'s sites (customers and locations), optionally by name (partial match): id, uid, name, device counts.',
      input: {properties: {name: {description: 'Part of the site name.', type: 'string'}}, type: 'object'},
      name: 'list_sites',
      paging: paging('sites'),
      request: {method: 'GET', path: '/api/v2/account/sites', query: {siteName: '{name}'}},
    },
    {
      class: 'read',
      description: 'List devices, optionally filtered by hostname, device type or site name (partial matches) or a device filter id: uid, hostname, site, OS, online state, last seen.',
      input: {
        properties: {
          device_type: {description: 'Part of the device type, e.g. Server, Desktop, Laptop.', type: 'string'},
          filter_id: {description: 'A device filter id from the Datto RMM console.', type: 'integer'},
          hostname: {description: 'Part of the hostname.', type: 'string'},
          site_name: {description: 'Part of the site name.', type: 'string'},
        },
        type: 'object',
      },
      name: 'list_devices',
      paging: paging('devices'),
      request: {
        method: 'GET',
        path: '/api/v2/account/devices',
        query: {deviceType: '{device_type}', filterId: '{filter_id}', hostname: '{hostname}', siteName: '{site_name}'},
      },
    },
    {
      class: 'read',
      description: 'Get one device in detail: hostname, site, OS, addresses, last user, last reboot, reboot required, warranty.',
      input: {properties: {device_uid: deviceUid}, required: ['device_uid'], type: 'object'},
      name: 'get_device',
      request: {method: 'GET', path: '/api/v2/device/{device_uid}'},
    },
    {
      class: 'read',
      description: 'List the account\'s open alerts, optionally only muted or unmuted ones: alert uid, priority, diagnostics, device and site, time.',
      input: {properties: {muted: {description: 'true: only muted alerts; false: only unmuted ones.', type: 'boolean'}}, type: 'object'},
      name: 'open_alerts',
      paging: paging('alerts'),
      request: {method: 'GET', path: '/api/v2/account/alerts/open', query: {muted: '{muted}'}},
    },
    {
      class: 'write',
      description: 'Resolve an open alert (it leaves the open alerts).',
      input: {properties: {alert_uid: {description: 'Alert uid (open_alerts: alertUid).', type: 'string'}}, required: ['alert_uid'], type: 'object'},
      name: 'resolve_alert',
      request: {method: 'POST', path: '/api/v2/alert/{alert_uid}/resolve'},
      result: {empty: {resolved: true}},
    },
    {
      class: 'read',
      description: 'List the account\'s components (the scripts a quick job runs): uid, name, category, description and their variables.',
      input: {properties: {}, type: 'object'},
      name: 'list_components',
      paging: paging('components'),
      request: {method: 'GET', path: '/api/v2/account/components'},
    },
    {
      class: 'write',
      description:
        'Run a component on a device now as a quick job, with values for its variables. Returns the job (job.uid is the job id: read its status with get_job).',
      input: {
        properties: {
          component_uid: {description: 'Component uid (list_components).', type: 'string'},
          device_uid: deviceUid,
          job_name: {description: 'A name for the job, shown in the Datto RMM console.', type: 'string'},
          variables: {
            description: 'Values for the component\'s variables.',
            items: {additionalProperties: false, properties: {name: {type: 'string'}, value: {type: 'string'}}, required: ['name', 'value'], type: 'object'},
            type: 'array',
          },
        },
        required: ['device_uid', 'job_name', 'component_uid'],
        type: 'object',
      },
      name: 'run_quickjob',
      request: {
        body: {jobComponent: {componentUid: '{component_uid}', variables: '{variables}'}, jobName: '{job_name}'},
        method: 'PUT',
        path: '/api/v2/device/{device_uid}/quickjob',
      },
    },
    {
      class: 'read',
      description: 'Get a job by its uid (run_quickjob returns it): name, creation date and status (active or completed).',
      input: {properties: {job_uid: {description: 'Job uid (run_quickjob: job.uid).', type: 'string'}}, required: ['job_uid'], type: 'object'},
      name: 'get_job',
      request: {method: 'GET', path: '/api/v2/job/{job_uid}'},
    },
    {
      class: 'read',
      description: 'List the software installed on a device, from its last audit: name and version.',
      input: {properties: {device_uid: deviceUid}, required: ['device_uid'], type: 'object'},
      name: 'software_audit',
      paging: paging('software'),
      request: {method: 'GET', path: '/api/v2/audit/device/{device_uid}/software'},
    },
  ],
  verify: {request: {method: 'GET', path: '/api/v2/account'}},
}
