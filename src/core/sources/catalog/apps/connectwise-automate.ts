// ConnectWise Automate: RMM on the customer's own (or ConnectWise-hosted) server. A user and password are exchanged
// at /cwa/api/v1/apitoken for a token of about an hour, renewed at /apitoken/refresh with the token itself as a bare
// JSON string; every request, the sign-in included, carries the registered ClientId header (Automate 2020.11+). A
// user with two-factor sign-in gets `IsTwoFactorRequired` until the code comes as TwoFactorPasscode. Vendor facts:
// shared/reference/catalog-vendors.md §7 (community client code: gavsto/AutomateAPI). No alert endpoint and no rate
// limit are confirmed there; tickets are the nearest thing to alerts.
import type {AppDefinition, AppTool} from '../definition.js'

/** Lists are bare arrays, `page` from 1 and `pagesize` up to 1000. */
const paging: AppTool['paging'] = {items: '', page: 'page', size: {max: 1000, param: 'pagesize'}, style: 'page'}
const condition = {description: 'Automate condition, e.g. ClientID = 1 and Name like \'%DC%\'.', type: 'string'}
const orderby = {description: 'Sort, e.g. Name asc.', type: 'string'}
const computerId = {description: 'Computer id (list_computers: ComputerID).', type: 'integer'}

export const connectWiseAutomate: AppDefinition = {
  api: '{instance}/cwa/api/v1',
  auth: {
    exchange: {json: {password: '{password}', TwoFactorPasscode: '{two-factor-code}', username: '{username}'}, url: '{instance}/cwa/api/v1/apitoken'},
    headers: {clientid: '{client-id}'},
    kind: 'token-exchange',
    refresh: {json: '{access-token}', url: '{instance}/cwa/api/v1/apitoken/refresh'},
    refusals: {
      '401':
        'ConnectWise Automate refused the sign-in: check the username and password (an integrator login is recommended), and that the client ID is the one registered for this integration (Automate 2020.11+ refuses every request without it).',
    },
    secondFactor: {field: 'two-factor-code', when: '/IsTwoFactorRequired'},
    tokens: {access: '/AccessToken', expiresAt: '/ExpirationDate'},
  },
  category: 'rmm',
  description: 'RMM: computers, clients and tickets; runs Automate commands and command lines (PowerShell or shell) on computers, their status readable (ConnectWise Automate REST API).',
  fields: [
    {help: 'Your Automate server, e.g. https://automate.example.com (the address of its web Control Center).', key: 'instance', label: 'Server URL', required: true, url: true},
    {help: 'The ClientId registered with ConnectWise for this integration (a GUID), sent as the ClientId header on every request.', key: 'client-id', label: 'Client ID', required: true},
    {help: 'An integrator login (recommended; no two-factor) or a user\'s username.', key: 'username', label: 'Username', required: true},
    {help: 'That user\'s password.', key: 'password', label: 'Password', required: true, secret: true},
    {
      help: 'Only for a user with two-factor sign-in: the current code, used for this sign-in and never saved.',
      key: 'two-factor-code',
      label: 'Two-factor code',
      required: false,
      transient: true,
    },
  ],
  id: 'connectwise-automate',
  name: 'ConnectWise Automate',
  revokeAt: 'ConnectWise Automate: change the password of the user (or remove the integrator login) — tokens issued to it expire within about an hour',
  tools: [
    {
      class: 'read',
      description: 'List computers (agents): ComputerID, Name, ClientID and client, location, OS, status, last contact, local IP. Filter with an Automate condition.',
      input: {properties: {condition, ids: {description: 'Comma-separated computer ids.', type: 'string'}, orderby}, type: 'object'},
      name: 'list_computers',
      paging,
      request: {method: 'GET', path: '/Computers', query: {condition: '{condition}', ids: '{ids}', orderby: '{orderby}'}},
    },
    {
      class: 'read',
      description: 'Get one computer in detail (null when there is no such computer).',
      input: {properties: {computer_id: computerId}, required: ['computer_id'], type: 'object'},
      name: 'get_computer',
      request: {method: 'GET', path: '/Computers', query: {ids: '{computer_id}'}},
      result: {pointer: '/0'},
    },
    {
      class: 'read',
      description: 'List clients (customers): ClientID, Name, city, state.',
      input: {properties: {condition, orderby}, type: 'object'},
      name: 'list_clients',
      paging,
      request: {method: 'GET', path: '/Clients', query: {condition: '{condition}', orderby: '{orderby}'}},
    },
    {
      class: 'read',
      description: 'List tickets (what monitors and users raised): TicketID, Subject, Status, ClientID, ComputerID.',
      input: {properties: {condition, orderby}, type: 'object'},
      name: 'list_tickets',
      paging,
      request: {method: 'GET', path: '/tickets', query: {condition: '{condition}', orderby: '{orderby}'}},
    },
    {
      class: 'write',
      description: 'Send an Automate command to a computer (Command.Id, e.g. 2 = Execute Command with the command line as its parameter). Returns the command record; its Id is what get_command_status reads.',
      input: {
        properties: {
          command_id: {description: 'Automate command id.', type: 'integer'},
          computer_id: computerId,
          parameters: {description: 'The command\'s parameters.', items: {type: 'string'}, type: 'array'},
        },
        required: ['computer_id', 'command_id'],
        type: 'object',
      },
      name: 'run_command',
      request: {body: {Command: {Id: '{command_id}'}, ComputerId: '{computer_id}', Parameters: '{parameters}'}, method: 'POST', path: '/Computers/{computer_id}/CommandExecute'},
    },
    {
      class: 'write',
      description: 'Run a command line on a computer, in PowerShell or the shell, optionally as administrator. Returns the command record; its Id is what get_command_status reads.',
      input: {
        properties: {
          command_text: {description: 'The command line.', type: 'string'},
          computer_id: computerId,
          directory: {description: 'Working directory.', type: 'string'},
          run_as_admin: {type: 'boolean'},
          use_powershell: {type: 'boolean'},
        },
        required: ['computer_id', 'command_text'],
        type: 'object',
      },
      name: 'run_command_prompt',
      request: {
        body: {CommandText: '{command_text}', Directory: '{directory}', RunAsAdmin: '{run_as_admin}', UsePowerShell: '{use_powershell}'},
        method: 'POST',
        path: '/Computers/{computer_id}/CommandPrompt',
      },
    },
    {
      class: 'read',
      description: 'Read a sent command\'s Status (Pending, Executing, Success, Failed) and, once done, its Output.',
      input: {properties: {command_id: {description: 'The command record\'s Id (run_command, run_command_prompt).', type: 'integer'}, computer_id: computerId}, required: ['computer_id', 'command_id'], type: 'object'},
      name: 'get_command_status',
      request: {method: 'GET', path: '/Computers/{computer_id}/CommandExecute/{command_id}'},
    },
  ],
  verify: {request: {method: 'GET', path: '/DatabaseServerTime'}},
}
