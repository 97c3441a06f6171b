// ConnectWise Automate emulator: an on-premises or hosted Automate server's REST API under /cwa/api/v1
// (shared/reference/catalog-vendors.md §7; request formats from gavsto/AutomateAPI, which the reference cites).
//
// Auth: POST /cwa/api/v1/apitoken with JSON {username, password[, TwoFactorPasscode]} → {AccessToken, ExpirationDate,
// IsTwoFactorRequired}; a user with two-factor gets 200 {AccessToken: null, IsTwoFactorRequired: true} until the code
// is sent. Refresh: POST /cwa/api/v1/apitoken/refresh whose body is the current token as a bare JSON string. Every
// request, the token ones included, carries the registered `ClientId` header (Automate 2020.11+; 401 without it).
// Calls use `Authorization: Bearer`. Verification: GET /cwa/api/v1/DatabaseServerTime. Paths are case-insensitive (IIS).
//
// Tools the `connectwise-automate` app should expose (R = read, W = write; lists are bare arrays paged with `page`
// from 1 and `pagesize` ≤ 1000, filtered by `condition` such as `ClientID = 1 and Name like '%DC%'`):
//   list_computers   R  GET  /cwa/api/v1/Computers                        condition, orderby, ids, page, pagesize
//   get_computer     R  GET  /cwa/api/v1/Computers/{id}                   id (also GET /Computers?ids={id}, better attested)
//   list_clients     R  GET  /cwa/api/v1/Clients                          condition, orderby, page, pagesize
//   list_tickets     R  GET  /cwa/api/v1/tickets                          condition, orderby, page, pagesize
//   run_command      W  POST /cwa/api/v1/Computers/{id}/CommandExecute    id; JSON {ComputerId, Command: {Id}, Parameters: [string]}
//                            → the command record; its `Id` is the job id
//   command_status   R  GET  /cwa/api/v1/Computers/{id}/CommandExecute/{cmdId}  → {Status: Pending|Executing|Success|Failed, Output}
//   run_powershell   W  POST /cwa/api/v1/Computers/{id}/CommandPrompt     id; JSON {CommandText, UsePowerShell, RunAsAdmin, Directory}
//
// Unconfirmed (†) and modelled here: ASP.NET's `{Message}` error body; 401 for a wrong user, password or two-factor
// code and for an expired token; a refreshed token must not have expired yet (option `refreshAfterExpiry`); the
// DatabaseServerTime body (a JSON date string); the CommandPrompt answer (the same command record as CommandExecute,
// so its status is read the same way); the record shapes beyond ComputerID, Name and ClientID.
import {randomUUID} from 'node:crypto'

import {
  BearerTokens,
  type Exchange,
  JobProgress,
  mediaType,
  RateLimit,
  randomSecret,
  type Route,
  sendJson,
  startVendorServer,
  type VendorRequest,
} from './emulator.js'

export interface AutomateCredentials {
  /** The registered ClientId (a GUID), sent as the `ClientId` header. */
  clientId: string
  password: string
  username: string
}

export interface AutomateEmulatorOptions extends Partial<AutomateCredentials> {
  /** The user has two-factor: sign-in needs this passcode as `TwoFactorPasscode`. */
  twoFactorPasscode?: string
  /** A token may still be refreshed once expired (default false: an expired token means signing in again). */
  refreshAfterExpiry?: boolean
  /** Access-token lifetime (default 3600 s, "about an hour"). */
  tokenLifetimeSeconds?: number
}

export type AutomateCommand = {
  progress: JobProgress
  record: Record<string, unknown> & {ComputerId: number; Id: number}
}

export interface AutomateEmulator {
  close(): Promise<void>
  /** Commands sent (CommandExecute and CommandPrompt), by command id. */
  commands: Map<number, AutomateCommand>
  credentials: AutomateCredentials
  /** Every token issued so far expires now (the next call gets 401). */
  expireTokens(): void
  /** `https://127.0.0.1:<port>`: the server URL, what the `instance` field takes. */
  origin: string
  /** The next `count` requests get 429 with `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void
  requests: VendorRequest[]
  /** How many tokens were issued (sign-ins and refreshes). */
  readonly tokensIssued: number
  /** The passcode sign-in requires from now on; undefined = no two-factor. */
  twoFactorPasscode: string | undefined
}

