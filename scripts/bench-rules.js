// `npm run bench`, rules: a command that resolves all 20,000 tools of the fleet store costs at most 1.2x against 500
// rules what it costs against none (`policy rules add 'mcp:*:*' …`, which touches every tool); a rule added to that
// store applies in one write (counted in process). Also printed: the resolution alone, in process, to show what the
// rules add to it in milliseconds (building the rule index is part of every command that resolves).
import {spawnSync} from 'node:child_process'
import {copyFileSync, cpSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {benchRules} from '../bench/scale/rules.js'
import {writeBenchStore} from '../bench/scale/fixtures.js'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const SERVERS = 200
const TOOLS = 100
const RULES = 500
const GOAL = 1.2

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Each goal's outcome, for `npm run bench`'s count of goals met. */
export const rulesGoals = []
const mark = (met) => (rulesGoals.push(met), met ? 'met' : 'MISSED')
const verdict = (ratio, goal) => `${ratio.toFixed(2)}x (goal <= ${goal.toFixed(2)}x): ${mark(ratio <= goal)}`

export async function rulesBench({mcpctl, runs}) {
  const dist = (path) => import(join(root, 'dist', ...path.split('/')))
  const {RuleSet} = await dist('core/policy/rules.js')
  const {resolveConnectionTools, resolvePolicy, rulesFor} = await dist('core/policy/resolve.js')
  const {ConfigStore} = await dist('core/store/config-store.js')
  const {addRule} = await dist('core/policy/rule-edits.js')

  const scratch = mkdtempSync(join(tmpdir(), 'mcpctl-bench-rules-'))
  const row = (name, value, note = '') => process.stdout.write(`  ${name.padEnd(48)} ${value.padStart(10)}  ${note}\n`)
  try {
    const plain = join(scratch, 'plain')
    const ruled = join(scratch, 'ruled')
    const servers = await writeBenchStore(root, plain, {servers: SERVERS, toolsPerServer: TOOLS})
    await writeBenchStore(root, ruled, {servers: SERVERS, toolsPerServer: TOOLS})
    const rules = benchRules(servers, RULES)
    // The rules as `policy rules add` would have left them: stored, and every tool resolved under them.
    await new ConfigStore(ruled).update((config) => {
      config.rules = rules
      const now = new Date().toISOString()
      for (const name of Object.keys(config.integrations)) resolveConnectionTools(config, name, now)
    })

    const config = await new ConfigStore(plain).read()
    const resolveAll = (ruleList) => {
      const set = new RuleSet(ruleList) // built per pass, as every command builds it
      let auto = 0
      for (const integration of Object.values(config.integrations)) {
        const here = rulesFor(set, integration)
        for (const tool of Object.values(integration.tools)) if (resolvePolicy(tool, here.decide(tool.name)).permission === 'auto') auto++
      }

      return auto
    }

    const timeIt = (work) => {
      const start = process.hrtime.bigint()
      work()
      return Number(process.hrtime.bigint() - start) / 1e6
    }

    // Warm the JIT on both, then interleave the runs so that load on the machine hits both alike.
    for (let i = 0; i < 5; i++) {
      resolveAll([])
      resolveAll(rules)
    }
    const none = []
    const many = []
    for (let i = 0; i < Math.max(2 * runs + 1, 31); i++) {
      none.push(timeIt(() => resolveAll([])))
      many.push(timeIt(() => resolveAll(rules)))
    }

    const noneMs = median(none)
    const manyMs = median(many)
    process.stdout.write(`\nRules (${SERVERS * TOOLS} tools, ${RULES} rules), median of ${none.length} runs:\n`)
    row(`resolve all ${SERVERS * TOOLS} tools, no rules (in process)`, `${noneMs.toFixed(1)} ms`)
    row(`resolve all ${SERVERS * TOOLS} tools, ${RULES} rules (in process)`, `${manyMs.toFixed(1)} ms`, `+${(manyMs - noneMs).toFixed(1)} ms, ${(manyMs / noneMs).toFixed(2)}x (the resolution alone, rule index included)`)

    // One write: the store's update (lock, re-read, change, one atomic write of config.json) runs once.
    const counted = join(scratch, 'counted')
    cpSync(ruled, counted, {recursive: true})
    const store = new ConfigStore(counted)
    let writes = 0
    const update = store.update.bind(store)
    store.update = (change) => {
      writes++
      return update(change)
    }

    const added = await addRule({store}, {pattern: '*:*:describe_*', permission: 'disabled'})
    row(
      `policy rules add '*:*:describe_*' disabled`,
      `${writes} write${writes === 1 ? '' : 's'}`,
      `${added.changes.length} tools changed (goal: 1 write): ${mark(writes === 1 && added.changes.length === SERVERS * TOOLS / 10)}`,
    )

    // A command resolving every tool, as a process: against the rule-less store and the one with 500 rules.
    const env = (dir) => ({...process.env, MCPCTL_CONFIG_DIR: dir, MCPCTL_KEYRING: 'off'})
    const saved = (dir) => {
      const file = join(scratch, `${dir.split('/').pop()}.config.json`)
      copyFileSync(join(dir, 'config.json'), file)
      return () => copyFileSync(file, join(dir, 'config.json'))
    }

    const every = ['policy', 'rules', 'add', 'mcp:*:*', 'approval_needed']
    const command = (dir, reset) => {
      const times = []
      for (let i = 0; i <= runs; i++) {
        reset()
        const start = process.hrtime.bigint()
        const result = spawnSync(process.execPath, [mcpctl, ...every], {env: env(dir), stdio: ['ignore', 'ignore', 'pipe']})
        if (result.status !== 0) throw new Error(`${every.join(' ')} failed: ${result.stderr}`)
        if (i > 0) times.push(Number(process.hrtime.bigint() - start) / 1e6)
      }

      return median(times)
    }

    const resetPlain = saved(plain)
    const resetRuled = saved(ruled)
    const plainMs = command(plain, resetPlain)
    const ruledMs = command(ruled, resetRuled)
    row(`policy rules add 'mcp:*:*' (no other rules)`, `${plainMs.toFixed(1)} ms`, `resolves all ${SERVERS * TOOLS} tools`)
    row(`policy rules add 'mcp:*:*' (${RULES} other rules)`, `${ruledMs.toFixed(1)} ms`, verdict(ruledMs / plainMs, GOAL))
  } finally {
    rmSync(scratch, {force: true, recursive: true})
  }
}
