#!/usr/bin/env node
import {execute} from '@oclif/core'

import {exitAfterOutput} from '../dist/exit.js'

exitAfterOutput()
await execute({dir: import.meta.url})
