/**
 * `validate` against the upstream conformance manifests of the GATEWAY-HTTP profile: each
 * test's manifests plus the suite's base manifests, as the suite applies them. What the suite
 * means to be valid must pass; what it means to be refused must be reported with the reason
 * the conformance test looks for in the object's status.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { conformanceRuntimeObjects } from '../util/conformance-runtime';
import { SHARED_DIR } from '../util/shared';

const GATEWAY_API = path.join(SHARED_DIR, 'gateway-api');
const CONFORMANCE = path.join(GATEWAY_API, 'conformance');

const CLASS_NAME = 'gateway-conformance';
const CONTROLLER_NAME = 'cdk8s-gateway.test/conformance';
/** The suite asks for one address the implementation can use and one it cannot; neither is knowable offline. */
const USABLE_ADDRESS = '192.0.2.10';
const UNUSABLE_ADDRESS = '192.0.2.20';

const INFRA = 'gateway-conformance-infra';
const WEB = 'gateway-conformance-web-backend';

interface Expectation {
  /**
   * Objects the suite expects to be refused, with the reasons (condition reasons, as in a
   * violation's `reason`) it checks for; each entry must be reported, `A|B` accepts either.
   */
  readonly refused: Record<string, string[]>;
  /** Objects the suite does not check at all (a route to a Gateway that does not exist): reported or not. */
  readonly unchecked?: string[];
}

