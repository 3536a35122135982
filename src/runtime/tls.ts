/**
 * TLS of the data plane: the settings every HTTPS listener uses, the certificates a port picks
 * by SNI, the client certificates it asks for (the Gateway's `spec.tls.frontend`), and the TLS
 * the proxy originates to backends a BackendTLSPolicy covers.
 */
import { createHash } from 'crypto';
import {
  checkServerIdentity, ConnectionOptions, createSecureContext, DEFAULT_CIPHERS, PeerCertificate, SecureContext, Server as TlsServer,
} from 'tls';
import { Dispatcher } from 'undici';
import { BackendIR, BackendTlsIR, ListenerIR } from '../engine/translate';

/**
 * TLS for every HTTPS listener and every certificate it may pick by SNI: Node's default suites
 * without static-RSA key exchange (no forward secrecy), CBC with HMAC (padding-oracle history,
 * which RFC 9113 §9.2.2 prohibits for HTTP/2) or CCM8's 64-bit tags.
 */
export const TLS_SETTINGS = {
  minVersion: 'TLSv1.2',
  ciphers: `${DEFAULT_CIPHERS}:!kRSA:!SHA1:!SHA256:!SHA384:!AESCCM8`,
} as const;

/** Client certificates an HTTPS port asks for; the Gateway configures them per port, so every listener of the port shares them. */
export interface ClientValidation {
  /** AllowValidOnly refuses a handshake without a certificate the CAs vouch for; AllowInsecureFallback asks for one and admits any. */
  readonly mode: 'AllowValidOnly' | 'AllowInsecureFallback';
  /** PEM bundle of every usable CA certificate. */
  readonly ca: string;
}

/** Certificates of an HTTPS port, chosen by SNI like the listeners they belong to. */
export interface TlsCertificates {
  readonly exact: ReadonlyMap<string, SecureContext>;
  /** Wildcard suffixes (`.example.com`), most labels first. */
  readonly wildcards: readonly { readonly suffix: string; readonly context: SecureContext }[];
  readonly fallback?: SecureContext;
  /** PEMs of the default certificate, for clients that send no SNI. */
  readonly defaultPem?: { readonly cert: string; readonly key: string };
  readonly clientValidation?: ClientValidation;
}

/** Secure contexts are costly to build: the previous snapshot's are reused for the same PEMs, the rest dropped. */
let previousContexts = new Map<string, SecureContext>();
let currentContexts = new Map<string, SecureContext>();

/** Called once per config build: contexts not used by the new config are dropped after it. */
export function startCertificateGeneration(): void {
  previousContexts = currentContexts;
  currentContexts = new Map();
}

/**
 * Options every secure context of a port with client validation shares. The CA store that
 * verifies a client is the one of the context SNI picked. The session id context names the
 * validation, so that a session established under other rules (none, or other CAs) is never
 * resumed, which would skip the check.
 */
function validationOptions(validation: ClientValidation | undefined) {
  if (!validation) return {};
  const sessionIdContext = createHash('sha256').update(`${validation.mode}\u0000${validation.ca}`).digest('hex').slice(0, 32);
  return { ca: validation.ca, sessionIdContext };
}

function contextFor(cert: string, key: string, validation: ClientValidation | undefined): SecureContext {
  const id = `${cert}\u0000${key}\u0000${validation?.mode ?? ''}\u0000${validation?.ca ?? ''}`;
  let context = currentContexts.get(id) ?? previousContexts.get(id);
  if (!context) context = createSecureContext({ ...TLS_SETTINGS, cert, key, ...validationOptions(validation) });
  currentContexts.set(id, context);
  return context;
}

/**
 * The client validation of a port's listeners. A listener whose validation has no usable CA is
 * not programmed, so it never gets here; the others all carry the port's configuration.
 */
function clientValidationOf(listeners: readonly ListenerIR[]): ClientValidation | undefined {
  for (const listener of listeners) {
    const validation = listener.tls?.clientValidation;
    const pems = validation?.caCertificates.flatMap(ca => ca.valid && ca.caPem ? [ca.caPem.trim()] : []) ?? [];
    if (validation && pems.length > 0) return { mode: validation.mode, ca: `${pems.join('\n')}\n` };
  }
  return undefined;
}

