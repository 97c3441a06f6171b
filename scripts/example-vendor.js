// The example vendor API behind `npm run demo`: a tiny IT Glue (the `it-glue` catalog app) on loopback HTTPS, so the
// demo connects a built-in app on a machine without network. Apps only talk https://, so it makes a throw-away
// certificate authority at start and writes it to a temporary file for the CLI's NODE_EXTRA_CA_CERTS. It answers
// the two requests the demo makes — the verification and the `search_orgs` tool — in IT Glue's format (x-api-key,
// JSON:API); the full emulators the tests use live in test/helpers/vendors/. Plain JS so it runs without a build.
import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

// node-forge (a dev dependency, like the demo's MCP client) builds and signs the X.509 certificates; Node makes the keys.
import forge from 'node-forge'

const ORGANIZATIONS = [
  {id: '1001', name: 'Acme Corporation', 'organization-status-name': 'Active', 'organization-type-name': 'Customer'},
  {id: '1002', name: 'Globex', 'organization-status-name': 'Active', 'organization-type-name': 'Customer'},
  {id: '1003', name: 'Initech', 'organization-status-name': 'Inactive', 'organization-type-name': 'Prospect'},
]

function keyPair() {
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
  return {
    forgePrivate: forge.pki.privateKeyFromPem(privateKey.export({format: 'pem', type: 'pkcs1'})),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({format: 'pem', type: 'spki'})),
    pem: privateKey.export({format: 'pem', type: 'pkcs8'}),
  }
}

function certificate(keys, subject, issuer, signer, extensions) {
  const cert = forge.pki.createCertificate()
  cert.publicKey = keys.forgePublic
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(8))
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000)
  cert.validity.notAfter = new Date(Date.now() + 24 * 60 * 60 * 1000)
  cert.setSubject([{name: 'commonName', value: subject}])
  cert.setIssuer([{name: 'commonName', value: issuer}])
  cert.setExtensions(extensions)
  cert.sign(signer, forge.md.sha256.create())
  return forge.pki.certificateToPem(cert)
}

/** A CA for this run only, and a certificate for 127.0.0.1 signed by it. */
function throwawayCertificates() {
  const ca = keyPair()
  const caName = 'mcpctl demo CA (throw-away)'
  const caCert = certificate(ca, caName, caName, ca.forgePrivate, [
    {cA: true, critical: true, name: 'basicConstraints'},
    {critical: true, keyCertSign: true, name: 'keyUsage'},
  ])
  const server = keyPair()
  const cert = certificate(server, '127.0.0.1', caName, ca.forgePrivate, [
    {cA: false, name: 'basicConstraints'},
    {name: 'extKeyUsage', serverAuth: true},
    {altNames: [{ip: '127.0.0.1', type: 7}], name: 'subjectAltName'},
  ])
  return {ca: caCert, cert, key: server.pem}
}

const send = (res, status, body) => {
  res.writeHead(status, {'content-type': 'application/vnd.api+json'})
  res.end(JSON.stringify(body))
}

/** Start the example on https://127.0.0.1 (a free port). `caFile` is for NODE_EXTRA_CA_CERTS; `close()` removes it. */
export async function startExampleVendor({apiKey}) {
  const {ca, cert, key} = throwawayCertificates()
  const dir = mkdtempSync(join(tmpdir(), 'mcpctl-demo-ca-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, ca, {mode: 0o600})

  const server = createServer({cert, key}, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    if (req.headers['x-api-key'] !== apiKey) {
      send(res, 401, {errors: [{detail: 'Unauthorized resource access', status: 401, title: 'Unauthorized'}]})
      return
    }

    if (req.method !== 'GET' || url.pathname !== '/organizations') {
      send(res, 404, {errors: [{detail: 'Not found', status: 404, title: 'Not Found'}]})
      return
    }

    const name = url.searchParams.get('filter[name]')
    const size = Math.min(Number(url.searchParams.get('page[size]') ?? 50), 1000)
    const rows = ORGANIZATIONS.filter((org) => name === null || org.name === name).slice(0, size)
    send(res, 200, {
      data: rows.map(({id, ...attributes}) => ({attributes, id, type: 'organizations'})),
      links: {},
      meta: {'current-page': 1, 'total-count': rows.length},
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    caFile,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      rmSync(dir, {force: true, recursive: true})
    },
    url: `https://127.0.0.1:${server.address().port}`,
  }
}
