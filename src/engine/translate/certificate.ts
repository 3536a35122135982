/**
 * Certificate references from a Gateway: key pairs (listener `tls.certificateRefs`,
 * `tls.backend.clientCertificateRef`) in core Secrets of type kubernetes.io/tls, and CA
 * bundles for client certificate validation in ConfigMaps or Secrets under `ca.crt`.
 */
import { GATEWAY_GROUP, KubeObject } from '../types';
import { Issue } from './finding';
import { CaCertificateIR, CertificateIR } from './ir';
import { grantHint, isReferencePermitted } from './reference-grant';
import { displayName, namespaceOf, Snapshot } from './snapshot';

export interface CertificateResolution {
  readonly certificate: CertificateIR;
  /** Set exactly when the certificate is invalid. */
  readonly issue?: Issue;
}

/**
 * Resolves one Secret reference of a Gateway or a ListenerSet (`owner`). `invalidReason` is what
 * an unusable reference is reported as: InvalidCertificateRef for listeners,
 * InvalidClientCertificateRef for the backend client certificate. A cross-namespace reference
 * without a grant is RefNotPermitted either way, and is checked before the Secret itself so that
 * its existence is not revealed. Grants name the referring kind, so a grant to a Gateway does
 * not cover its ListenerSets.
 */
export function resolveCertificateRef(
  snapshot: Snapshot, owner: KubeObject, ref: any, path: string, invalidReason: string,
): CertificateResolution {
  const gatewayNamespace = namespaceOf(owner)!;
  const group: string = ref?.group ?? '';
  const kind: string = ref?.kind ?? 'Secret';
  const name: string = ref?.name ?? '';
  const namespace: string = ref?.namespace ?? gatewayNamespace;
  const invalid = (reason: string, message: string, hint: string, premise?: Issue['premise']): CertificateResolution => ({
    certificate: { namespace, name, valid: false, invalid: { reason, message } },
    issue: { path, reason, message, hint, premise },
  });

  if (group !== '' || kind !== 'Secret') {
    return invalid(invalidReason,
      `certificate reference ${group ? `${group}/` : ''}${kind} ${name} is not supported: only core Secrets are`,
      'reference a Secret (group "", kind Secret) of type kubernetes.io/tls',
      group !== '' ? { implementationSpecific: true } : undefined);
  }
  const from = { group: GATEWAY_GROUP, kind: owner.kind, namespace: gatewayNamespace };
  const to = { group: '', kind: 'Secret', namespace, name };
  if (!isReferencePermitted(snapshot, from, to)) {
    return invalid('RefNotPermitted',
      `reference to Secret ${namespace}/${name} is not permitted by any ReferenceGrant in namespace ${namespace}`,
      grantHint(from, to), { missingGrantIn: namespace });
  }
  const secret = snapshot.find('Secret', namespace, name);
  if (!secret) {
    return invalid(invalidReason, `Secret ${namespace}/${name} not found`,
      `create Secret ${namespace}/${name} of type kubernetes.io/tls with tls.crt and tls.key, or reference an existing one`,
      { missingObject: { kind: 'Secret', namespace, name } });
  }
  const pair = readKeyPair(secret);
  if (typeof pair === 'string') {
    return invalid(invalidReason, `Secret ${displayName(secret)} ${pair}`,
      'store a PEM certificate chain in tls.crt and its PEM private key in tls.key, with type kubernetes.io/tls');
  }
  return { certificate: { namespace, name, valid: true, ...pair } };
}

/** Kinds a CA bundle may live in: ConfigMap is the API's core support, Secret is a common extension. */
const CA_KINDS = ['ConfigMap', 'Secret'];

export interface CaCertificateResolution {
  readonly certificate: CaCertificateIR;
  readonly issue?: Issue;
}

