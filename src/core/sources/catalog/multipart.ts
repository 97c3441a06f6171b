// multipart/form-data bodies (RFC 7578) for the tools whose vendor takes form parts. Written by hand: the platform's
// FormData gives a part its own Content-Type only by making it a file (filename="blob"), and NinjaOne's ticket
// comment is a JSON part that is not a file.
import {randomBytes} from 'node:crypto'

import {fillBody, type TemplateValues} from './template.js'

/** The parts filled from `values` (absent ones left out): objects and arrays as JSON parts, anything else as text. */
export function multipartBody(parts: Readonly<Record<string, unknown>>, values: TemplateValues): {body: string; contentType: string} {
  // 128 random bits: no argument can contain the boundary except by chance.
  const boundary = `mcpctl-${randomBytes(16).toString('hex')}`
  let body = ''
  for (const [name, template] of Object.entries(parts)) {
    const value = fillBody(template, values)
    if (value === undefined) continue
    const json = typeof value === 'object'
    const text = json ? JSON.stringify(value) : String(value)
    body += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: ${json ? 'application/json' : 'text/plain'}; charset=utf-8\r\n\r\n${text}\r\n`
  }

  return {body: `${body}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}`}
}
