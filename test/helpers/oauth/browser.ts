// The "browser" of the OAuth tests: follows the authorization URL through the authorization server's redirects and
// interaction pages (keeping its cookies) until the redirect to the loopback callback, which it then delivers.

export interface FollowResult {
  /** The redirect URI with code/state/iss (or error) as the authorization server sent it. */
  callbackUrl: string
  /** Status and body of the callback page mcpctl served (undefined when `deliver` was false). */
  page?: {body: string; headers: Headers; status: number}
}

export interface FollowOptions {
  /** GET the callback URL (default true). False = stop there, as a user would copy it from the address bar. */
  deliver?: boolean
  /** Rewrites the callback URL before it is delivered (forged state, extra `iss`, …). */
  tamper?: (callback: URL) => URL
}

const isLoopbackCallback = (url: URL) => url.protocol === 'http:' && url.hostname === '127.0.0.1'

/** Follow `authorizationUrl` like a browser whose user signs in and consents (the AS fixture does that by itself). */
export async function followAuthorization(authorizationUrl: string | URL, options: FollowOptions = {}): Promise<FollowResult> {
  const cookies = new Map<string, string>()
  let url = new URL(authorizationUrl)
  for (let hop = 0; hop < 20; hop++) {
    if (isLoopbackCallback(url)) {
      const target = options.tamper ? options.tamper(new URL(url)) : url
      if (options.deliver === false) return {callbackUrl: target.href}
      const response = await fetch(target, {redirect: 'manual'})
      return {callbackUrl: target.href, page: {body: await response.text(), headers: response.headers, status: response.status}}
    }
    const response = await fetch(url, {
      headers: cookies.size > 0 ? {cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ')} : {},
      redirect: 'manual',
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const index = pair.indexOf('=')
      const name = pair.slice(0, index).trim()
      const value = pair.slice(index + 1).trim()
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) cookies.delete(name)
      else cookies.set(name, value)
    }
    const location = response.headers.get('location')
    const body = await response.text()
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`browser: ${url.origin}${url.pathname} answered ${response.status} without a redirect: ${body.slice(0, 300)}`)
    }
    url = new URL(location, url)
  }
  throw new Error('browser: too many redirects')
}