const COMMAND_STATES = ['Pending', 'Executing', 'Success']
/** Automate's command ids: 2 runs a shell command line (what AutomateAPI uses), 123 resends system information. */
const COMMANDS = new Map([
  [2, 'Execute Command'],
  [123, 'Resend System Information'],
])

type Row = Record<string, unknown>

const CLIENTS: Row[] = [
  {City: 'Raleigh', ClientID: 1, Id: 1, Name: 'Harbor Dental Group', State: 'NC'},
  {City: 'Durham', ClientID: 2, Id: 2, Name: 'Northline Architecture', State: 'NC'},
  {City: 'Cary', ClientID: 3, Id: 3, Name: 'Old Prospect Ltd', State: 'NC'},
]

const COMPUTERS: Row[] = [
  {ClientID: 1, ComputerID: 101, LocationID: 11, Name: 'HDG-DC01', OperatingSystemName: 'Microsoft Windows Server 2022 Standard x64', Status: 'Online'},
  {ClientID: 1, ComputerID: 102, LocationID: 11, Name: 'HDG-FRONTDESK', OperatingSystemName: 'Microsoft Windows 11 Pro x64', Status: 'Online'},
  {ClientID: 1, ComputerID: 103, LocationID: 12, Name: 'HDG-XRAY', OperatingSystemName: 'Microsoft Windows 10 Pro x64', Status: 'Offline'},
  {ClientID: 2, ComputerID: 201, LocationID: 21, Name: 'NLA-DC01', OperatingSystemName: 'Microsoft Windows Server 2019 Standard x64', Status: 'Online'},
  {ClientID: 3, ComputerID: 301, LocationID: 31, Name: 'OPL-FS01', OperatingSystemName: 'Microsoft Windows Server 2016 Standard x64', Status: 'Online'},
].map((computer) => ({
  ...computer,
  Client: {Id: computer.ClientID, Name: CLIENTS.find((client) => client.Id === computer.ClientID)?.Name},
  Domain: 'CORP',
  Id: computer.ComputerID,
  LastUserName: 'CORP\\jdoe',
  LocalIPAddress: `10.2.${computer.ClientID}.${computer.ComputerID % 100}`,
  RemoteAgentLastContact: '2026-12-01T09:30:00',
}))

const TICKETS: Row[] = [
  {ClientID: 1, ComputerID: 101, Id: 7001, Status: 'New', Subject: 'Disk space low on HDG-DC01', TicketID: 7001},
  {ClientID: 2, ComputerID: 201, Id: 7002, Status: 'Open', Subject: 'Backup job failed', TicketID: 7002},
]

/**
 * Automate's `condition` syntax, the part the emulator understands: clauses `Field op value` joined by `and`, ops
 * `= != < <= > >= like contains`, values quoted with ' or " or bare numbers/booleans. Anything else throws.
 */
export function compileCondition(condition: string): (row: Row) => boolean {
  if (!condition.trim()) return () => true
  const clauses = condition.split(/\s+and\s+/i).map((clause) => {
    const match = /^\s*([A-Za-z][\w.]*)\s*(!=|<=|>=|=|<|>|\blike\b|\bcontains\b)\s*('(?:[^']*)'|"(?:[^"]*)"|-?\d+(?:\.\d+)?|true|false)\s*$/i.exec(clause)
    if (!match) throw new Error(`cannot parse "${clause.trim()}"`)
    const [, field, rawOp, rawValue] = match
    const op = rawOp.toLowerCase()
    const quoted = /^['"]/.test(rawValue)
    const value: boolean | number | string = quoted ? rawValue.slice(1, -1) : /^(true|false)$/i.test(rawValue) ? rawValue.toLowerCase() === 'true' : Number(rawValue)
    return (row: Row) => {
      const key = Object.keys(row).find((name) => name.toLowerCase() === field.toLowerCase())
      if (key === undefined) throw new Error(`unknown field ${field}`)
      const actual = row[key]
      switch (op) {
        case '=': {
          return typeof actual === 'string' && typeof value === 'string' ? actual.toLowerCase() === value.toLowerCase() : actual === value
        }
        case '!=': {
          return actual !== value
        }
        case 'contains': {
          return String(actual).toLowerCase().includes(String(value).toLowerCase())
        }
        case 'like': {
          const pattern = String(value).replaceAll(/[$()*+.?[\\\]^{|}]/g, String.raw`\$&`).replaceAll('%', '.*').replaceAll('_', '.')
          return new RegExp(`^${pattern}$`, 'i').test(String(actual))
        }
        default: {
          const [left, right] = [actual as number | string, value as number | string]
          if (op === '<') return left < right
          if (op === '<=') return left <= right
          if (op === '>') return left > right
          return left >= right
        }
      }
    }
  })
  return (row) => clauses.every((clause) => clause(row))
}

