// How the process ends after a failed command: only once stdout and stderr have handed everything to the pipe.
import {Exit} from '@oclif/core/handle'

/**
 * oclif ends a failed command with process.exit(), which drops whatever a pipe has not taken yet: the end of a long
 * error in a CI log (a pipe takes 64 KiB at once; the rest waits in memory). Here the exit waits for an empty write
 * on each stream, whose callback runs only after every write queued before it. oclif's `Exit` is its seam for this.
 */
export function exitAfterOutput(): void {
  const exit = Exit.exit.bind(Exit)
  let exiting = false
  Exit.exit = ((code = 0) => {
    if (exiting) return
    exiting = true
    process.exitCode = code
    let waiting = 2
    const done = () => {
      if (--waiting === 0) exit(code)
    }

    process.stdout.write('', done)
    process.stderr.write('', done)
  }) as typeof Exit.exit
}
