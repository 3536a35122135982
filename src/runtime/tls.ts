/**
 * TLS of the data plane: the settings every HTTPS listener uses, the certificates a port picks
 * by SNI, and (to come) client-certificate validation from the Gateway's `spec.tls.frontend`.
 */
import { createSecureContext, DEFAULT_CIPHERS, SecureContext, Server as TlsServer } from 'tls';
import { BackendIR, ListenerIR } from '../engine/translate';

/**
 * TLS for every HTTPS listener and every certificate it may pick by SNI: Node's default suites
 * without static-RSA key exchange (no forward secrecy), CBC with HMAC (padding-oracle history,
 * which RFC 9113 §9.2.2 prohibits for HTTP/2) or CCM8's 64-bit tags.
 */
export const TLS_SETTINGS = {
  minVersion: 'TLSv1.2',
  ciphers: `${DEFAULT_CIPHERS}:!kRSA:!SHA1:!SHA256:!SHA384:!AESCCM8`,
} as const;

/** Certificates of an HTTPS port, chosen by SNI like the listeners they belong to. */
export interface TlsCertificates {
  readonly exact: ReadonlyMap<string, SecureContext>;
  /** Wildcard suffixes (`.example.com`), most labels first. */
  readonly wildcards: readonly { readonly suffix: string; readonly context: SecureContext }[];
  readonly fallback?: SecureContext;
  /** PEMs of the default certificate, for clients that send no SNI. */
  readonly defaultPem?: { readonly cert: string; readonly key: string };
}

/** Secure contexts are costly to build: the previous snapshot's are reused for the same PEMs, the rest dropped. */
let previousContexts = new Map<string, SecureContext>();
let currentContexts = new Map<string, SecureContext>();

/** Called once per config build: contexts not used by the new config are dropped after it. */
export function startCertificateGeneration(): void {
  previousContexts = currentContexts;
  currentContexts = new Map();
}

function contextFor(cert: string, key: string): SecureContext {
  const id = `${cert}\u0000${key}`;
  let context = currentContexts.get(id) ?? previousContexts.get(id);
  if (!context) context = createSecureContext({ ...TLS_SETTINGS, cert, key });
  currentContexts.set(id, context);
  return context;
}

export function certificatesOf(listeners: readonly ListenerIR[]): TlsCertificates {
  const exact = new Map<string, SecureContext>();
  const wildcards: { suffix: string; context: SecureContext }[] = [];
  let fallback: SecureContext | undefined;
  let defaultPem: { cert: string; key: string } | undefined;
  for (const listener of listeners) {
    const certificate = listener.tls?.certificates.find(c => c.valid && c.certificatePem && c.privateKeyPem);
    if (!certificate?.certificatePem || !certificate.privateKeyPem) continue;
    const pem = { cert: certificate.certificatePem, key: certificate.privateKeyPem };
    defaultPem ??= pem;
    const context = contextFor(pem.cert, pem.key);
    const hostname = listener.hostname;
    if (hostname === undefined) fallback ??= context;
    else if (hostname.startsWith('*.')) wildcards.push({ suffix: hostname.slice(1), context });
    else if (!exact.has(hostname)) exact.set(hostname, context);
  }
  wildcards.sort((a, b) => b.suffix.split('.').length - a.suffix.split('.').length);
  return { exact, wildcards, fallback, defaultPem };
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
 * Options for the TLS server of an HTTPS port, from its certificates; the same function is used
 * when the port is created and when a reload changes what it serves.
 */
export function secureServerOptions(tls: TlsCertificates | undefined) {
  return { ...TLS_SETTINGS, ...(tls?.defaultPem ?? {}) };
}

/**
 * Applies what a reload changed to a running TLS server: its default certificate (SNI-chosen
 * ones are read on each handshake). `before` is what the server was last given.
 */
export function updateSecureServer(server: TlsServer, before: TlsCertificates | undefined, after: TlsCertificates | undefined): void {
  const was = before?.defaultPem;
  const now = after?.defaultPem;
  if (now && (now.cert !== was?.cert || now.key !== was?.key)) server.setSecureContext(secureServerOptions(after));
}

/**
 * TLS options for connections to a backend that a BackendTLSPolicy covers (`backend.tls`), as
 * undici's `connect` options take them (servername, ca, checkServerIdentity). Empty for a
 * backend without TLS.
 *
 * TODO(backend TLS): not originated yet; the pool for such a backend speaks cleartext.
 */
export function upstreamTlsOptions(backend: BackendIR): Record<string, unknown> {
  void backend;
  return {};
}
