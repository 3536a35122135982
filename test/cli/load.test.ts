import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadManifests, UnreadablePathError } from '../../src/cli/load';

const REPO = path.resolve(__dirname, '..', '..');
const FIXTURES = 'test/fixtures/cli';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-load-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function write(relative: string, text: string) {
  const file = path.join(tmp, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const service = (name: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n`;

test('walks folders recursively in name order, reading only manifests and skipping hidden folders', () => {
  const result = loadManifests([`${FIXTURES}/valid`], REPO);
  expect(result.files).toEqual([
    `${FIXTURES}/valid/00-platform.yaml`,
    `${FIXTURES}/valid/gateway.json`,
    `${FIXTURES}/valid/routes/app.yml`,
    `${FIXTURES}/valid/routes/list.yaml`,
  ]);
  expect(result.problems).toEqual([]);
});

test('reads every document, skips empty ones, expands Lists and records where each object starts', () => {
  const result = loadManifests([`${FIXTURES}/valid`], REPO);
  expect(result.objects.map(o => [o.file.slice(FIXTURES.length + 1), o.line, `${o.object.kind}/${o.object.metadata.name}`])).toEqual([
    ['valid/00-platform.yaml', 2, 'GatewayClass/example'],
    ['valid/00-platform.yaml', 9, 'Namespace/team-a'],
    ['valid/gateway.json', 1, 'Gateway/web'],
    ['valid/routes/app.yml', 4, 'Service/app'],
    ['valid/routes/app.yml', 13, 'HTTPRoute/app'],
    ['valid/routes/list.yaml', 5, 'HTTPRoute/docs'],
    ['valid/routes/list.yaml', 17, 'Service/docs'],
  ]);
});

test('keeps the paths as given, in the order given, and reads a file named twice once', () => {
  const result = loadManifests([`./${FIXTURES}/valid/gateway.json`, `${FIXTURES}/valid/routes`, `${FIXTURES}/valid/routes/app.yml`], REPO);
  expect(result.files).toEqual([
    `./${FIXTURES}/valid/gateway.json`,
    `${FIXTURES}/valid/routes/app.yml`,
    `${FIXTURES}/valid/routes/list.yaml`,
  ]);
});

test('shows an absolute path inside the working directory relative to it', () => {
  const result = loadManifests([path.join(REPO, FIXTURES, 'valid', 'gateway.json')], REPO);
  expect(result.files).toEqual([`${FIXTURES}/valid/gateway.json`]);
});

test('reads a file named explicitly whatever its extension', () => {
  write('manifest.txt', service('plain'));
  expect(loadManifests(['manifest.txt'], tmp).objects.map(o => o.object.metadata.name)).toEqual(['plain']);
});

test('reports a YAML syntax error with its line and still reads the other documents', () => {
  const result = loadManifests([`${FIXTURES}/bad/syntax.yaml`], REPO);
  expect(result.problems).toEqual([
    { file: `${FIXTURES}/bad/syntax.yaml`, line: 14, message: 'invalid YAML: All mapping items must start at the same column' },
  ]);
  expect(result.objects.map(o => o.object.metadata.name)).toEqual(['before-the-error', 'after-the-error']);
});

test('reports what JSON forbids but YAML allows, with its line', () => {
  const result = loadManifests([`${FIXTURES}/bad/syntax.json`], REPO);
  expect(result.problems).toEqual([
    { file: `${FIXTURES}/bad/syntax.json`, line: 4, message: "invalid JSON: expected a property name but found '}'" },
  ]);
  expect(result.objects).toEqual([]);
});

test('reports documents that lack apiVersion, kind or metadata.name, or are no object at all', () => {
  const result = loadManifests([`${FIXTURES}/bad/missing.yaml`], REPO);
  expect(result.problems.map(p => [p.line, p.message])).toEqual([
    [1, 'object is missing kind (every object needs apiVersion, kind and metadata.name)'],
    [5, 'HTTPRoute is missing metadata.name (every object needs apiVersion, kind and metadata.name)'],
    [11, 'not a Kubernetes object: expected a mapping with apiVersion, kind and metadata.name'],
  ]);
  expect(result.objects).toEqual([]);
});

test('reports a List item that is not an object at the item’s line', () => {
  write('list.yaml', [
    'apiVersion: v1',
    'kind: List',
    'items:',
    '- apiVersion: v1',
    '  kind: Service',
    '  metadata:',
    '    name: ok',
    '- 42',
  ].join('\n'));
  const result = loadManifests(['list.yaml'], tmp);
  expect(result.objects.map(o => o.object.metadata.name)).toEqual(['ok']);
  expect(result.problems).toEqual([
    { file: 'list.yaml', line: 8, message: 'not a Kubernetes object: expected a mapping with apiVersion, kind and metadata.name' },
  ]);
});

test('expands typed lists and an empty List', () => {
  write('typed.yaml', 'apiVersion: v1\nkind: ServiceList\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: a\n---\napiVersion: v1\nkind: List\n');
  const result = loadManifests(['typed.yaml'], tmp);
  expect(result.objects.map(o => o.object.metadata.name)).toEqual(['a']);
  expect(result.problems).toEqual([]);
});

test('reads YAML as kubectl does, so yes and on are booleans', () => {
  write('bool.yaml', `${service('s')}  labels:\n    enabled: yes\n`);
  expect(loadManifests(['bool.yaml'], tmp).objects[0].object.metadata.labels).toEqual({ enabled: true });
});

test('reads an empty file and a file of comments as no objects', () => {
  write('empty.yaml', '');
  write('comments.yaml', '# nothing here\n---\n');
  write('empty.json', '\n');
  const result = loadManifests(['.'], tmp);
  expect(result.files).toEqual(['comments.yaml', 'empty.json', 'empty.yaml']);
  expect(result.objects).toEqual([]);
  expect(result.problems).toEqual([]);
});

test('reports a duplicate key as a syntax error', () => {
  write('dup.yaml', 'apiVersion: v1\nkind: Service\nkind: Pod\nmetadata:\n  name: x\n');
  expect(loadManifests(['dup.yaml'], tmp).problems.map(p => p.line)).toEqual([3]);
});

test('does not loop on a symbolic link back to a parent folder', () => {
  write('a/s.yaml', service('s'));
  fs.symlinkSync(tmp, path.join(tmp, 'a', 'loop'));
  expect(loadManifests(['.'], tmp).files).toEqual(['a/s.yaml']);
});

test('fails on a path that does not exist', () => {
  expect(() => loadManifests(['nope.yaml'], tmp)).toThrow(new UnreadablePathError('cannot read nope.yaml: no such file or directory'));
});

test('reads an unquoted timestamp as the RFC 3339 text the API server would store', () => {
  write('route.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  creationTimestamp: 2024-01-02T03:04:05Z\n');
  expect(loadManifests(['route.yaml'], tmp).objects[0].object.metadata.creationTimestamp).toBe('2024-01-02T03:04:05Z');
});
