import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {ProbeResult} from '../../core/sources/mcp/probe.js'
import {allowHttp} from '../../flags.js'

export default class IntegrationsProbe extends BaseCommand {
  static args = {url: Args.string({description: 'MCP server URL (https://…)', ignoreStdin: true, required: true})}
  static description = `Find out how a remote MCP server authenticates, without credentials.

Sends an unauthenticated MCP initialize and, when the server answers it, initialized and tools/list (some servers ask for a token only from there on), reads protected-resource metadata on the first challenge, and prints the verdict: oauth, bearer, header (a credential of unknown form, e.g. an API-key header) or none, and the transport (streamable-http or legacy sse). Any session the server opens is ended.`
  static examples = [
    '<%= config.bin %> <%= command.id %> https://mcp.example.com/mcp',
    '<%= config.bin %> <%= command.id %> https://mcp.example.com/mcp --json | jq -r .auth',
    '<%= config.bin %> <%= command.id %> http://127.0.0.1:3000/mcp --allow-http',
  ]
  static flags = {'allow-http': allowHttp}

  async run(): Promise<ProbeResult> {
    const {args, flags} = await this.parse(IntegrationsProbe)
    const {parseServerUrl} = await import('../../core/net/endpoint.js')
    const url = parseServerUrl(args.url, {allowHttp: flags['allow-http']})
    const {probeServer} = await import('../../core/sources/mcp/probe.js')
    const result = await probeServer(url)
    if (!this.jsonEnabled()) {
      const {renderFields} = await import('../../ui/fields.js')
      this.log(
        renderFields(
          [
            ['url', result.url],
            ['auth', result.auth],
            ['transport', result.transport],
            ['status', String(result.status)],
            ['challenged at', result.challengedAt],
            ['reason', result.reason],
            ['server', result.server?.name && `${result.server.name} ${result.server.version ?? ''}`.trim()],
            ['authorization servers', result.oauth?.authorizationServers.join(', ')],
            ['scopes', result.oauth?.scopes?.join(' ')],
          ],
          this.mode,
        ),
      )
    }

    return result
  }
}
