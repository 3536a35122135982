import * as fs from 'fs';
import * as path from 'path';

const TLS_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'cli', 'conformance');
const INFRA = 'gateway-conformance-infra';
const APP = 'gateway-conformance-app-backend';
const WEB = 'gateway-conformance-web-backend';

/**
 * The objects the upstream Go suite creates before running (research/gateway-api.md §d.3): the
 * GatewayClass under test, then the certificate Secrets and CA ConfigMaps that manifests refer
 * to by name. One self-signed pair stands in for all of them.
 */
export function conformanceRuntimeObjects(className: string, controllerName: string): any[] {
  const certificate = fs.readFileSync(path.join(TLS_FIXTURES, 'tls.crt'), 'utf8');
  const key = fs.readFileSync(path.join(TLS_FIXTURES, 'tls.key'), 'utf8');
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  const secret = (namespace: string, name: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': base64(certificate), 'tls.key': base64(key) },
  });
  const caBundle = (namespace: string, name: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace },
    data: { 'ca.crt': certificate },
  });
  return [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: className }, spec: { controllerName } },
    secret(WEB, 'certificate'),
    secret(INFRA, 'tls-validity-checks-certificate'),
    secret(INFRA, 'tls-validity-checks-client-certificate'),
    secret(INFRA, 'tls-validity-checks-per-port-client-certificate'),
    secret(INFRA, 'tls-checks-certificate'),
    secret(INFRA, 'tls-checks-client-certificate'),
    secret(INFRA, 'tls-passthrough-checks-certificate'),
    secret(APP, 'tls-passthrough-checks-certificate'),
    secret(INFRA, 'tls-terminate-checks-certificate'),
    caBundle(WEB, 'web-backend-cm'),
    caBundle(INFRA, 'tls-validity-checks-ca-certificate'),
    caBundle(INFRA, 'tls-validity-checks-per-port-ca-certificate'),
    caBundle(INFRA, 'tls-checks-ca-certificate'),
    caBundle(INFRA, 'mismatch-ca-certificate'),
  ];
}
