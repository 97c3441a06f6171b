// A TCP port that was free a moment ago, for servers (like server-everything) that cannot listen on port 0 and report it.
import net, {type AddressInfo} from 'node:net'

/** Ask the OS for an ephemeral port on 127.0.0.1, release it and return its number. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
