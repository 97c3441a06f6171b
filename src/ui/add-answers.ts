// How `integrations add` and `connect` get answers: from flags (--token-stdin, --token-env), else prompts on a
// terminal, else an error naming the flag.
import {missingAnswer, usageError} from '../core/errors.js'
import type {SecretInput} from '../core/integrations.js'
import type {Answers} from '../core/sources/mcp/add.js'
import type {ProbeResult} from '../core/sources/mcp/probe.js'

export function promptAnswers(): Answers {
  return {
    async authChoice(probe: ProbeResult) {
      const {askSelect} = await import('./prompts.js')
      return askSelect<'bearer' | 'header'>({
        choices: [
          {name: 'Bearer token (Authorization: Bearer …)', value: 'bearer'},
          {name: 'API key in a custom header (e.g. x-api-key)', value: 'header'},
        ],
        message: `${probe.url} needs a credential (HTTP ${probe.status}, no standard challenge). How does it take one?`,
      })
    },
    async headerName() {
      const {askText} = await import('./prompts.js')
      return askText({
        default: 'x-api-key',
        message: 'Header name',
        validate: (v: string) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(v) || 'Not a valid header name',
      })
    },
    async name(suggestion, check) {
      const {askText} = await import('./prompts.js')
      return askText({default: suggestion, message: 'Name for this integration', validate: (v: string) => check(v) ?? true})
    },
    async secret(label) {
      const {askSecret} = await import('./prompts.js')
      return askSecret({message: label})
    },
  }
}

export function flagAnswers(): Answers {
  return {
    async authChoice() {
      throw missingAnswer('How the server takes its credential', '--auth bearer, or --auth header with --header-name NAME')
    },
    async headerName() {
      throw missingAnswer('The header name', '--header-name NAME')
    },
    // Without a terminal the name suggested from the URL is used when it is free; scripts pin it with --name.
    async name(suggestion, check) {
      if (check(suggestion) === undefined) return suggestion
      throw missingAnswer(`A name for the integration (the suggested "${suggestion}" is taken or invalid)`, '--name NAME')
    },
    async secret() {
      throw missingAnswer('The credential', '--token-stdin (pipe it in) or --token-env VAR')
    },
  }
}

/** The credential --token-env or --token-stdin gives, if either does. */
export async function credentialFromFlags(flags: {'token-env'?: string; 'token-stdin'?: boolean}): Promise<SecretInput | undefined> {
  const variable = flags['token-env']
  if (variable !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) throw usageError(`"${variable}" is not an environment variable name.`)
    return {kind: 'env', variable}
  }

  if (flags['token-stdin']) {
    const {readStdin} = await import('./stdin.js')
    return {kind: 'value', value: await readStdin('--token-stdin')}
  }

  return undefined
}
