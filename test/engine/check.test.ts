import { checkObjects } from '../../src/engine/check';
import { crossCheck } from '../../src/engine/crosscheck';
import { KubeObject, Violation } from '../../src/engine/types';
import { validateObject } from '../../src/engine/validate';

// The engine's validator and cross-checker are replaced so that these tests pin down what the
// check layer itself adds: namespace defaulting, index attribution and ordering.
jest.mock('../../src/engine/validate', () => ({ validateObject: jest.fn() }));
jest.mock('../../src/engine/crosscheck', () => ({ crossCheck: jest.fn() }));

const validateMock = validateObject as jest.MockedFunction<typeof validateObject>;
const crossCheckMock = crossCheck as jest.MockedFunction<typeof crossCheck>;

function route(name: string, namespace?: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: { parentRefs: [{ name: 'gw' }] },
  };
}

function violation(o: KubeObject, path: string, message: string, source: Violation['source'] = 'schema'): Violation {
  return { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name!, path, message, source };
}

/** A validator that applies one visible default and reports whatever the test lists per name. */
function validatorReporting(byName: Record<string, Array<[string, string]>> = {}) {
  validateMock.mockImplementation((obj: KubeObject) => ({
    object: { ...obj, spec: { ...obj.spec, defaulted: true } },
    violations: (byName[obj.metadata.name!] ?? []).map(([path, message]) => violation(obj, path, message)),
    known: true,
  }));
}

beforeEach(() => {
  validatorReporting();
  crossCheckMock.mockReturnValue([]);
});

test('returns the defaulted objects in input order', () => {
  const result = checkObjects([route('b', 'ns'), route('a', 'ns')]);
  expect(result.objects.map(o => [o.metadata.name, o.spec.defaulted])).toEqual([['b', true], ['a', true]]);
  expect(result.violations).toEqual([]);
});

test('gives the cross-object check the defaulted objects of every input, including invalid ones', () => {
  validatorReporting({ a: [['spec.rules', 'bad']] });
  checkObjects([route('a', 'ns'), route('b', 'ns')]);
  const seen = crossCheckMock.mock.calls[0][0];
  expect(seen.map(o => [o.metadata.name, o.spec.defaulted])).toEqual([['a', true], ['b', true]]);
});

test('checks a namespaced object without a namespace as in the default namespace', () => {
  const result = checkObjects([route('r')]);
  expect(validateMock.mock.calls[0][0].metadata.namespace).toBe('default');
  expect(result.objects[0].metadata.namespace).toBe('default');
});

test('leaves cluster-scoped objects without a namespace and labels a Namespace with its name', () => {
  const objects: KubeObject[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'gc' }, spec: {} },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { team: 'a' } } },
  ];
  const result = checkObjects(objects);
  expect(result.objects[0].metadata.namespace).toBeUndefined();
  expect(result.objects[1].metadata).toEqual({ name: 'team-a', labels: { 'team': 'a', 'kubernetes.io/metadata.name': 'team-a' } });
});

test('does not modify the input objects', () => {
  const input = route('r');
  const before = JSON.stringify(input);
  checkObjects([input]);
  expect(JSON.stringify(input)).toBe(before);
});

test('passes the channel to the validator and the controller name to the cross-object check', () => {
  checkObjects([route('r', 'ns')], { channel: 'experimental', controllerName: 'example.com/gw' });
  expect(validateMock.mock.calls[0][1]).toEqual({ channel: 'experimental' });
  expect(crossCheckMock.mock.calls[0][1]).toEqual({ controllerName: 'example.com/gw' });
});

test('reports violations in input order, then by field path', () => {
  const first = route('first', 'ns');
  const second = route('second', 'ns');
  validatorReporting({ second: [['spec.rules[0]', 'schema b'], ['spec.hostnames[0]', 'schema a']] });
  crossCheckMock.mockReturnValue([
    violation({ ...second, metadata: { name: 'second', namespace: 'ns' } }, 'spec.parentRefs[0]', 'cross', 'reference'),
    violation({ ...first, metadata: { name: 'first', namespace: 'ns' } }, 'spec.rules[0].backendRefs[0]', 'missing backend', 'reference'),
  ]);

  const result = checkObjects([first, second]);

  expect(result.violations.map(v => [v.index, v.path, v.message])).toEqual([
    [0, 'spec.rules[0].backendRefs[0]', 'missing backend'],
    [1, 'spec.hostnames[0]', 'schema a'],
    [1, 'spec.parentRefs[0]', 'cross'],
    [1, 'spec.rules[0]', 'schema b'],
  ]);
});

test('attributes a cross-object violation to the input it names, matching the defaulted namespace', () => {
  const other = route('other', 'ns');
  crossCheckMock.mockReturnValue([violation({ ...route('r'), metadata: { name: 'r', namespace: 'default' } }, '', 'not attached', 'reference')]);
  const result = checkObjects([other, route('r')]);
  expect(result.violations).toEqual([expect.objectContaining({ index: 1, name: 'r', namespace: 'default', message: 'not attached' })]);
});

test('reports a cross-object violation about an object that is not in the input last, with index -1', () => {
  const r = route('r', 'ns');
  validatorReporting({ r: [['spec', 'schema']] });
  crossCheckMock.mockReturnValue([{ kind: 'Gateway', namespace: 'ns', name: 'elsewhere', path: '', message: 'x', source: 'reference' }]);
  const result = checkObjects([r]);
  expect(result.violations.map(v => v.index)).toEqual([0, -1]);
});

test('reports an object the validator fails on and still checks the others', () => {
  validateMock.mockImplementation((obj: KubeObject) => {
    if (obj.metadata.name === 'odd') throw new Error('boom');
    return { object: obj, violations: [], known: true };
  });
  const result = checkObjects([route('odd', 'ns'), route('fine', 'ns')]);
  expect(result.objects.map(o => o.metadata.name)).toEqual(['odd', 'fine']);
  expect(result.violations).toEqual([
    { kind: 'HTTPRoute', namespace: 'ns', name: 'odd', path: '', message: 'could not be validated: boom', source: 'schema', index: 0 },
  ]);
  expect(crossCheckMock.mock.calls[0][0]).toHaveLength(2);
});
