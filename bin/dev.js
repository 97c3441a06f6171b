#!/usr/bin/env -S node --import tsx
import {execute} from '@oclif/core'

import {exitAfterOutput} from '../src/exit.ts'

exitAfterOutput()
await execute({development: true, dir: import.meta.url})