/** Files of the profile not listed here must validate cleanly. */
const EXPECTED: Record<string, Expectation> = {
  'backendtlspolicy-conflict-resolution.yaml': {
    // Same age, so the older name wins (GEP-713): the "-2" policies lose.
    refused: {
      [`BackendTLSPolicy ${INFRA}/conflicted-without-section-name-2`]: ['Conflicted'],
      [`BackendTLSPolicy ${INFRA}/conflicted-with-section-name-2`]: ['Conflicted'],
    },
  },
  'backendtlspolicy-invalid-ca-certificate-ref.yaml': {
    refused: {
      [`BackendTLSPolicy ${INFRA}/nonexistent-ca-certificate-ref`]: ['InvalidCACertificateRef|NoValidCACertificate'],
      [`BackendTLSPolicy ${INFRA}/malformed-ca-certificate-ref`]: ['InvalidCACertificateRef|NoValidCACertificate'],
    },
  },
  'backendtlspolicy-invalid-kind.yaml': {
    refused: { [`BackendTLSPolicy ${INFRA}/invalid-kind`]: ['InvalidKind|NoValidCACertificate'] },
  },
  'gateway-invalid-default-frontend-client-certificate-validation.yaml': {
    refused: { [`Gateway ${INFRA}/invalid-default-client-validation-config`]: ['InvalidCACertificateRef|NoValidCACertificate'] },
  },
  'gateway-invalid-listeners-unsupported-protocol.yaml': {
    refused: {
      [`Gateway ${INFRA}/gateway-only-unsupported-protocols`]: ['UnsupportedProtocol'],
      [`Gateway ${INFRA}/gateway-supported-and-unsupported-protocols`]: ['UnsupportedProtocol'],
    },
  },
  'gateway-invalid-parameters-ref.yaml': {
    refused: { [`Gateway ${INFRA}/gateway-invalid-parameters-ref`]: ['InvalidParameters'] },
  },
  'gateway-invalid-route-kind.yaml': {
    refused: {
      [`Gateway ${INFRA}/gateway-only-invalid-route-kind`]: ['InvalidRouteKinds'],
      [`Gateway ${INFRA}/gateway-supported-and-invalid-route-kind`]: ['InvalidRouteKinds'],
    },
  },
  'gateway-invalid-tls-backend-configuration.yaml': {
    refused: {
      [`Gateway ${INFRA}/gateway-client-certificate-nonexistent-secret`]: ['InvalidClientCertificateRef'],
      [`Gateway ${INFRA}/gateway-client-certificate-unsupported-group`]: ['InvalidClientCertificateRef'],
      [`Gateway ${INFRA}/gateway-client-certificate-unsupported-kind`]: ['InvalidClientCertificateRef'],
      [`Gateway ${INFRA}/gateway-client-certificate-malformed-secret`]: ['InvalidClientCertificateRef'],
      [`Gateway ${INFRA}/gateway-client-certificate-missing-reference-grant`]: ['RefNotPermitted'],
    },
  },
  'gateway-invalid-tls-configuration.yaml': {
    refused: {
      [`Gateway ${INFRA}/gateway-certificate-nonexistent-secret`]: ['InvalidCertificateRef'],
      [`Gateway ${INFRA}/gateway-certificate-unsupported-group`]: ['InvalidCertificateRef'],
      [`Gateway ${INFRA}/gateway-certificate-unsupported-kind`]: ['InvalidCertificateRef'],
      [`Gateway ${INFRA}/gateway-certificate-malformed-secret`]: ['InvalidCertificateRef'],
    },
  },
  'gateway-secret-invalid-reference-grant.yaml': {
    refused: { [`Gateway ${INFRA}/gateway-secret-invalid-reference-grant`]: ['RefNotPermitted'] },
  },
  'gateway-secret-missing-reference-grant.yaml': {
    refused: { [`Gateway ${INFRA}/gateway-secret-missing-reference-grant`]: ['RefNotPermitted'] },
  },
  'gateway-static-addresses.yaml': {
    // Only the address type is knowable offline; whether an IP is usable is not.
    refused: { [`Gateway ${INFRA}/gateway-static-addresses`]: ['UnsupportedAddress'] },
  },
  'gateway-with-attached-routes.yaml': {
    refused: {
      [`Gateway ${INFRA}/unresolved-gateway-with-one-attached-unresolved-route`]: ['InvalidCertificateRef'],
      [`HTTPRoute ${INFRA}/http-route-not-accepted`]: ['NoMatchingListenerHostname'],
      [`HTTPRoute ${INFRA}/http-route-4`]: ['BackendNotFound'],
    },
  },
  'gateway-with-invalid-clientcertificate-validation.yaml': {
    refused: {
      [`Gateway ${INFRA}/gateway-with-invalid-client-cert-validation`]: [
        'InvalidCACertificateRef|NoValidCACertificate',
        'InvalidCACertificateKind',
        'RefNotPermitted',
      ],
    },
    unchecked: [`HTTPRoute ${INFRA}/misconfigured-client-certificate-validation-https-test`],
  },
  'httproute-hostname-intersection.yaml': {
    refused: { [`HTTPRoute ${INFRA}/no-intersecting-hosts`]: ['NoMatchingListenerHostname'] },
  },
  'httproute-invalid-backendref-unknown-kind.yaml': {
    refused: { [`HTTPRoute ${INFRA}/invalid-backend-ref-unknown-kind`]: ['InvalidKind'] },
  },
  'httproute-invalid-cross-namespace-backend-ref.yaml': {
    refused: { [`HTTPRoute ${INFRA}/invalid-cross-namespace-backend-ref`]: ['RefNotPermitted'] },
  },
  'httproute-invalid-cross-namespace-parent-ref.yaml': {
    refused: { [`HTTPRoute ${WEB}/invalid-cross-namespace-parent-ref`]: ['NotAllowedByListeners'] },
  },
  'httproute-invalid-nonexistent-backendref.yaml': {
    refused: { [`HTTPRoute ${INFRA}/invalid-nonexistent-backend-ref`]: ['BackendNotFound'] },
  },
  'httproute-invalid-parentref-not-matching-listener-port.yaml': {
    refused: { [`HTTPRoute ${INFRA}/httproute-listener-not-matching-route-port`]: ['NoMatchingParent'] },
  },
  'httproute-invalid-parentref-not-matching-section-name.yaml': {
    refused: { [`HTTPRoute ${INFRA}/httproute-listener-not-matching-section-name`]: ['NoMatchingParent'] },
  },
  'httproute-invalid-parentref-section-name-not-matching-port.yaml': {
    refused: { [`HTTPRoute ${INFRA}/httproute-listener-section-name-not-matching-port`]: ['NoMatchingParent'] },
  },
  'httproute-invalid-reference-grant.yaml': {
    refused: { [`HTTPRoute ${INFRA}/reference-grant`]: ['RefNotPermitted'] },
  },
  'httproute-partially-invalid-via-invalid-reference-grant.yaml': {
    refused: { [`HTTPRoute ${INFRA}/invalid-reference-grant`]: ['RefNotPermitted'] },
  },
  'listenerset-allowed-namespace-none.yaml': {
    refused: { [`ListenerSet ${INFRA}/listenerset-not-allowed`]: ['NotAllowed'] },
  },
  'listenerset-allowed-namespace-same.yaml': {
    refused: { 'ListenerSet gateway-api-listenerset-not-allowed-ns/listenerset-in-different-namespace': ['NotAllowed'] },
  },
  'listenerset-allowed-namespace-selector.yaml': {
    refused: { 'ListenerSet gateway-api-listenerset-selector-not-allowed-ns/listenerset-not-in-selected-namespace': ['NotAllowed'] },
  },
  'listenerset-allowed-routes-namespaces.yaml': {
    // Its parent ListenerSet lives elsewhere and its listener only admits routes from there.
    refused: { [`HTTPRoute ${INFRA}/route-in-gateway-namespace`]: ['NotAllowedByListeners'] },
  },
  'listenerset-default-not-allowed.yaml': {
    refused: { [`ListenerSet ${INFRA}/listenerset-default-not-allowed`]: ['NotAllowed'] },
  },
  'listenerset-dual-parentref-independence.yaml': {
    refused: { [`HTTPRoute ${INFRA}/route-dual-parentref-one`]: ['NoMatchingParent'] },
  },
  'listenerset-gateway-parent-section-name-not-found.yaml': {
    refused: { [`HTTPRoute ${INFRA}/route-via-gateway`]: ['NoMatchingParent'] },
  },
  'listenerset-hostname-conflict.yaml': {
    // Precedence: the Gateway's own listeners, then ListenerSets by age, then by name.
    refused: {
      [`ListenerSet ${INFRA}/listenerset-with-hostname-conflict-with-gateway-1`]: ['HostnameConflict'],
      [`ListenerSet ${INFRA}/listenerset-with-hostname-conflict-with-gateway-2`]: ['HostnameConflict'],
      [`ListenerSet ${INFRA}/listenerset-with-hostname-conflict-with-listener-set-1`]: ['HostnameConflict'],
      [`ListenerSet ${INFRA}/listenerset-with-hostname-conflict-with-listener-set-2`]: ['HostnameConflict'],
    },
  },
  'listenerset-protocol-conflict.yaml': {
    refused: {
      [`ListenerSet ${INFRA}/listenerset-with-protocol-conflict-with-gateway-1`]: ['ProtocolConflict'],
      [`ListenerSet ${INFRA}/listenerset-with-protocol-conflict-with-gateway-2`]: ['ProtocolConflict'],
      [`ListenerSet ${INFRA}/listenerset-with-protocol-conflict-with-listener-set-1`]: ['ProtocolConflict'],
      [`ListenerSet ${INFRA}/listenerset-with-protocol-conflict-with-listener-set-2`]: ['ProtocolConflict'],
    },
  },
  'listenerset-reference-grant.yaml': {
    refused: { 'ListenerSet gateway-api-listener-sets-test-reference-grant-ns/listenerset-without-reference-grant': ['RefNotPermitted'] },
  },
};

