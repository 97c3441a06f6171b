// Preloaded with `node --import` by the bench: on exit, writes the process's peak RSS (KiB) to $MCPCTL_BENCH_RSS_FILE.
// `/usr/bin/time -v` is not everywhere; resourceUsage() is.
import {appendFileSync} from 'node:fs'

const file = process.env.MCPCTL_BENCH_RSS_FILE
if (file) process.on('exit', () => appendFileSync(file, `${process.resourceUsage().maxRSS}\n`))
