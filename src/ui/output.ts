// Output decided once: a table with headers on a terminal, tab-separated rows when piped; colour only on a terminal.
// cli-table3 and chalk are required lazily, only on the paths that draw, so `--json` and piped runs skip them.
import type {ChalkInstance} from 'chalk'

import {createRequire} from 'node:module'

import type {Permission} from '../core/policy/permission.js'

import {inert, truncate} from './text.js'

const require = createRequire(import.meta.url)

export interface Column<Row> {
  header: string
  get(row: Row): string
  /** Colour a cell on a terminal (ignored when colour is off). */
  colour?: (value: string, row: Row) => string
  /** On a terminal, cut cells longer than this with `…` (piped output is never cut: scripts want it all). */
  maxWidth?: number
}

export interface OutputMode {
  colour: boolean
  tty: boolean
}

/**
 * Decide once: tty = stdout is a terminal; colour = tty and no NO_COLOR / TERM=dumb / FORCE_COLOR=0.
 * NO_COLOR (any non-empty value) wins over everything; FORCE_COLOR=1/2/3 (or `true`) overrides TERM=dumb,
 * but never turns colour on for a pipe or file, whose readers are scripts.
 */
export function outputMode(stream: {isTTY?: boolean} = process.stdout, env: NodeJS.ProcessEnv = process.env): OutputMode {
  const tty = stream.isTTY === true
  if (!tty) return {colour: false, tty}
  if (env.NO_COLOR) return {colour: false, tty}
  const force = env.FORCE_COLOR
  if (force === '0' || force === 'false') return {colour: false, tty}
  if (force === '1' || force === '2' || force === '3' || force === 'true') return {colour: true, tty}
  return {colour: env.TERM !== 'dumb', tty}
}

/** A person is there to answer: stdin and stdout are terminals, `CI` is unset (or `0`/`false`), and no --json. */
export function personPresent(json: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI
  const inCi = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false'
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !inCi && !json
}

let chalkInstance: ChalkInstance | undefined

/** chalk 5 reads neither NO_COLOR nor our decision, so its level is fixed here; basic colours suffice. */
function chalk(): ChalkInstance {
  chalkInstance ??= new (require('chalk') as typeof import('chalk')).Chalk({level: 1})
  return chalkInstance
}

const identity = (value: string) => value

/** Styling helpers that do nothing when colour is off, so callers never test the mode themselves. */
export interface Palette {
  bold(value: string): string
  dim(value: string): string
  green(value: string): string
  red(value: string): string
  yellow(value: string): string
}

export function palette(mode: OutputMode): Palette {
  if (!mode.colour) return {bold: identity, dim: identity, green: identity, red: identity, yellow: identity}
  const c = chalk()
  return {bold: c.bold, dim: c.dim, green: c.green, red: c.red, yellow: c.yellow}
}

/** Colour a permission level: auto green, approval_needed yellow, disabled red; identity without colour. */
export function permissionColour(mode: OutputMode): (value: string) => string {
  if (!mode.colour) return identity
  const p = palette(mode)
  const byLevel: Record<Permission, (value: string) => string> = {approval_needed: p.yellow, auto: p.green, disabled: p.red}
  return (value) => (Object.hasOwn(byLevel, value) ? byLevel[value as Permission](value) : value)
}

// No borders, two spaces between columns, no padding: the gh / kubectl look, easy to read and to grep.
const BORDERLESS = {
  bottom: '', 'bottom-left': '', 'bottom-mid': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '',
  'mid-mid': '', middle: '  ', right: '', 'right-mid': '', top: '', 'top-left': '', 'top-mid': '', 'top-right': '',
}

/** Render rows. Every cell goes through inert(). Terminal: cli-table3 with header; piped: header-less TSV lines. */
export function renderTable<Row>(rows: Row[], columns: Column<Row>[], mode: OutputMode): string {
  if (rows.length === 0) return ''

  if (!mode.tty) {
    // inert() folds tabs and newlines into spaces, so each row stays one line with exactly one tab per gap.
    return rows.map((row) => columns.map((column) => inert(column.get(row))).join('\t')).join('\n')
  }

  const p = palette(mode)
  const Table = require('cli-table3') as typeof import('cli-table3')
  const table = new Table({
    chars: BORDERLESS,
    head: columns.map((column) => p.bold(inert(column.header))),
    // Set explicitly: cli-table3's default styles colour heads and borders on its own terms, ignoring NO_COLOR.
    style: {border: [], compact: true, head: [], 'padding-left': 0, 'padding-right': 0},
  })
  for (const row of rows) {
    table.push(
      columns.map((column) => {
        const text = inert(column.get(row))
        const value = column.maxWidth === undefined ? text : truncate(text, column.maxWidth)
        return mode.colour && column.colour ? column.colour(value, row) : value
      }),
    )
  }
  // Columns are padded to width, which leaves trailing spaces after a short last cell.
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}

/** Which step decided a permission, naming the rule when one did: `user`, `default`, `rule *:*:delete_*`, `ceiling …`. */
export function decidedBy(policy: {rule?: string; source: string}): string {
  return policy.rule === undefined ? policy.source : `${policy.source} ${policy.rule}`
}
