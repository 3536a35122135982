import { Authority, certificateAuthority, KeyPair, selfSignedCertificate } from './pki';

const INFRA = 'gateway-conformance-infra';
const APP = 'gateway-conformance-app-backend';
const WEB = 'gateway-conformance-web-backend';

/**
 * The certificates the upstream Go suite generates before running (research/gateway-api.md
 * §d.3), with the names, subjectAltNames and signers its tests rely on: the tls-backend pods
 * serve `tls-checks` signed by the `tls-checks` CA, the frontend validation tests present
 * client certificates of the two `tls-validity-checks` CAs, `mismatch` is a CA that signed
 * nothing. Made once per process; their keys never leave the temp folder openssl works in.
 */
interface Pki {
  readonly servers: Record<string, KeyPair>;
  readonly cas: Record<string, Authority>;
  readonly clients: Record<string, KeyPair>;
}

let pki: Pki | undefined;

function generate(): Pki {
  const validity = certificateAuthority('tls-validity-checks ca');
  const perPort = certificateAuthority('tls-validity-checks per-port ca');
  const checks = certificateAuthority('tls-checks ca');
  return {
    cas: {
      validity,
      perPort,
      checks,
      mismatch: certificateAuthority('mismatch ca'),
      web: certificateAuthority('web-backend ca'),
    },
    servers: {
      certificate: selfSignedCertificate({ commonName: 'conformance', dns: ['*'] }),
      validity: selfSignedCertificate({ commonName: 'tls-validity-checks', dns: ['*', '*.org', '*.wildcard.org'] }),
      checks: checks.issue({
        commonName: 'abc.example.com',
        dns: ['abc.example.com', 'other.example.com'],
        uris: ['spiffe://abc.example.com/test-identity'],
      }),
      passthrough: selfSignedCertificate({ commonName: 'abc.example.com', dns: ['abc.example.com'] }),
      terminate: selfSignedCertificate({ commonName: 'tls.example.com', dns: ['tls.example.com'] }),
    },
    clients: {
      validity: validity.issue({ commonName: 'tls-validity-checks client' }),
      perPort: perPort.issue({ commonName: 'tls-validity-checks per-port client' }),
      checks: checks.issue({ commonName: 'tls-checks client' }),
    },
  };
}

/**
 * The objects the upstream Go suite creates before running: the GatewayClass under test, then
 * the certificate Secrets and CA ConfigMaps that manifests refer to by name.
 */
export function conformanceRuntimeObjects(className: string, controllerName: string): any[] {
  const { servers, cas, clients } = pki ??= generate();
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  const secret = (namespace: string, name: string, pair: KeyPair) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': base64(pair.cert), 'tls.key': base64(pair.key) },
  });
  const caBundle = (namespace: string, name: string, ca: KeyPair) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace },
    data: { 'ca.crt': ca.cert },
  });
  return [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: className }, spec: { controllerName } },
    secret(WEB, 'certificate', servers.certificate),
    secret(INFRA, 'tls-validity-checks-certificate', servers.validity),
    secret(INFRA, 'tls-validity-checks-client-certificate', clients.validity),
    secret(INFRA, 'tls-validity-checks-per-port-client-certificate', clients.perPort),
    secret(INFRA, 'tls-checks-certificate', servers.checks),
    secret(INFRA, 'tls-checks-client-certificate', clients.checks),
    secret(INFRA, 'tls-passthrough-checks-certificate', servers.passthrough),
    secret(APP, 'tls-passthrough-checks-certificate', servers.passthrough),
    secret(INFRA, 'tls-terminate-checks-certificate', servers.terminate),
    caBundle(WEB, 'web-backend-cm', cas.web),
    caBundle(INFRA, 'tls-validity-checks-ca-certificate', cas.validity),
    caBundle(INFRA, 'tls-validity-checks-per-port-ca-certificate', cas.perPort),
    caBundle(INFRA, 'tls-checks-ca-certificate', cas.checks),
    caBundle(INFRA, 'mismatch-ca-certificate', cas.mismatch),
  ];
}
