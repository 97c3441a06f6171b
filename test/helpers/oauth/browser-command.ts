// `$BROWSER` for end-to-end OAuth tests: the CLI runs it with the authorization URL; it signs in, consents and lands
// on the loopback callback like a person's browser would. Run as `node --import tsx browser-command.ts <url>`.
import {followAuthorization} from './browser.js'

try {
  await followAuthorization(process.argv[2])
} catch (error) {
  process.stderr.write(`test browser: ${(error as Error).message}\n`)
  process.exitCode = 1
}