/** Start a ConnectWise Automate emulator on https://127.0.0.1 (test CA). */
export async function startConnectWiseAutomateEmulator(options: AutomateEmulatorOptions = {}): Promise<AutomateEmulator> {
  const credentials: AutomateCredentials = {
    clientId: options.clientId ?? randomUUID(),
    password: options.password ?? randomSecret(),
    username: options.username ?? 'mcpctl-integrator',
  }
  const lifetime = options.tokenLifetimeSeconds ?? 3600
  const tokens = new BearerTokens<{username: string}>('cwa-')
  /** Every token ever issued: refresh tells an expired token from one it never issued. */
  const issued = new Set<string>()
  const rateLimit = new RateLimit()
  const requests: VendorRequest[] = []
  const commands = new Map<number, AutomateCommand>()
  const state = {tokensIssued: 0, twoFactorPasscode: options.twoFactorPasscode}
  let nextCommandId = 880_001

  const fail = ({res}: Exchange, status: number, message: string) => sendJson(res, status, {Message: message})

  /** The ClientId header and forced 429s: checked on every request, sign-in included. */
  const gate = (exchange: Exchange): boolean => {
    const retryAfter = rateLimit.take()
    if (retryAfter !== undefined) {
      sendJson(exchange.res, 429, {Message: 'Too many requests.'}, {'retry-after': String(retryAfter)})
      return false
    }
    const clientId = exchange.req.headers.clientid
    if (clientId === credentials.clientId) return true
    fail(exchange, 401, clientId ? 'The ClientId is not registered.' : 'A ClientId header is required.')
    return false
  }

  const guard = (exchange: Exchange): boolean => {
    if (!gate(exchange)) return false
    const checked = tokens.check(exchange.req.headers.authorization)
    if (checked.status === 'valid') return true
    fail(exchange, 401, 'Authorization has been denied for this request.')
    return false
  }

  const issue = (exchange: Exchange, username: string) => {
    const token = tokens.issue({username}, lifetime)
    const expiresAt = Date.now() + lifetime * 1000
    issued.add(token)
    state.tokensIssued++
    sendJson(exchange.res, 200, {AccessToken: token, ExpirationDate: new Date(expiresAt).toISOString(), IsTwoFactorRequired: false})
  }

  const jsonObject = (exchange: Exchange): Record<string, unknown> | undefined => {
    if (mediaType(exchange.req.headers['content-type']) !== 'application/json') {
      fail(exchange, 415, "The request entity's media type is not supported for this resource.")
      return undefined
    }
    const {body} = exchange
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>
    fail(exchange, 400, 'The request is invalid.')
    return undefined
  }

  const signIn = (exchange: Exchange) => {
    if (!gate(exchange)) return
    const body = jsonObject(exchange)
    if (!body) return
    const unknown = Object.keys(body).filter((key) => !['TwoFactorPasscode', 'password', 'username'].includes(key))
    if (unknown.length > 0 || typeof body.username !== 'string' || typeof body.password !== 'string') {
      return fail(exchange, 400, 'The request is invalid: send {username, password[, TwoFactorPasscode]}.')
    }
    if (body.username !== credentials.username || body.password !== credentials.password) return fail(exchange, 401, 'Invalid username or password.')
    if (state.twoFactorPasscode !== undefined) {
      if (body.TwoFactorPasscode === undefined) {
        return sendJson(exchange.res, 200, {AccessToken: null, ExpirationDate: null, IsTwoFactorRequired: true})
      }
      if (body.TwoFactorPasscode !== state.twoFactorPasscode) return fail(exchange, 401, 'Invalid two-factor passcode.')
    }
    issue(exchange, body.username)
  }

  const refresh = (exchange: Exchange) => {
    if (!gate(exchange)) return
    if (mediaType(exchange.req.headers['content-type']) !== 'application/json') {
      return fail(exchange, 415, "The request entity's media type is not supported for this resource.")
    }
    const raw = exchange.request.rawBody.trim()
    if (!raw.startsWith('"') || typeof exchange.body !== 'string') return fail(exchange, 400, 'The request is invalid: the body is the current token as a JSON string.')
    if (!issued.has(exchange.body)) return fail(exchange, 401, 'The token is not valid.')
    const checked = tokens.check(`Bearer ${exchange.body}`)
    if (checked.status !== 'valid' && !options.refreshAfterExpiry) return fail(exchange, 401, 'The token has expired.')
    issue(exchange, checked.status === 'valid' ? checked.grant.username : credentials.username)
  }

  /** A bare-array list: condition, orderby, ids, then page (from 1) and pagesize (≤1000). */
  const list = (exchange: Exchange, rows: Row[], idKey: string) => {
    const {query} = exchange.request
    const get = (name: string) => Object.entries(query).find(([key]) => key.toLowerCase() === name)?.[1]
    let result: Row[]
    try {
      result = rows.filter(compileCondition(get('condition') ?? ''))
    } catch (error) {
      return fail(exchange, 400, `Invalid condition: ${(error as Error).message}`)
    }
    const ids = get('ids')
    if (ids !== undefined) {
      if (!/^\d+(,\d+)*$/.test(ids)) return fail(exchange, 400, 'ids must be a comma-separated list of numbers')
      const wanted = new Set(ids.split(',').map(Number))
      result = result.filter((row) => wanted.has(row[idKey] as number))
    }
    const orderby = get('orderby')
    if (orderby) {
      const [field, direction = 'asc'] = orderby.trim().split(/\s+/)
      const key = Object.keys(rows[0] ?? {}).find((name) => name.toLowerCase() === field.toLowerCase())
      if (!key || !/^(asc|desc)$/i.test(direction)) return fail(exchange, 400, `Invalid orderby: ${orderby}`)
      const sign = direction.toLowerCase() === 'desc' ? -1 : 1
      result = [...result].sort((a, b) => (String(a[key]) < String(b[key]) ? -sign : String(a[key]) > String(b[key]) ? sign : 0))
    }
    const page = get('page') ?? '1'
    const pagesize = get('pagesize') ?? '50'
    if (!/^\d+$/.test(page) || Number(page) < 1) return fail(exchange, 400, 'page must be a whole number from 1')
    if (!/^\d+$/.test(pagesize) || Number(pagesize) < 1 || Number(pagesize) > 1000) return fail(exchange, 400, 'pagesize must be between 1 and 1000')
    const size = Number(pagesize)
    sendJson(exchange.res, 200, result.slice((Number(page) - 1) * size, Number(page) * size))
  }

  const computerOr404 = (exchange: Exchange): Row | undefined => {
    const computer = COMPUTERS.find((row) => String(row.ComputerID) === exchange.params.id)
    if (!computer) fail(exchange, 404, `Computer ${exchange.params.id} was not found.`)
    return computer
  }

  const sendCommand = (exchange: Exchange, computer: Row, command: {Id: number; Name: string}, parameters: string[]) => {
    const now = new Date().toISOString()
    const entry: AutomateCommand = {
      progress: new JobProgress(COMMAND_STATES),
      record: {Command: command, ComputerId: computer.ComputerID as number, DateStarted: now, DateUpdated: now, Id: nextCommandId++, Output: null, Parameters: parameters},
    }
    commands.set(entry.record.Id, entry)
    sendJson(exchange.res, 200, {...entry.record, Status: entry.progress.status})
  }

  /** A command as a poller reads it: each read moves it on (Pending, Executing, Success) and Success brings Output. */
  const commandView = (entry: AutomateCommand) => {
    const Status = entry.progress.read()
    return {...entry.record, Output: Status === 'Success' ? `Command ${entry.record.Id} completed.` : null, Status}
  }

  const api = '/cwa/api/v1'
  const routes: Route[] = [
    {handler: signIn, method: 'POST', open: true, path: `${api}/apitoken`},
    {handler: refresh, method: 'POST', open: true, path: `${api}/apitoken/refresh`},
    {handler: ({res}) => sendJson(res, 200, new Date().toISOString().slice(0, 19)), method: 'GET', path: `${api}/DatabaseServerTime`},
    {handler: (exchange) => list(exchange, COMPUTERS, 'ComputerID'), method: 'GET', path: `${api}/Computers`},
    {
      handler(exchange) {
        const computer = computerOr404(exchange)
        if (computer) sendJson(exchange.res, 200, computer)
      },
      method: 'GET',
      path: `${api}/Computers/:id`,
    },
    {handler: (exchange) => list(exchange, CLIENTS, 'ClientID'), method: 'GET', path: `${api}/Clients`},
    {handler: (exchange) => list(exchange, TICKETS, 'TicketID'), method: 'GET', path: `${api}/tickets`},
    {
      handler(exchange) {
        const computer = computerOr404(exchange)
        const body = computer && jsonObject(exchange)
        if (!computer || !body) return
        if (body.ComputerId !== undefined && String(body.ComputerId) !== String(computer.ComputerID)) {
          return fail(exchange, 400, 'ComputerId in the body does not match the computer in the path.')
        }
        const commandId = Number((body.Command as {Id?: unknown} | undefined)?.Id)
        const name = COMMANDS.get(commandId)
        if (!name) return fail(exchange, 400, `Command.Id ${String((body.Command as {Id?: unknown} | undefined)?.Id)} is not a known command.`)
        const parameters = body.Parameters ?? []
        if (!Array.isArray(parameters) || parameters.some((value) => typeof value !== 'string')) return fail(exchange, 400, 'Parameters must be an array of strings.')
        sendCommand(exchange, computer, {Id: commandId, Name: name}, parameters as string[])
      },
      method: 'POST',
      path: `${api}/Computers/:id/CommandExecute`,
    },
    {
      handler(exchange) {
        const computer = computerOr404(exchange)
        if (!computer) return
        const {ids} = exchange.request.query
        const mine = [...commands.values()].filter((entry) => entry.record.ComputerId === computer.ComputerID)
        const wanted = ids === undefined ? undefined : new Set(ids.split(',').map(Number))
        sendJson(exchange.res, 200, mine.filter((entry) => !wanted || wanted.has(entry.record.Id)).map((entry) => commandView(entry)))
      },
      method: 'GET',
      path: `${api}/Computers/:id/CommandExecute`,
    },
    {
      handler(exchange) {
        const computer = computerOr404(exchange)
        if (!computer) return
        const entry = commands.get(Number(exchange.params.cmdId))
        if (!entry || entry.record.ComputerId !== computer.ComputerID) return fail(exchange, 404, `Command ${exchange.params.cmdId} was not found.`)
        sendJson(exchange.res, 200, commandView(entry))
      },
      method: 'GET',
      path: `${api}/Computers/:id/CommandExecute/:cmdId`,
    },
    {
      handler(exchange) {
        const computer = computerOr404(exchange)
        const body = computer && jsonObject(exchange)
        if (!computer || !body) return
        if (typeof body.CommandText !== 'string' || body.CommandText.trim() === '') return fail(exchange, 400, 'CommandText is required.')
        for (const flag of ['UsePowerShell', 'RunAsAdmin']) {
          if (body[flag] !== undefined && typeof body[flag] !== 'boolean') return fail(exchange, 400, `${flag} must be true or false.`)
        }
        if (body.Directory !== undefined && typeof body.Directory !== 'string') return fail(exchange, 400, 'Directory must be a string.')
        sendCommand(exchange, computer, {Id: 2, Name: 'Execute Command'}, [body.CommandText])
      },
      method: 'POST',
      path: `${api}/Computers/:id/CommandPrompt`,
    },
  ]

  const server = await startVendorServer({
    guard,
    notFound: (exchange) => (gate(exchange) ? fail(exchange, 404, `No HTTP resource was found that matches the request URI '${exchange.url.pathname}'.`) : undefined),
    requests,
    routes,
  })

  return {
    close: server.close,
    commands,
    credentials,
    expireTokens: () => tokens.expireAll(),
    origin: server.origin,
    rateLimitNext: (count, retryAfterSeconds) => rateLimit.arm(count, retryAfterSeconds),
    requests,
    get tokensIssued() {
      return state.tokensIssued
    },
    get twoFactorPasscode() {
      return state.twoFactorPasscode
    },
    set twoFactorPasscode(value: string | undefined) {
      state.twoFactorPasscode = value
    },
  }
}
