// How an OAuth browser flow runs here: $BROWSER, the `open` package, pasting the redirected address, or not at all.
import {spawn} from 'node:child_process'

import {McpctlError} from '../core/errors.js'
import type {InteractiveAuthorization} from '../core/oauth/authorize.js'

export interface BrowserChoice {
  canPrompt: boolean
  callbackPort?: number
  env?: NodeJS.ProcessEnv
  noBrowser?: boolean
  signal?: AbortSignal
  timeoutMs?: number
}

/** Either a way to authorize in a browser, or the error that says why none exists here and what to do instead. */
export function browserAuthorization(choice: BrowserChoice): {authorization?: InteractiveAuthorization; unavailable?: McpctlError} {
  const env = choice.env ?? process.env
  const base = {
    callbackPort: choice.callbackPort,
    // Always on stderr, even with --json: the user may need to open the URL by hand.
    notify: (message: string) => process.stderr.write(message + '\n'),
    signal: choice.signal,
    timeoutMs: choice.timeoutMs,
  }

  if (choice.noBrowser) {
    if (!choice.canPrompt) {
      return {
        unavailable: new McpctlError('usage', '--no-browser needs a terminal to paste the address the browser ends on.', {
          hint: 'Run it in a terminal, or set BROWSER to a command that opens a URL.',
        }),
      }
    }

    return {
      authorization: {
        ...base,
        async openUrl() {},
        async pasteRedirect(signal) {
          const {askText} = await import('./prompts.js')
          return askText({message: 'Open the address above in any browser, authorize, then paste the address the browser ended on (http://127.0.0.1:…)'}, {signal})
        },
      },
    }
  }

  const browser = env.BROWSER?.trim()
  if (browser) return {authorization: {...base, openUrl: (url) => runBrowserCommand(browser, url)}}
  if (!choice.canPrompt) {
    return {
      unavailable: new McpctlError('usage', 'This server uses OAuth, which needs a browser, and none can be opened here (no terminal, or CI, and $BROWSER is unset).', {
        hint: 'Set BROWSER to a command that opens a URL, or authorize from a terminal (with --no-browser over SSH to paste the redirected address).',
      }),
    }
  }

  return {
    authorization: {
      ...base,
      async openUrl(url) {
        const {default: open} = await import('open')
        await open(url.href)
      },
    },
  }
}

/** `$BROWSER` is a command (words split on spaces, no shell: the URL is one argument and never interpreted). */
function runBrowserCommand(command: string, url: URL): Promise<void> {
  const [file, ...args] = command.split(/\s+/)
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args, url.href], {detached: true, stdio: 'ignore'})
    child.once('error', (error) => reject(new Error(`$BROWSER (${file}) could not be started: ${error.message}`)))
    child.once('spawn', () => {
      child.unref()
      resolve()
    })
  })
}

/** The OAuth flags shared by `integrations add` and `connect` (see flags.ts `oauthFlags`), as read from oclif. */
export interface OAuthFlagValues {
  'callback-port'?: number
  'client-id'?: string
  'client-metadata-url'?: string
  'client-secret-env'?: string
  'client-secret-stdin'?: boolean
  'no-browser'?: boolean
  scope?: string
  timeout: number
}

/**
 * Turn the OAuth flags into the client choice and the browser flow, with Ctrl-C aborting the flow (its listener
 * closes, nothing is stored). Call `release()` when the command is done.
 */
export async function oauthFromFlags(flags: OAuthFlagValues, canPrompt: boolean) {
  let clientSecret: string | undefined
  if (flags['client-secret-env']) {
    clientSecret = process.env[flags['client-secret-env']]
    if (!clientSecret) throw new McpctlError('usage', `Environment variable ${flags['client-secret-env']} (--client-secret-env) is not set.`)
  } else if (flags['client-secret-stdin']) {
    const {readStdin} = await import('./stdin.js')
    clientSecret = await readStdin('--client-secret-stdin')
  }

  const interrupt = new AbortController()
  const onSigint = () => interrupt.abort()
  process.once('SIGINT', onSigint)
  return {
    ...browserAuthorization({
      callbackPort: flags['callback-port'],
      canPrompt,
      noBrowser: flags['no-browser'],
      signal: interrupt.signal,
      timeoutMs: flags.timeout * 1000,
    }),
    oauth: {clientId: flags['client-id'], clientMetadataUrl: flags['client-metadata-url'], clientSecret, scope: flags.scope},
    release: () => process.removeListener('SIGINT', onSigint),
  }
}
