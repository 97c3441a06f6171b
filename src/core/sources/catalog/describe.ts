// What list, show and disconnect say about an app connection, from the config and the app's definition alone.
import type {AppIntegration} from '../../store/schema.js'
import type {ConnectionDescription} from '../describe.js'
import {findApp} from './apps/index.js'

/** Where each secret field lives, as shown (never the value): `keyring`, `file` or `env:VAR`. */
const storage = (integration: AppIntegration) =>
  Object.fromEntries(Object.entries(integration.app.secrets).map(([key, ref]) => [key, ref.kind === 'env' ? `env:${ref.variable}` : ref.kind]))

/** The URL a url-field value stands for: a preset's URL, or the value itself. */
export function presetUrl(app: AppIntegration['app'], key: string): string | undefined {
  const value = app.fields[key]
  const field = findApp(app.id)?.fields.find((f) => f.key === key)
  return field?.presets?.find((p) => p.value === value)?.url ?? value
}

export function describeApp(integration: AppIntegration): ConnectionDescription {
  const {app} = integration
  const definition = findApp(app.id)
  const secretStorage = storage(integration)
  const secrets = [...Object.values(app.secrets), ...(app.token ? [app.token.secret] : [])]
  const fieldRows = Object.entries(app.fields).map(([key, value]): [string, string] => [key, value])
  return {
    app: app.id,
    auth: definition?.auth.kind ?? 'unknown',
    detail: {fields: app.fields, secretStorage, ...(app.token?.expiresAt ? {tokenExpiresAt: app.token.expiresAt} : {})},
    kind: 'app',
    notes(env, now) {
      const notes: string[] = []
      if (!definition) notes.push(`app "${app.id}" unknown to this mcpctl`)
      for (const ref of Object.values(app.secrets)) if (ref.kind === 'env' && !env[ref.variable]) notes.push(`$${ref.variable} unset`)
      if (app.token?.expiresAt && Date.parse(app.token.expiresAt) < now) notes.push('token expired (renewed on use)')
      return notes
    },
    rows: [
      ['app', definition ? `${definition.name} (${app.id})` : app.id],
      ['auth', definition?.auth.kind],
      ...fieldRows,
      ['secrets', Object.entries(secretStorage).map(([key, where]) => `${key} (${where})`).join(', ')],
      ['token expires', app.token?.expiresAt],
    ],
    secrets,
    url: presetUrl(app, 'instance') ?? '',
  }
}
