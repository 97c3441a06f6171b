// Interactive answers. Callers prompt only when stdin and stdout are terminals and CI is unset; otherwise
// they raise missingAnswer(). @inquirer/prompts is imported inside each function: it costs ~50 ms to load.
import {McpctlError} from '../core/errors.js'
import {inert} from './text.js'

/**
 * Where a prompt reads and writes; the terminal when omitted. Tests drive prompts through streams here.
 * Mirrors @inquirer/type's Context without importing it, so loading this module loads no inquirer code.
 */
export interface PromptContext {
  clearPromptOnDone?: boolean
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
  signal?: AbortSignal
}

export interface Choice<Value> {
  description?: string
  name: string
  value: Value
}

/** Ctrl-C inside inquirer rejects with ExitPromptError; it becomes mcpctl's `interrupted` (exit 130). */
async function asked<T>(prompt: Promise<T>): Promise<T> {
  try {
    return await prompt
  } catch (error) {
    // Matched by name: the class lives in @inquirer/core, which is not a direct dependency.
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new McpctlError('interrupted', 'Cancelled.', {cause: error})
    }
    throw error
  }
}

export async function askText(
  options: {default?: string; message: string; validate?: (value: string) => string | true},
  context?: PromptContext,
): Promise<string> {
  const {input} = await import('@inquirer/prompts')
  return asked(input({default: options.default, message: options.message, validate: options.validate}, context))
}

/** A masked answer (tokens, passwords): the terminal shows `*` per character, and an empty answer is refused. */
export async function askSecret(options: {message: string}, context?: PromptContext): Promise<string> {
  const {password} = await import('@inquirer/prompts')
  return asked(
    password(
      {mask: '*', message: options.message, validate: (value) => (value.length > 0 ? true : 'A value is required.')},
      context,
    ),
  )
}

export async function askSelect<Value>(
  options: {choices: readonly Choice<Value>[]; default?: Value; message: string},
  context?: PromptContext,
): Promise<Value> {
  const {select} = await import('@inquirer/prompts')
  // Choices may name things a server supplied (tools, auth methods): shown inert like any other listing.
  const choices = options.choices.map((choice) => ({
    description: choice.description === undefined ? undefined : inert(choice.description),
    name: inert(choice.name),
    value: choice.value,
  }))
  return asked(select<Value>({choices, default: options.default, message: options.message}, context))
}

export async function askConfirm(options: {default?: boolean; message: string}, context?: PromptContext): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  return asked(confirm({default: options.default, message: options.message}, context))
}