interface ConformanceTest {
  readonly shortName: string;
  readonly features: string[];
  readonly profiles: string[];
  readonly manifests: string[];
}

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly path?: string;
  readonly message: string;
  readonly source: string;
  readonly reason?: string;
}

const suite = JSON.parse(fs.readFileSync(path.join(GATEWAY_API, 'derived', 'conformance-tests.json'), 'utf8')) as {
  featureChannel: Record<string, string>;
  tests: ConformanceTest[];
};
const httpTests = suite.tests.filter(t => t.profiles.includes('GATEWAY-HTTP'));
const cases = httpTests.flatMap(t => t.manifests.map(manifest => ({
  file: path.basename(manifest),
  test: t.shortName,
  // A test that needs an experimental feature runs against the experimental CRDs.
  channel: t.features.some(f => suite.featureChannel[f] === 'experimental') ? 'experimental' : 'standard',
})));

let workdir: string;
beforeAll(() => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-conformance-'));
});
afterAll(() => {
  fs.rmSync(workdir, { recursive: true, force: true });
});

/** What the suite applies as written, with the values it substitutes at run time. */
function substitute(text: string): string {
  return text
    .replace(/\{GATEWAY_CLASS_NAME\}/g, CLASS_NAME)
    .replace(/\{GATEWAY_CONTROLLER_NAME\}/g, CONTROLLER_NAME)
    .replace(/PLACEHOLDER_USABLE_ADDRS/g, USABLE_ADDRESS)
    .replace(/PLACEHOLDER_UNUSABLE_ADDRS/g, UNUSABLE_ADDRESS);
}

