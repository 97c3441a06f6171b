// A throwaway certificate authority and server certificates for HTTPS test servers, created once per test process.
//
// How HTTPS works in tests:
// - Child processes (end-to-end CLI tests): pass `NODE_EXTRA_CA_CERTS: testCa().caFile` in the child's env. Node reads
//   that variable only at startup, which is why it cannot help the mocha process itself.
// - In-process tests (the client core talking to servers from servers.ts): call `trustTestCaInProcess()` (servers.ts
//   does it for you). Node 20's global fetch is a bundled undici whose dispatcher lives under
//   `Symbol.for('undici.globalDispatcher.1')` (the hook npm undici's setGlobalDispatcher uses); we replace it with an
//   Agent of the same class whose TLS options trust the system roots plus this CA. `https.globalAgent` and
//   `tls` defaults are ignored by fetch, and `tls.setDefaultCACertificates` needs Node 22.
import {generateKeyPairSync, type KeyObject} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import tls from 'node:tls'

import forge from 'node-forge'

export interface TestCa {
  /** CA certificate (PEM): what a client must trust. */
  ca: string
  /** Path of a file holding `ca`, for `NODE_EXTRA_CA_CERTS` in child processes. Deleted when the process exits. */
  caFile: string
  /** Server certificate (PEM) for IP 127.0.0.1 and DNS localhost, signed by `ca`. */
  cert: string
  /** The server certificate's private key (PEM). */
  key: string
}

let cached: TestCa | undefined

const pem = (key: KeyObject, type: 'pkcs1' | 'pkcs8' | 'spki') => key.export({format: 'pem', type}) as string

// Node generates the RSA keys (forge's pure-JS keygen takes seconds); forge only builds and signs the X.509 structures.
function keyPair() {
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
  return {
    forgePrivate: forge.pki.privateKeyFromPem(pem(privateKey, 'pkcs1')),
    forgePublic: forge.pki.publicKeyFromPem(pem(publicKey, 'spki')),
    privatePem: pem(privateKey, 'pkcs8'),
  }
}

function validity(cert: forge.pki.Certificate) {
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000)
  cert.validity.notAfter = new Date(Date.now() + 7 * 24 * 60 * 60 * 1000)
}

const serial = () => forge.util.bytesToHex(forge.random.getBytesSync(8)).replace(/^[89a-f]/, '1')

const leafExtensions = (hosts: {dns: string[]; ips: string[]}) => [
  {cA: false, name: 'basicConstraints'},
  {critical: true, digitalSignature: true, keyEncipherment: true, name: 'keyUsage'},
  {name: 'extKeyUsage', serverAuth: true},
  {
    altNames: [...hosts.dns.map((value) => ({type: 2, value})), ...hosts.ips.map((ip) => ({ip, type: 7}))],
    name: 'subjectAltName',
  },
]

/** The per-process test CA with its server certificate for 127.0.0.1 and localhost (created on first use, ~0.5 s). */
export function testCa(): TestCa {
  if (cached) return cached
  const caKeys = keyPair()
  const caCert = forge.pki.createCertificate()
  caCert.publicKey = caKeys.forgePublic
  caCert.serialNumber = serial()
  validity(caCert)
  const caName = [{name: 'commonName', value: 'mcpctl test CA (throwaway)'}]
  caCert.setSubject(caName)
  caCert.setIssuer(caName)
  caCert.setExtensions([
    {cA: true, critical: true, name: 'basicConstraints'},
    {cRLSign: true, critical: true, keyCertSign: true, name: 'keyUsage'},
    {name: 'subjectKeyIdentifier'},
  ])
  caCert.sign(caKeys.forgePrivate, forge.md.sha256.create())

  const serverKeys = keyPair()
  const serverCert = forge.pki.createCertificate()
  serverCert.publicKey = serverKeys.forgePublic
  serverCert.serialNumber = serial()
  validity(serverCert)
  serverCert.setSubject([{name: 'commonName', value: 'localhost'}])
  serverCert.setIssuer(caName)
  serverCert.setExtensions([
    ...leafExtensions({dns: ['localhost'], ips: ['127.0.0.1']}),
    {keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(), name: 'authorityKeyIdentifier'},
  ])
  serverCert.sign(caKeys.forgePrivate, forge.md.sha256.create())

  const ca = forge.pki.certificateToPem(caCert)
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpctl-test-ca-'))
  const caFile = path.join(dir, 'ca.pem')
  writeFileSync(caFile, ca, {mode: 0o600})
  process.once('exit', () => rmSync(dir, {force: true, recursive: true}))

  cached = {ca, caFile, cert: forge.pki.certificateToPem(serverCert), key: serverKeys.privatePem}
  return cached
}

/** A self-signed certificate for 127.0.0.1/localhost that nobody trusts: for "TLS failure is reported" tests. */
export function untrustedCert(): {cert: string; key: string} {
  const keys = keyPair()
  const cert = forge.pki.createCertificate()
  cert.publicKey = keys.forgePublic
  cert.serialNumber = serial()
  validity(cert)
  const name = [{name: 'commonName', value: 'localhost'}]
  cert.setSubject(name)
  cert.setIssuer(name)
  cert.setExtensions(leafExtensions({dns: ['localhost'], ips: ['127.0.0.1']}))
  cert.sign(keys.forgePrivate, forge.md.sha256.create())
  return {cert: forge.pki.certificateToPem(cert), key: keys.privatePem}
}

let trusted = false

/** Make this process's global fetch trust the test CA (plus the system roots). Idempotent. See the header comment. */
export function trustTestCaInProcess(): void {
  if (trusted) return
  const symbol = Symbol.for('undici.globalDispatcher.1')
  const slot = globalThis as unknown as Record<symbol, unknown>
  // `fetch` itself loads undici only when first called; reading `Response` loads it now, installing its default Agent.
  void globalThis.Response
  const current = slot[symbol] as undefined | {constructor: new (options: unknown) => unknown}
  if (!current) throw new Error('Cannot find the global fetch dispatcher; this Node version is not supported by the test helper.')
  slot[symbol] = new current.constructor({connect: {ca: [...tls.rootCertificates, testCa().ca]}})
  trusted = true
}