/** Resolves one `caCertificateRefs` entry of a Gateway's frontend TLS validation. */
export function resolveCaCertificateRef(snapshot: Snapshot, gateway: KubeObject, ref: any, path: string): CaCertificateResolution {
  const gatewayNamespace = namespaceOf(gateway)!;
  const group: string = ref?.group ?? '';
  const kind: string = ref?.kind ?? 'ConfigMap';
  const name: string = ref?.name ?? '';
  const namespace: string = ref?.namespace ?? gatewayNamespace;
  const invalid = (reason: string, message: string, hint: string, premise?: Issue['premise']): CaCertificateResolution => ({
    certificate: { kind, namespace, name, valid: false, invalid: { reason, message } },
    issue: { path, reason, message, hint, premise },
  });

  if (group !== '' || !CA_KINDS.includes(kind)) {
    return invalid('InvalidCACertificateKind',
      `CA certificate reference ${group ? `${group}/` : ''}${kind} ${name} is not supported: only core ConfigMaps and Secrets are`,
      'reference a ConfigMap (group "", kind ConfigMap) holding the CA bundle under ca.crt',
      group !== '' ? { implementationSpecific: true } : undefined);
  }
  const from = { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gatewayNamespace };
  const to = { group: '', kind, namespace, name };
  if (!isReferencePermitted(snapshot, from, to)) {
    return invalid('RefNotPermitted',
      `reference to ${kind} ${namespace}/${name} is not permitted by any ReferenceGrant in namespace ${namespace}`,
      grantHint(from, to), { missingGrantIn: namespace });
  }
  const holder = snapshot.find(kind, namespace, name);
  if (!holder) {
    return invalid('InvalidCACertificateRef', `${kind} ${namespace}/${name} not found`,
      `create ${kind} ${namespace}/${name} with the CA bundle under ca.crt, or reference an existing one`,
      { missingObject: { kind, namespace, name } });
  }
  const bundle = kind === 'Secret' ? secretValue(holder, 'ca.crt') : configMapValue(holder, 'ca.crt');
  if (bundle === undefined || !hasPemBlock(bundle, /^CERTIFICATE$/)) {
    return invalid('InvalidCACertificateRef', `${kind} ${namespace}/${name} holds no PEM certificate under ca.crt`,
      'store the PEM CA bundle under the key ca.crt');
  }
  return { certificate: { kind, namespace, name, valid: true, caPem: bundle } };
}

export function configMapValue(configMap: KubeObject, key: string): string | undefined {
  const data = configMap.data as Record<string, unknown> | undefined;
  return typeof data?.[key] === 'string' ? data[key] as string : undefined;
}

/** The PEM key pair of a TLS Secret, or what is wrong with it. */
function readKeyPair(secret: KubeObject): { certificatePem: string; privateKeyPem: string } | string {
  const type = typeof secret.type === 'string' ? secret.type : 'Opaque';
  if (type !== 'kubernetes.io/tls') return `has type ${type}, expected kubernetes.io/tls`;
  const certificatePem = secretValue(secret, 'tls.crt');
  const privateKeyPem = secretValue(secret, 'tls.key');
  if (certificatePem === undefined) return 'has no tls.crt';
  if (privateKeyPem === undefined) return 'has no tls.key';
  if (!hasPemBlock(certificatePem, /^CERTIFICATE$/)) return 'tls.crt holds no PEM certificate';
  if (!hasPemBlock(privateKeyPem, /^(RSA |EC |ENCRYPTED )?PRIVATE KEY$/)) return 'tls.key holds no PEM private key';
  return { certificatePem, privateKeyPem };
}

/** A Secret value as the API server stores it: `stringData` is merged over base64 `data`. */
function secretValue(secret: KubeObject, key: string): string | undefined {
  const stringData = secret.stringData as Record<string, unknown> | undefined;
  if (typeof stringData?.[key] === 'string') return stringData[key] as string;
  const data = secret.data as Record<string, unknown> | undefined;
  return typeof data?.[key] === 'string' ? Buffer.from(data[key] as string, 'base64').toString('utf8') : undefined;
}

/**
 * A structural check only: a block with the right label whose body is base64 of a DER
 * SEQUENCE. Parsing the X.509 content is left to the runtime that loads it, which keeps the
 * engine free of crypto and platform differences.
 */
export function hasPemBlock(text: string, label: RegExp): boolean {
  const block = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END \1-----/g;
  for (const match of text.matchAll(block)) {
    if (!label.test(match[1])) continue;
    const der = Buffer.from(match[2].replace(/\s+/g, ''), 'base64');
    if (der.length > 1 && der[0] === 0x30) return true;
  }
  return false;
}
