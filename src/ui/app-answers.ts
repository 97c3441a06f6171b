// How `connect <app-id>` gets the fields its flags did not give: prompts on a terminal (presets as a choice, secrets
// masked), else an error naming the flag that supplies the value.
import {missingAnswer} from '../core/errors.js'
import type {FieldAnswers} from '../core/sources/catalog/connect.js'

const OTHER = '\u0000other'

export function promptFieldAnswers(): FieldAnswers {
  return {
    async field(app, field) {
      const {askSecret, askSelect, askText} = await import('./prompts.js')
      const message = `${app.name} ${field.label}${field.help ? ` (${field.help})` : ''}`
      if (field.secret) return askSecret({message})
      if (field.presets?.length) {
        const choice = await askSelect<string>({
          choices: [
            ...field.presets.map((p) => ({name: `${p.value}  ${p.label}`, value: p.value})),
            ...(field.url ? [{name: 'another address (https:// URL)', value: OTHER}] : []),
          ],
          message,
        })
        if (choice !== OTHER) return choice
        return askText({message: `${app.name} ${field.label}: https:// URL`, validate: (v: string) => v.startsWith('https://') || 'Use an https:// URL.'})
      }

      return askText({message, validate: (v: string) => v.trim() !== '' || 'A value is required.'})
    },
    async name(suggestion, check) {
      const {askText} = await import('./prompts.js')
      return askText({default: suggestion, message: 'Name for this connection', validate: (v: string) => check(v) ?? true})
    },
  }
}

export function flagFieldAnswers(): FieldAnswers {
  return {
    async field(app, field) {
      const flag = field.secret ? `--secret-stdin ${field.key} or --secret-env ${field.key}=VAR` : `--field ${field.key}=${field.presets?.length ? `<${field.presets.map((p) => p.value).join('|')}${field.url ? '|https://…' : ''}>` : 'VALUE'}`
      throw missingAnswer(`${app.name}'s ${field.label} (${field.key})`, flag)
    },
    // Without a terminal the app id is the name when it is free; further connections need --name.
    async name(suggestion, check) {
      if (check(suggestion) === undefined) return suggestion
      throw missingAnswer(`A name for the connection (the default "${suggestion}" is taken)`, '--name NAME')
    },
  }
}