export function certificatesOf(listeners: readonly ListenerIR[]): TlsCertificates {
  const exact = new Map<string, SecureContext>();
  const wildcards: { suffix: string; context: SecureContext }[] = [];
  const clientValidation = clientValidationOf(listeners);
  let fallback: SecureContext | undefined;
  let defaultPem: { cert: string; key: string } | undefined;
  for (const listener of listeners) {
    const certificate = listener.tls?.certificates.find(c => c.valid && c.certificatePem && c.privateKeyPem);
    if (!certificate?.certificatePem || !certificate.privateKeyPem) continue;
    const pem = { cert: certificate.certificatePem, key: certificate.privateKeyPem };
    defaultPem ??= pem;
    const context = contextFor(pem.cert, pem.key, clientValidation);
    const hostname = listener.hostname;
    if (hostname === undefined) fallback ??= context;
    else if (hostname.startsWith('*.')) wildcards.push({ suffix: hostname.slice(1), context });
    else if (!exact.has(hostname)) exact.set(hostname, context);
  }
  wildcards.sort((a, b) => b.suffix.split('.').length - a.suffix.split('.').length);
  return { exact, wildcards, fallback, defaultPem, ...(clientValidation ? { clientValidation } : {}) };
}

/** The context for an SNI name: exact listener hostname, then the most specific wildcard, then a listener without hostname. */
export function contextForServerName(tls: TlsCertificates, serverName: string): SecureContext | undefined {
  const name = serverName.toLowerCase();
  const exact = tls.exact.get(name);
  if (exact) return exact;
  for (const w of tls.wildcards) if (name.endsWith(w.suffix) && name.length > w.suffix.length) return w.context;
  return tls.fallback;
}

/**
 * Whether and how the port asks clients for a certificate. node:tls reads both fields from the
 * server object for each new connection and fails a handshake whose certificate does not verify
 * only when `rejectUnauthorized` is set.
 */
function clientCertificateMode(tls: TlsCertificates | undefined) {
  const validation = tls?.clientValidation;
  return { requestCert: validation !== undefined, rejectUnauthorized: validation?.mode === 'AllowValidOnly' };
}

/**
 * Options for the TLS server of an HTTPS port, from its certificates; the same function is used
 * when the port is created and when a reload changes what it serves.
 */
export function secureServerOptions(tls: TlsCertificates | undefined) {
  return { ...TLS_SETTINGS, ...(tls?.defaultPem ?? {}), ...validationOptions(tls?.clientValidation), ...clientCertificateMode(tls) };
}

/**
 * Applies what a reload changed to a running TLS server: its default certificate and client
 * validation (SNI-chosen contexts are read on each handshake), for connections accepted from
 * now on. `before` is what the server was last given.
 */
export function updateSecureServer(server: TlsServer, before: TlsCertificates | undefined, after: TlsCertificates | undefined): void {
  const was = before?.defaultPem;
  const now = after?.defaultPem;
  const validationChanged = before?.clientValidation?.mode !== after?.clientValidation?.mode
    || before?.clientValidation?.ca !== after?.clientValidation?.ca;
  // A port without certificates is never bound, so `now` is there whenever a client could connect.
  if (now && (now.cert !== was?.cert || now.key !== was?.key || validationChanged)) server.setSecureContext(secureServerOptions(after));
  Object.assign(server, clientCertificateMode(after));
}

/** The TLS of one BackendTLSPolicy (and the Gateway's client certificate) as connect options, built once per config. */
const upstreamOptions = new WeakMap<BackendTlsIR, ConnectionOptions>();

/**
 * TLS options for connections to a backend that a BackendTLSPolicy covers (`backend.tls`), as
 * undici's `connect` options take them: SNI from the policy's hostname, a secure context that
 * trusts only the policy's CAs (Node's default store for `System`) and presents the Gateway's
 * client certificate, and the policy's identity check. undici offers ALPN itself: http/1.1,
 * plus h2 for a pool that allows HTTP/2. Empty for a backend without TLS.
 */
export function upstreamTlsOptions(backend: BackendIR): ConnectionOptions {
  const tls = backend.tls;
  if (!tls) return {};
  let options = upstreamOptions.get(tls);
  if (!options) {
    options = buildUpstreamOptions(tls);
    upstreamOptions.set(tls, options);
  }
  return options;
}

