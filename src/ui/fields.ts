// A detail view: `key  value` lines aligned on a terminal, `key<TAB>value` when piped.
import type {OutputMode} from './output.js'
import {inert} from './text.js'

export function renderFields(fields: [string, string | undefined][], mode: OutputMode): string {
  const present = fields.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '')
  if (!mode.tty) return present.map(([k, v]) => `${k}\t${inert(v)}`).join('\n')
  const width = Math.max(0, ...present.map(([k]) => k.length)) + 2
  return present.map(([k, v]) => `${(k + ':').padEnd(width)}${inert(v)}`).join('\n')
}
