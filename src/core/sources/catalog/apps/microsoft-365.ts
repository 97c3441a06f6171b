// Microsoft 365 (Microsoft Graph): identity. An Entra app registration; without a client secret a person signs in in
// the browser (authorization code + PKCE, delegated, `offline_access` for a refresh token); with one, app-only client
// credentials for `{graph}/.default`. Vendor facts: shared/reference/catalog-vendors.md §4 (learn.microsoft.com/graph;
// microsoftgraph/microsoft-graph-docs-contrib; MicrosoftDocs/entra-docs).
import type {AppDefinition} from '../definition.js'

/** Graph collections: `{"value":[…],"@odata.nextLink":"…"}`, paged with `$top` (at most 999), the next link followed as given. */
const paging = {items: '/value', next: '/@odata.nextLink', size: {max: 999, param: '$top'}, style: 'next'} as const

const userId = {description: 'The user: object id, or userPrincipalName (alex@contoso.com).', type: 'string'}
const select = {description: 'Properties to return, comma-separated (Graph $select), e.g. "id,displayName,accountEnabled".', type: 'string'}

export const microsoft365: AppDefinition = {
  api: '{instance}/v1.0',
  auth: {
    authorize: '{login-url}/{tenant}/oauth2/v2.0/authorize',
    clientCredentials: {
      field: 'client-secret',
      token: {
        format: 'form',
        params: {client_id: '{client-id}', client_secret: '{client-secret}', scope: '{instance}/.default'},
        url: '{login-url}/{tenant}/oauth2/v2.0/token',
      },
    },
    clientId: '{client-id}',
    kind: 'oauth-authorization-code',
    scope: 'offline_access {instance}/.default',
    tokenUrl: '{login-url}/{tenant}/oauth2/v2.0/token',
  },
  category: 'identity',
  description: 'Entra ID users, groups, licences, sign-in sessions and passwords of a Microsoft 365 tenant (Microsoft Graph).',
  fields: [
    {
      default: 'global',
      help: 'The Microsoft cloud: global, usgov or china, or the https:// URL of a Graph endpoint.',
      key: 'instance',
      label: 'Cloud (Graph endpoint)',
      presets: [
        {defaults: {'login-url': 'https://login.microsoftonline.com'}, label: 'Global (graph.microsoft.com)', url: 'https://graph.microsoft.com', value: 'global'},
        {defaults: {'login-url': 'https://login.microsoftonline.us'}, label: 'US Government (graph.microsoft.us)', url: 'https://graph.microsoft.us', value: 'usgov'},
        {defaults: {'login-url': 'https://login.chinacloudapi.cn'}, label: 'China, 21Vianet (microsoftgraph.chinacloudapi.cn)', url: 'https://microsoftgraph.chinacloudapi.cn', value: 'china'},
      ],
      required: false,
      url: true,
    },
    {default: 'https://login.microsoftonline.com', help: "The Entra sign-in host (set by the cloud; give it only for an emulator or a proxy).", key: 'login-url', label: 'Sign-in URL', required: false, url: true},
    {help: 'Entra admin center → Overview: Tenant ID, or the tenant\'s domain (contoso.onmicrosoft.com).', key: 'tenant', label: 'Tenant', required: true},
    {help: 'Entra admin center → App registrations → your app → Overview: Application (client) ID.', key: 'client-id', label: 'Application (client) ID', required: true},
    {
      help: 'App-only access only: App registrations → your app → Certificates & secrets → New client secret (copy its Value). Leave it out to sign in in the browser.',
      key: 'client-secret',
      label: 'Client secret',
      required: false,
      secret: true,
    },
  ],
  id: 'microsoft-365',
  name: 'Microsoft 365',
  revokeAt:
    'Entra admin center → App registrations → your app → Certificates & secrets: delete the client secret (app-only); for a browser sign-in, Users → the signed-in user → Revoke sessions, or Enterprise applications → your app → Permissions to withdraw the consent',
  tools: [
    {
      class: 'read',
      description: 'Get one user by object id or userPrincipalName: name, mail, job title, phones (more with select).',
      input: {properties: {id: userId, select}, required: ['id'], type: 'object'},
      name: 'get_user',
      request: {method: 'GET', path: '/users/{id}', query: {$select: '{select}'}},
    },
    {
      class: 'read',
      description:
        'List users, optionally filtered with an OData $filter (e.g. "accountEnabled eq false", "startswith(displayName,\'A\')") or a $search ("displayName:adele", with the double quotes). Uses Graph\'s advanced queries (ConsistencyLevel: eventual), so a user created seconds ago may be missing.',
      input: {
        properties: {
          filter: {description: 'OData $filter expression.', type: 'string'},
          orderby: {description: 'Property to sort by, e.g. "displayName" or "displayName desc".', type: 'string'},
          search: {description: 'Graph $search expression: "property:text" including the double quotes.', type: 'string'},
          select,
        },
        type: 'object',
      },
      name: 'list_users',
      paging,
      request: {
        headers: {consistencylevel: 'eventual'},
        method: 'GET',
        path: '/users',
        query: {$count: 'true', $filter: '{filter}', $orderby: '{orderby}', $search: '{search}', $select: '{select}'},
      },
    },
    {
      class: 'read',
      description: 'List the groups and directory roles a user is a direct member of (objects the app may not read come back as type and id only).',
      input: {properties: {id: userId}, required: ['id'], type: 'object'},
      name: 'user_groups',
      paging,
      request: {method: 'GET', path: '/users/{id}/memberOf'},
    },
    {
      class: 'read',
      description: "List a user's licences (SKUs and service plans). Works with a browser sign-in only: Graph has no app-only permission for it.",
      input: {properties: {id: userId}, required: ['id'], type: 'object'},
      name: 'licenses',
      request: {method: 'GET', path: '/users/{id}/licenseDetails'},
      result: {pointer: '/value'},
    },
    {
      class: 'write',
      description:
        "Reset a user's password to the one given (Graph completes it asynchronously). Works with a browser sign-in only (UserAuthenticationMethod.ReadWrite.All); app-only access cannot reset passwords.",
      input: {
        properties: {id: userId, new_password: {description: 'The new password; it must meet the tenant\'s password policy.', type: 'string'}},
        required: ['id', 'new_password'],
        type: 'object',
      },
      name: 'reset_password',
      request: {body: {newPassword: '{new_password}'}, method: 'POST', path: '/users/{id}/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword'},
    },
    {
      class: 'write',
      description: "Sign a user out everywhere: invalidates the user's refresh tokens and session cookies (they must sign in again).",
      input: {properties: {id: userId}, required: ['id'], type: 'object'},
      name: 'revoke_sessions',
      request: {method: 'POST', path: '/users/{id}/revokeSignInSessions'},
    },
    {
      class: 'write',
      description: "Block a user's sign-in (accountEnabled false). Disabling an administrator needs a higher Entra role.",
      input: {properties: {id: userId}, required: ['id'], type: 'object'},
      name: 'disable_user',
      request: {body: {accountEnabled: false}, method: 'PATCH', path: '/users/{id}'},
    },
    {
      class: 'write',
      description: 'Add a user (by object id) to a group as a member. Fails if the user is already a member.',
      input: {
        properties: {group_id: {description: 'The group\'s object id.', type: 'string'}, user_id: {description: "The user's object id.", type: 'string'}},
        required: ['group_id', 'user_id'],
        type: 'object',
      },
      name: 'add_group_member',
      request: {body: {'@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/{user_id}'}, method: 'POST', path: '/groups/{group_id}/members/$ref'},
    },
  ],
  verify: {
    refusals: {
      '401': 'Microsoft Graph refused the access token.',
      '403': 'Microsoft Graph refused to read the organization: grant the app Organization.Read.All (app-only) or User.Read (sign-in) and give admin consent in Entra.',
    },
    request: {method: 'GET', path: '/organization'},
  },
}