async function validate(dir: string, channel: string): Promise<{ code: number; findings: Finding[]; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['validate', dir, '-o', 'json', '--channel', channel, '--controller-name', CONTROLLER_NAME], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    cwd: workdir,
  });
  return { code, findings: code === 2 ? [] : JSON.parse(stdout), stderr };
}

function objectOf(f: Finding): string {
  return `${f.kind} ${f.namespace === undefined ? f.name : `${f.namespace}/${f.name}`}`;
}

function describeFinding(f: Finding): string {
  return f.source === 'input'
    ? `${f.file}:${f.line}: ${f.message}`
    : `${f.file}: ${objectOf(f)}: ${f.path}: ${f.message} [${f.reason ?? f.source}]`;
}

test('lists only files of the profile and objects by Kind namespace/name in its expectations', () => {
  const files = new Set(cases.map(c => c.file));
  expect(Object.keys(EXPECTED).filter(f => !files.has(f))).toEqual([]);
  for (const expectation of Object.values(EXPECTED)) {
    for (const object of [...Object.keys(expectation.refused), ...(expectation.unchecked ?? [])]) {
      expect(object).toMatch(/^[A-Za-z]+ [a-z0-9-]+\/[a-z0-9-]+$/);
    }
  }
});

test('finds the GATEWAY-HTTP profile and its manifests in the shared folder', () => {
  expect(cases.length).toBeGreaterThan(90);
  for (const c of cases) expect(fs.existsSync(path.join(CONFORMANCE, 'tests', c.file))).toBe(true);
});

describe.each(cases)('conformance manifest $file ($test, $channel channel)', ({ file, channel }) => {
  const expectation = EXPECTED[file];
  const refusing = Object.keys(expectation?.refused ?? {});
  const title = refusing.length > 0
    ? `reports ${refusing.length === 1 ? refusing[0] : `${refusing.length} objects`} with the reasons the suite expects, and nothing else`
    : 'validates cleanly together with the base manifests';
  test(title, async () => {
    const dir = fs.mkdtempSync(path.join(workdir, `${path.basename(file, '.yaml')}-`));
    fs.writeFileSync(path.join(dir, '00-base.yaml'), substitute(fs.readFileSync(path.join(CONFORMANCE, 'base', 'manifests.yaml'), 'utf8')));
    const runtime = { apiVersion: 'v1', kind: 'List', items: conformanceRuntimeObjects(CLASS_NAME, CONTROLLER_NAME) };
    fs.writeFileSync(path.join(dir, '01-runtime.json'), JSON.stringify(runtime));
    fs.writeFileSync(path.join(dir, `02-${file}`), substitute(fs.readFileSync(path.join(CONFORMANCE, 'tests', file), 'utf8')));

    const { code, findings, stderr } = await validate(dir, channel);
    expect(code === 2 ? stderr : '').toBe('');

    const refused = expectation?.refused ?? {};
    const tolerated = new Set([...Object.keys(refused), ...(expectation?.unchecked ?? [])]);
    const unexpected = findings.filter(f => f.source === 'input' || !tolerated.has(objectOf(f))).map(describeFinding);
    const missing = Object.entries(refused).flatMap(([object, reasons]) => reasons
      .filter(reason => !findings.some(f => objectOf(f) === object && f.reason !== undefined && reason.split('|').includes(f.reason)))
      .map(reason => `${object}: ${reason}`));

    expect({ unexpected, missing }).toEqual({ unexpected: [], missing: [] });
    expect(code).toBe(Object.keys(refused).length > 0 ? 1 : 0);
  });
});
