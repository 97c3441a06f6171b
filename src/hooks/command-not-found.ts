// A mistyped command gets a suggestion. On a terminal @oclif/plugin-not-found asks "Did you mean …?" and runs the
// answer; without one (a pipe, CI, --json) nothing may ask, so the usage error (exit 2) names the suggestion itself.
import {Errors, type Hook, toConfiguredId} from '@oclif/core'

import {errorJson} from '../base-command.js'
import {ExitCode, McpctlError} from '../core/errors.js'
import {personPresent} from '../ui/output.js'
import {inert, safeJson} from '../ui/text.js'

interface CommandShape {
  /** Space-separated, as typed: `tools list`. */
  words: string
  /** Flags that take a file: `--file`/`-f` (the usual slip is `policy apply policy.yaml` without `-f`). */
  fileFlag?: string
  takesArgs: boolean
}

export interface Suggestion {
  /** The whole corrected command line, without the flags typed (`mcpctl integrations add https://…`). */
  command: string
  /** Why the typed line was wrong, in one line. */
  problem: string
}

/**
 * The command meant by `words` (the typed words before the first flag): the longest leading run of words within a
 * few edits of a command or topic name; the rest are its arguments. A command that takes no arguments but was given
 * some, and reads a file with `-f`, is told to take the file with `-f`.
 */
export function suggestCommand(words: string[], commands: CommandShape[], topics: string[], distance: (a: string, b: string) => number): Suggestion | undefined {
  const typed = words.join(' ')
  for (let count = words.length; count > 0; count--) {
    const head = words.slice(0, count).join(' ')
    const rest = words.slice(count)
    // Word for word: `polcy set x` is not compared with `policy set` (x is an argument, found at count 2).
    const candidates = [...commands.map((c) => c.words), ...topics].filter((candidate) => candidate.split(' ').length === count)
    let best: {distance: number; words: string} | undefined
    for (const candidate of candidates) {
      const d = distance(head, candidate)
      if (d <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || d < best.distance)) best = {distance: d, words: candidate}
    }

    if (!best) continue
    const command = commands.find((c) => c.words === best.words)
    if (best.distance === 0 && command && !command.takesArgs && rest.length > 0) {
      // The command is right; the words after it are not arguments it takes.
      if (command.fileFlag && rest.length === 1) {
        return {command: `${command.words} ${command.fileFlag} ${rest[0]}`, problem: `"${command.words}" takes the file with ${command.fileFlag}.`}
      }

      return {command: command.words, problem: `"${command.words}" takes no arguments (got "${rest.join(' ')}").`}
    }

    return {command: [best.words, ...rest].join(' '), problem: `"${typed}" is not an mcpctl command.`}
  }

  return undefined
}

/**
 * The words typed before the first flag. oclif joined them with `:` into `id`, which cannot be split back when an
 * argument has a colon (a URL), so they come from the process's arguments when those are what oclif saw.
 */
function typedWords(id: string, config: {topicSeparator: string}): string[] {
  const args = process.argv.slice(2)
  const end = args.findIndex((arg) => arg.startsWith('-'))
  const words = end === -1 ? args : args.slice(0, end)
  return words.join(':') === id ? words : id.split(':')
}

const hook: Hook<'command_not_found'> = async function (options) {
  const {argv = [], config, id} = options
  // oclif drops the flags after an argument with a colon (it splits the joined id on `:` to find them): look at both.
  const json = argv.includes('--json') || process.argv.slice(2).includes('--json')
  if (personPresent(json)) {
    // On a terminal: the plugin's question and, on yes, the corrected command. A "no" is a usage error like ours.
    const {default: notFound} = await import('@oclif/plugin-not-found')
    const context = {...this, error: (message: string | Error) => Errors.error(message, {exit: ExitCode.usage})}
    return notFound.call(context as typeof this, options)
  }

  const words = typedWords(id, config)
  const commands: CommandShape[] = config.commands
    .filter((command) => !command.hidden)
    .map((command) => {
      const file = command.flags.file
      return {
        fileFlag: file?.type === 'option' ? (file.char ? `-${file.char}` : '--file') : undefined,
        takesArgs: command.strict === false || Object.keys(command.args ?? {}).length > 0,
        words: toConfiguredId(command.id, config),
      }
    })
  const topics = config.topics.filter((topic) => !topic.hidden).map((topic) => toConfiguredId(topic.name, config))
  const {distance} = await import('fastest-levenshtein')
  const suggestion = suggestCommand(words, commands, topics, distance)
  const help = config.findTopic(id.split(':')[0]) ? `${config.bin} help ${words[0]}` : `${config.bin} help`
  const error = new McpctlError('usage', inert(suggestion?.problem ?? `"${words.join(' ')}" is not an mcpctl command.`), {
    detail: suggestion ? {suggestion: inert(`${config.bin} ${suggestion.command}`)} : undefined,
    hint: suggestion ? inert(`Did you mean: ${config.bin} ${suggestion.command}`) : `\`${help}\` lists the commands.`,
  })
  if (json) {
    process.stdout.write(safeJson(errorJson(error), process.stdout.isTTY ? 2 : 0) + '\n')
    Errors.exit(error.exitCode)
  }

  Errors.error(error.message, {exit: error.exitCode, suggestions: error.hint ? [error.hint] : undefined})
}

export default hook
