/**
 * The fixtures of validate.test.ts through the real engine: the same line format, now with
 * the engine's own messages (CEL messages are the CRD's, so those lines are known exactly).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';

const REPO = path.resolve(__dirname, '..', '..');
const VALID = 'test/fixtures/cli/valid';
const BAD = 'test/fixtures/cli/bad';
const CONTROLLER = 'example.com/gateway-controller';

async function run(args: string[], cwd = REPO) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, cwd });
  return { code, stdout, stderr, lines: stdout.split('\n').filter(line => line !== '') };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('exits 0 on the valid fixtures, as any controller and as the one they name', async () => {
  expect(await run(['validate', VALID])).toMatchObject({ code: 0, stdout: '', stderr: '7 objects in 4 files: 0 violations\n' });
  expect(await run(['validate', VALID, '--controller-name', CONTROLLER])).toMatchObject({ code: 0, stdout: '' });
});

test('reports a schema violation with its file, object and field path', async () => {
  const result = await run(['validate', VALID, `${BAD}/schema.yaml`, '--controller-name', CONTROLLER]);
  expect(result.code).toBe(1);
  expect(result.lines).toHaveLength(1);
  expect(result.lines[0]).toMatch(new RegExp(`^${escape(`${BAD}/schema.yaml: HTTPRoute team-a/weight-out-of-range: spec.rules[0].backendRefs[0].weight: `)}\\S`));
});

test('reports a CEL violation with the CRD’s message', async () => {
  const result = await run(['validate', VALID, `${BAD}/cel.yaml`, '--controller-name', CONTROLLER]);
  expect(result.code).toBe(1);
  expect(result.lines).toContain(
    `${BAD}/cel.yaml: HTTPRoute team-a/relative-path: spec.rules[0].matches[0].path: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']`,
  );
});

test('reports a backend that does not exist, with a fix', async () => {
  const result = await run(['validate', VALID, `${BAD}/cross.yaml`, '--controller-name', CONTROLLER]);
  expect(result.code).toBe(1);
  expect(result.lines).toHaveLength(1);
  expect(result.lines[0]).toMatch(new RegExp(`^${escape(`${BAD}/cross.yaml: HTTPRoute team-a/missing-backend: spec.rules[0].backendRefs[0]: `)}.+ \\(fix: .+\\)$`));
  const [finding] = JSON.parse((await run(['validate', VALID, `${BAD}/cross.yaml`, '-o', 'json'])).stdout);
  expect(finding).toMatchObject({ file: `${BAD}/cross.yaml`, kind: 'HTTPRoute', source: 'reference', reason: 'BackendNotFound' });
});

test('reports syntax errors and incomplete documents with their lines, and checks everything else', async () => {
  const result = await run(['validate', VALID, `${BAD}/syntax.yaml`, `${BAD}/syntax.json`, `${BAD}/missing.yaml`]);
  expect(result.code).toBe(1);
  expect(result.lines).toEqual([
    `${BAD}/syntax.yaml:14: invalid YAML: All mapping items must start at the same column`,
    `${BAD}/syntax.json:4: invalid JSON: expected a property name but found '}'`,
    `${BAD}/missing.yaml:1: object is missing kind (every object needs apiVersion, kind and metadata.name)`,
    `${BAD}/missing.yaml:5: HTTPRoute is missing metadata.name (every object needs apiVersion, kind and metadata.name)`,
    `${BAD}/missing.yaml:11: not a Kubernetes object: expected a mapping with apiVersion, kind and metadata.name`,
  ]);
  expect(result.stderr).toBe('9 objects in 7 files: 5 violations\n');
});

test('walks the fixture folder and reports every bad file in order', async () => {
  const result = await run(['validate', 'test/fixtures/cli', '--controller-name', CONTROLLER]);
  expect(result.code).toBe(1);
  const files = [...new Set(result.lines.map(line => line.split(/:\d*:? /)[0]))];
  expect(files).toEqual(['cel.yaml', 'cross.yaml', 'missing.yaml', 'schema.yaml', 'syntax.json', 'syntax.yaml'].map(f => `${BAD}/${f}`));
  expect(result.stderr).toMatch(/^12 objects in 10 files: \d+ violations\n$/);
});

test('reports objects of odd shapes instead of failing, and still checks the others', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-odd-'));
  try {
    fs.writeFileSync(path.join(dir, 'odd.yaml'), [
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: Gateway',
      'metadata: {name: numbers, namespace: team-a}',
      'spec: 5',
      '---',
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: HTTPRoute',
      'metadata: {name: nulls, namespace: team-a, labels: [1]}',
      'spec: {parentRefs: [null, {name: 7}], rules: "all", hostnames: {}}',
      '---',
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: Gateway',
      'metadata: {name: listeners, namespace: team-a}',
      'spec: {gatewayClassName: example, listeners: [{name: x, port: "80", protocol: [HTTP]}, 3]}',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: unrelated, namespace: team-a}',
    ].join('\n'));
    const result = await run(['validate', path.join(REPO, VALID), 'odd.yaml', '-o', 'json'], dir);
    expect(result.code).toBe(1);
    const objects = new Set(JSON.parse(result.stdout).map((f: { kind: string; name: string }) => `${f.kind}/${f.name}`));
    expect([...objects].sort()).toEqual(['Gateway/listeners', 'Gateway/numbers', 'HTTPRoute/nulls']);
    expect(result.stderr).toBe('11 objects in 5 files: ' + JSON.parse(result.stdout).length + ' violations\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
