/**
 * A snapshot of objects → what the data plane serves: the engine's route table, the ready
 * endpoints, and one binding per address:port. Pure apart from building TLS contexts, so a
 * snapshot that cannot be used leaves the previous config live.
 */
import { createSecureContext, DEFAULT_CIPHERS, SecureContext } from 'tls';
import { EndpointIndex } from './endpoints';
import { checkObject } from '../engine/check';
import { compile } from '../engine/compile';
import { HttpPortTable, RouteTable } from '../engine/compile/types';
import { ListenerIR, translate } from '../engine/translate';
import { KubeObject } from '../engine/types';

export interface ConfigOptions {
  readonly controllerName?: string;
  /** `namespace/name` of the Gateways to serve; empty serves all of ours. */
  readonly gateways: readonly string[];
  readonly bind: string;
  readonly listenOffset: number;
}

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

export interface Binding {
  /** `address:port` actually bound. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly declaredPort: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** `namespace/name` of the Gateway served here. */
  readonly gateway: string;
  readonly table: HttpPortTable;
  readonly tls?: TlsCertificates;
}

export interface DataPlaneConfig {
  readonly table: RouteTable;
  readonly endpoints: EndpointIndex;
  readonly bindings: Binding[];
  /** Human-readable problems that do not stop serving (conflicts, Gateways asked for but absent). */
  readonly warnings: string[];
}

/**
 * Per-object checks by object identity: the file source hands back the same instances for
 * unchanged files, so a reload re-checks only what changed.
 */
const checkedObjects = new WeakMap<KubeObject, ReturnType<typeof checkObject>>();

export function buildConfig(objects: readonly KubeObject[], options: ConfigOptions): DataPlaneConfig {
  const warnings: string[] = [];
  // As in a cluster: an object the API server would refuse never exists, so it is not served;
  // the rest are stored with their defaults, which translate expects.
  const stored: KubeObject[] = [];
  for (const input of objects) {
    let checked = checkedObjects.get(input);
    if (!checked) {
      checked = checkObject(input);
      checkedObjects.set(input, checked);
    }
    if (checked.violations.length === 0) {
      stored.push(checked.object);
    } else {
      const v = checked.violations[0];
      const more = checked.violations.length > 1 ? ` (and ${checked.violations.length - 1} more)` : '';
      warnings.push(`${v.kind} ${v.namespace ? `${v.namespace}/` : ''}${v.name} is not served, the API server would refuse it: ${v.path ? `${v.path}: ` : ''}${v.message}${more}`);
    }
  }
  const translation = translate(stored, { controllerName: options.controllerName });
  const wanted = new Set(options.gateways);
  const gateways = wanted.size === 0
    ? translation.gateways
    : translation.gateways.filter(g => wanted.has(`${g.namespace}/${g.name}`));
  for (const name of wanted) {
    if (!gateways.some(g => `${g.namespace}/${g.name}` === name)) warnings.push(`Gateway ${name} is not in the input or not of our GatewayClass`);
  }
  const table = compile(gateways);
  previousContexts = currentContexts;
  currentContexts = new Map();
  const bindings: Binding[] = [];
  const owners = new Map<string, string>();
  for (const [gatewayKey, compiled] of table.gateways) {
    for (const [port, portTable] of compiled.httpPorts) {
      const actual = port + options.listenOffset;
      const key = `${options.bind}:${actual}`;
      const owner = owners.get(key);
      if (owner !== undefined) {
        warnings.push(`conflict: Gateways ${owner} and ${gatewayKey} both bind ${key} (listener port ${port}); serving ${owner} only`);
        continue;
      }
      owners.set(key, gatewayKey);
      bindings.push({
        key,
        address: options.bind,
        port: actual,
        declaredPort: port,
        protocol: portTable.protocol,
        gateway: gatewayKey,
        table: portTable,
        ...(portTable.protocol === 'HTTPS' ? { tls: certificatesOf(portTable.listeners) } : {}),
      });
    }
  }
  return { table, endpoints: new EndpointIndex(stored), bindings, warnings };
}

/** Secure contexts are costly to build: the previous snapshot's are reused for the same PEMs, the rest dropped. */
let previousContexts = new Map<string, SecureContext>();
let currentContexts = new Map<string, SecureContext>();

function contextFor(cert: string, key: string): SecureContext {
  const id = `${cert}\u0000${key}`;
  let context = currentContexts.get(id) ?? previousContexts.get(id);
  if (!context) context = createSecureContext({ ...TLS_SETTINGS, cert, key });
  currentContexts.set(id, context);
  return context;
}

function certificatesOf(listeners: readonly ListenerIR[]): TlsCertificates {
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
