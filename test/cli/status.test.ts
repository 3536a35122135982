import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { main } from '../../src/cli/main';
import { SHARED_DIR } from '../util/shared';

const REPO = path.resolve(__dirname, '..', '..');
const ROUTING = 'test/fixtures/routing/manifests';
const EXPECTED = path.join(REPO, 'test/fixtures/routing/status.expected.yaml');

async function run(args: string[], cwd = REPO) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, cwd });
  return { code, stdout, stderr };
}

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'status-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const CLASS = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: cdk8s}
spec: {controllerName: gateway.cdk8s.io/controller}
`;

describe('status', () => {
  test('prints the stored objects with the status the default controller writes, as YAML', async () => {
    expect(await run(['status', ROUTING])).toEqual({ code: 0, stdout: fs.readFileSync(EXPECTED, 'utf8'), stderr: '' });
  });

  test('prints the same objects as a JSON List', async () => {
    const json = await run(['status', ROUTING, '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      apiVersion: 'v1',
      kind: 'List',
      items: parseAllDocuments(fs.readFileSync(EXPECTED, 'utf8'), { version: '1.1' }).map((d) => d.toJS()),
    });
  });

  test('leaves objects of another controller without status', async () => {
    const other = await run(['status', ROUTING, '--controller-name', 'example.com/other']);
    expect(parseAllDocuments(other.stdout).map((d) => [d.toJS().kind, d.toJS().status])).toEqual([
      ['GatewayClass', undefined], ['Gateway', undefined], ['HTTPRoute', undefined],
    ]);
  });

  test('keeps the parent entries of other controllers and observes the generation', async () => {
    const dir = tempDir({
      'all.yaml': `${CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: cdk8s
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, generation: 7}
spec:
  parentRefs: [{name: gw}]
status:
  parents:
  - parentRef: {name: elsewhere}
    controllerName: example.com/other
    conditions: []
`,
    });
    const result = await run(['status', dir]);
    const route = parseAllDocuments(result.stdout).map((d) => d.toJS()).find((o) => o.kind === 'HTTPRoute');
    expect(result.code).toBe(0);
    expect(route.metadata.namespace).toBe('default');
    expect(route.status.parents.map((p: any) => [p.controllerName, p.parentRef, p.conditions.map((c: any) => `${c.type}=${c.status}@${c.observedGeneration}`)]))
      .toEqual([
        ['example.com/other', { name: 'elsewhere' }, []],
        ['gateway.cdk8s.io/controller', { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'gw' },
          ['Accepted=True@7', 'ResolvedRefs=True@7']],
      ]);
  });

  test('fails with exit 1 on objects the API server refuses, reports them like validate and prints the others', async () => {
    const dir = tempDir({
      'all.yaml': `${CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad, namespace: default}
spec:
  rules: [{backendRefs: [{name: svc, port: 80, weight: -1}]}]
`,
    });
    const result = await run(['status', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${path.join(dir, 'all.yaml')}: HTTPRoute default/bad: spec.rules[0].backendRefs[0].weight: Invalid value: -1: spec.rules[0].backendRefs[0].weight in body should be greater than or equal to 0\n`);
    expect(parseAllDocuments(result.stdout).map((d) => `${d.toJS().kind}/${d.toJS().metadata.name}`)).toEqual(['GatewayClass/cdk8s']);
  });

  test('fails with exit 1 on a file that does not parse, and prints the rest', async () => {
    const dir = tempDir({ 'a.yaml': CLASS, 'b.yaml': 'kind: [' });
    const result = await run(['status', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/b\.yaml:1: invalid YAML/);
    expect(parse(result.stdout).kind).toBe('GatewayClass');
  });

  test('rejects a command line without files', async () => {
    expect(await run(['status'])).toEqual({
      code: 2, stdout: '', stderr: "cdk8s-gateway status: status needs at least one file or folder\nRun 'cdk8s-gateway status --help' for usage.\n",
    });
  });

  test('rejects an unknown output format', async () => {
    expect((await run(['status', ROUTING, '-o', 'xml'])).stderr).toBe(
      "cdk8s-gateway status: --output must be one of yaml, json (got 'xml')\nRun 'cdk8s-gateway status --help' for usage.\n");
  });

  test('decides SupportedVersion from the bundle-version of the Gateway API CRDs given with the objects', async () => {
    const crds = path.join(SHARED_DIR, 'gateway-api', 'crds', 'standard');
    const supported = parse((await run(['status', crds, tempDir({ 'class.yaml': CLASS })])).stdout);
    expect(supported.status.conditions[1]).toMatchObject({ type: 'SupportedVersion', status: 'True', message: 'Gateway API v1.6.1 is supported' });
    const old = fs.readFileSync(path.join(crds, 'gateway.networking.k8s.io_httproutes.yaml'), 'utf8').replace(/bundle-version: v1\.6\.1/, 'bundle-version: v1.5.0');
    const unsupported = parse((await run(['status', crds, tempDir({ 'httproutes.yaml': old, 'class.yaml': CLASS })])).stdout);
    expect(unsupported.status.conditions[1]).toMatchObject({ type: 'SupportedVersion', status: 'False', reason: 'UnsupportedVersion' });
    expect(unsupported.status.conditions[1].message).toMatch(/httproutes\.gateway\.networking\.k8s\.io is at v1\.5\.0/);
  });

  test('prints its usage', async () => {
    const help = await run(['status', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cdk8s-gateway status <file\|dir>\.\.\. \[options\]/);
  });
});
