import assert from 'node:assert/strict'

import {loadIntegrationGrant} from '../../../src/core/oauth/grant-store.js'
import {revocationComplete, revokeGrant, revokeStoredGrant, type TokenRevocation} from '../../../src/core/oauth/revoke.js'
import {authorizeWithBrowser, type OAuthWorld, seedIntegration, startOAuthWorld} from '../../helpers/oauth/world.js'

describe('oauth: revocation (RFC 7009)', function () {
  let world: OAuthWorld

  afterEach(async () => {
    await world?.close()
  })

  it('revokes the refresh token, then the access token; the authorization server forgets both', async () => {
    world = await startOAuthWorld()
    const {grant} = await authorizeWithBrowser(world)
    assert.ok(await world.as.verifyAccessToken(grant.tokens.access_token))

    const outcomes = await revokeGrant(grant)
    assert.deepEqual(outcomes, [
      {outcome: 'revoked', token: 'refresh_token'},
      {outcome: 'revoked', token: 'access_token'},
    ])
    assert.deepEqual(
      world.as.revocations.map(({clientAuth, status, tokenTypeHint}) => ({clientAuth, status, tokenTypeHint})),
      [
        {clientAuth: 'none', status: 200, tokenTypeHint: 'refresh_token'},
        {clientAuth: 'none', status: 200, tokenTypeHint: 'access_token'},
      ],
    )
    assert.equal(await world.as.verifyAccessToken(grant.tokens.access_token), undefined)
    assert.equal(await world.as.provider.RefreshToken.find(grant.tokens.refresh_token!), undefined)
  })

  it('authenticates a confidential pre-registered client as at the token endpoint', async () => {
    world = await startOAuthWorld({as: {clients: [{client_id: 'ops-console', client_secret: 'ops-console-secret'}]}})
    const {grant} = await authorizeWithBrowser(world, {clientId: 'ops-console', clientSecret: 'ops-console-secret'})
    const outcomes = await revokeGrant(grant)
    assert.deepEqual(outcomes.map((outcome) => outcome.outcome), ['revoked', 'revoked'])
    assert.deepEqual(world.as.revocations.map((record) => record.clientAuth), ['basic', 'basic'])
  })

  it('retries a 503 (honouring Retry-After) and then succeeds', async () => {
    world = await startOAuthWorld()
    const {grant} = await authorizeWithBrowser(world)
    world.as.behaviour.revocationUnavailable = 2
    const outcomes = await revokeGrant(grant)
    assert.deepEqual(outcomes.map((outcome) => outcome.outcome), ['revoked', 'revoked'])
    assert.deepEqual(world.as.revocations.map((record) => record.status), [503, 503, 200, 200])
  })

  it('gives up after the retries and reports the token as not revoked', async () => {
    world = await startOAuthWorld()
    const {grant} = await authorizeWithBrowser(world)
    world.as.behaviour.revocationUnavailable = 100
    const outcomes = await revokeGrant(grant, {retries: 1})
    assert.deepEqual(outcomes.map((outcome) => outcome.outcome), ['failed', 'failed'])
    assert.match(outcomes[0].reason ?? '', /answered HTTP 503/)
    assert.equal(world.as.revocations.length, 4)
  })

  it('reports unsupported when the authorization server has no revocation endpoint', async () => {
    world = await startOAuthWorld({as: {revocation: false}})
    const {grant} = await authorizeWithBrowser(world)
    assert.equal(grant.authorizationServer.revocation_endpoint, undefined)
    const outcomes = await revokeGrant(grant)
    assert.deepEqual(outcomes.map((outcome) => outcome.outcome), ['unsupported', 'unsupported'])
    assert.equal(world.as.revocations.length, 0)
  })

  it('reports a JWT access token the server cannot revoke as not-revocable (unsupported_token_type)', async () => {
    world = await startOAuthWorld({as: {accessTokenFormat: 'jwt'}})
    const {grant} = await authorizeWithBrowser(world)
    assert.equal(grant.tokens.access_token.split('.').length, 3)
    const outcomes = await revokeGrant(grant)
    assert.deepEqual(
      outcomes.map(({outcome, token}) => ({outcome, token})),
      [
        {outcome: 'revoked', token: 'refresh_token'},
        {outcome: 'not-revocable', token: 'access_token'},
      ],
    )
    assert.equal(outcomes[1].validUntil, grant.expiresAt, 'the access token that outlives the disconnect says until when')
    assert.equal(revocationComplete(outcomes), true, 'the grant ended with its refresh token')
  })

  it('calls a revocation complete only when everything revocable was revoked', () => {
    const r = (token: TokenRevocation['token'], outcome: TokenRevocation['outcome']): TokenRevocation => ({outcome, token})
    assert.equal(revocationComplete([r('refresh_token', 'revoked'), r('access_token', 'revoked')]), true)
    assert.equal(revocationComplete([r('refresh_token', 'revoked'), r('access_token', 'not-revocable')]), true)
    assert.equal(revocationComplete([r('access_token', 'not-revocable')]), true, 'no refresh token held: nothing else to revoke')
    assert.equal(revocationComplete([r('refresh_token', 'unsupported'), r('access_token', 'unsupported')]), true)
    assert.equal(revocationComplete([r('refresh_token', 'failed'), r('access_token', 'not-revocable')]), false, 'the grant lives on')
    assert.equal(revocationComplete([r('refresh_token', 'not-revocable'), r('access_token', 'revoked')]), false)
    assert.equal(revocationComplete([r('refresh_token', 'revoked'), r('access_token', 'failed')]), false)
  })

  it('reports a server that cannot be reached as failed, and never names a token', async () => {
    world = await startOAuthWorld()
    const {grant} = await authorizeWithBrowser(world)
    await world.as.close()
    const outcomes = await revokeGrant(grant)
    assert.deepEqual(outcomes.map((outcome) => outcome.outcome), ['failed', 'failed'])
    assert.match(outcomes[0].reason ?? '', /Cannot reach https:\/\/127\.0\.0\.1:\d+: /)
    const text = JSON.stringify(outcomes)
    assert.ok(!text.includes(grant.tokens.access_token) && !text.includes(grant.tokens.refresh_token!))
  })
  it('revokes a stored integration grant (disconnect), and reports an unreadable one as not revoked', async () => {
    world = await startOAuthWorld()
    const {grant} = await authorizeWithBrowser(world)
    await seedIntegration(world, 'acme', grant)
    assert.deepEqual((await revokeStoredGrant(world.ctx, 'acme')).map((outcome) => outcome.outcome), ['revoked', 'revoked'])
    assert.equal(await world.as.verifyAccessToken(grant.tokens.access_token), undefined)

    const {auth} = await loadIntegrationGrant(world.ctx, 'acme')
    await world.ctx.secrets.remove(auth.secret)
    const outcomes = await revokeStoredGrant(world.ctx, 'acme')
    assert.deepEqual(outcomes.map((outcome) => outcome.outcome), ['failed', 'failed'])
    assert.match(outcomes[0].reason ?? '', /could not be read: The stored secret .* is missing/)
  })
})
