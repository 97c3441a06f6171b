// The one base command: --json, the store and secrets, prompting rules, output mode, and error → exit code mapping.
import {Command, Errors} from '@oclif/core'

import {ExitCode, McpctlError} from './core/errors.js'
import type {PolicyEditPlan} from './core/policy/edit.js'
import {ConfigStore} from './core/store/config-store.js'
import {SecretStore} from './core/store/secret-store.js'
import {type Column, outputMode, type OutputMode, personPresent, renderTable} from './ui/output.js'
import {inert, safeJson} from './ui/text.js'

/** An McpctlError as `--json` prints it: `{error: {kind, exitCode, message, hint, …detail}}`. */
export const errorJson = (err: McpctlError) => ({error: {kind: err.kind, exitCode: err.exitCode, message: err.message, hint: err.hint, ...err.detail}})

export abstract class BaseCommand extends Command {
  static enableJsonFlag = true

  private _store?: ConfigStore
  private _secrets?: SecretStore
  private _mode?: OutputMode

  /** `MCPCTL_CONFIG_DIR`, else oclif's config dir (e.g. ~/.config/mcpctl). */
  protected get configDir(): string {
    return process.env.MCPCTL_CONFIG_DIR || this.config.configDir
  }

  protected get store(): ConfigStore {
    this._store ??= new ConfigStore(this.configDir)
    return this._store
  }

  protected get secrets(): SecretStore {
    this._secrets ??= new SecretStore(this.configDir, {warn: (message) => this.warn(message)})
    return this._secrets
  }

  protected get mode(): OutputMode {
    this._mode ??= outputMode(process.stdout, process.env)
    return this._mode
  }

  /** Prompts only when a person is there: stdin and stdout are terminals, CI is unset, and no --json. */
  protected get canPrompt(): boolean {
    return personPresent(this.jsonEnabled())
  }

  protected table<Row>(rows: Row[], columns: Column<Row>[]): void {
    const text = renderTable(rows, columns, this.mode)
    if (text) this.log(text)
  }

  /** The plan of a policy edit (set, --stdin, rules, apply, reset): notes and warnings on stderr, changed tools as a table. */
  protected async renderPolicyPlan(plan: PolicyEditPlan & {dryRun: boolean}, summary?: string): Promise<void> {
    const {renderPolicyPlan} = await import('./ui/policy-plan.js')
    renderPolicyPlan({note: (m) => this.note(m), table: (rows, columns) => this.table(rows, columns), warn: (m) => this.warn(m)}, plan, summary)
  }

  /** Human-only notes go to stderr so stdout stays parseable when piped. */
  protected note(message: string): void {
    this.logToStderr(message)
  }

  /** Warnings often quote server text: made inert like everything else that reaches the terminal. */
  warn(input: Error | string): Error | string {
    return super.warn(typeof input === 'string' ? inert(input) : input)
  }

  /** Indented on a terminal, compact when piped (as gh does): 20,000 tools print in half the time, and jq reads both. */
  protected logJson(json: unknown): void {
    process.stdout.write(safeJson(json, this.mode.tty ? 2 : 0) + '\n')
  }

  protected toErrorJson(err: unknown): unknown {
    if (err instanceof McpctlError) return errorJson(err)

    const oclifExit = (err as {oclif?: {exit?: number}}).oclif?.exit
    const message = err instanceof Error ? err.message : String(err)
    return {error: {kind: oclifExit === 2 ? 'usage' : 'error', exitCode: oclifExit ?? ExitCode.error, message}}
  }

  async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (err instanceof McpctlError) {
      process.exitCode = err.exitCode
      if (this.jsonEnabled()) {
        this.logJson(this.toErrorJson(err))
        return
      }

      this.error(err.message, {exit: err.exitCode, suggestions: err.hint ? [err.hint] : undefined})
    }

    if (err instanceof Errors.ExitError) throw err
    // oclif parse errors exit 2 (usage); anything else unexpected exits 1.
    process.exitCode = err.oclif?.exit ?? ExitCode.error
    return super.catch(err)
  }
}