/** The part of a pool that the proxy dispatches through and closes. */
export interface DispatchingPool {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A pool to a TLS backend as the proxy must use it. undici takes each request's SNI from its Host
 * header, ahead of the connect options, and reconnects whenever it changes; the policy's
 * hostname is the SNI, so every request carries it, which also keeps connections reusable
 * across Hosts.
 */
export function withServerName(pool: DispatchingPool, options: ConnectionOptions): DispatchingPool {
  const servername = options.servername;
  if (servername === undefined) return pool;
  return {
    // Request options take `servername` (undici's core/request.js) though its types omit it.
    dispatch: (dispatched, handler) => pool.dispatch({ ...dispatched, servername } as Dispatcher.DispatchOptions, handler),
    close: () => pool.close(),
    destroy: () => pool.destroy(),
  };
}

function buildUpstreamOptions(tls: BackendTlsIR): ConnectionOptions {
  const policy = `BackendTLSPolicy ${tls.policy.namespace}/${tls.policy.name}`;
  const servername = { servername: tls.hostname };
  const trust = tls.wellKnownCACertificates === 'System' ? {} : { ca: tls.caPems };
  const client = tls.clientCertificate ? { cert: tls.clientCertificate.certificatePem, key: tls.clientCertificate.privateKeyPem } : {};
  let secureContext: SecureContext;
  try {
    secureContext = createSecureContext({ minVersion: 'TLSv1.2', ...trust, ...client });
  } catch (err) {
    // The engine checks PEM structure only; what OpenSSL refuses fails every connection, named.
    const what = caBundleLoads(trust) ? 'the Gateway\'s backend client certificate' : 'its CA bundle';
    const problem = `${policy}: ${what} cannot be loaded (${err instanceof Error ? err.message : String(err)})`;
    return { ...servername, minVersion: 'TLSv1.2', checkServerIdentity: () => tlsError('ERR_BACKEND_TLS_UNUSABLE', problem) };
  }
  return { ...servername, secureContext, checkServerIdentity: (_host, cert) => identityError(tls, policy, cert) };
}

function caBundleLoads(trust: { ca?: string[] }): boolean {
  try {
    createSecureContext(trust);
    return true;
  } catch {
    return false;
  }
}

function tlsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The policy's identity check: the certificate must be valid for `hostname`, or, when the
 * policy lists subjectAltNames, carry one of them (and then the hostname alone does not do).
 */
function identityError(tls: BackendTlsIR, policy: string, cert: PeerCertificate): Error | undefined {
  if (tls.subjectAltNames.length === 0) return checkServerIdentity(tls.hostname, cert);
  const names = subjectAltNames(cert.subjectaltname);
  const dns = names.filter(n => n.type === 'DNS').map(n => n.value);
  const uris = names.filter(n => n.type === 'URI').map(n => n.value);
  for (const san of tls.subjectAltNames) {
    if (san.type === 'Hostname' ? dns.some(d => dnsNameMatches(d, san.value)) : uris.includes(san.value)) return undefined;
  }
  const wanted = tls.subjectAltNames.map(s => `${s.type === 'Hostname' ? 'DNS' : 'URI'}:${s.value}`).join(', ');
  return tlsError('ERR_TLS_CERT_ALTNAME_INVALID',
    `the backend's certificate (${cert.subjectaltname ?? 'no subjectAltName'}) has none of the subjectAltNames ${policy} requires: ${wanted}`);
}

/**
 * Node's `subjectaltname`: `TYPE:value` entries joined by ", ", where a value that contains a
 * separator or a quote is written as a JSON string.
 */
export function subjectAltNames(text: string | undefined): { type: string; value: string }[] {
  const names: { type: string; value: string }[] = [];
  if (!text) return names;
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  while (entry.lastIndex < text.length) {
    const start = entry.lastIndex;
    const match = entry.exec(text);
    if (!match || entry.lastIndex === start) break;
    const raw = match[2];
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        value = raw;
      }
    }
    names.push({ type: match[1], value });
  }
  return names;
}

/**
 * Whether a certificate's DNS name covers `name` (RFC 6125 §6.4): equal ignoring case, or a
 * wildcard that is the whole left-most label standing for exactly one label, under at least
 * two labels. A wildcard asked for is matched only by the same wildcard.
 */
export function dnsNameMatches(certName: string, name: string): boolean {
  const pattern = certName.toLowerCase().replace(/\.$/, '');
  const host = name.toLowerCase().replace(/\.$/, '');
  if (pattern === host) return true;
  if (!pattern.startsWith('*.') || host.startsWith('*.')) return false;
  const suffix = pattern.slice(1);
  if (suffix.split('.').length < 3) return false;
  const first = host.slice(0, host.length - suffix.length);
  return host.endsWith(suffix) && first.length > 0 && !first.includes('.');
}
