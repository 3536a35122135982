/**
 * The snapshot as the incremental engine uses it: derived by changes (the earlier one staying
 * as it was), and telling what a computation read.
 */
import { LayeredMap } from '../../../src/engine/translate/layered-map';
import { kindReadKey, namespaceReadKey, readKeysOf, Snapshot } from '../../../src/engine/translate/snapshot';
import { KubeObject } from '../../../src/engine/types';

function service(namespace: string, name: string, port = 80): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec: { ports: [{ port }] } };
}

function grant(namespace: string, name: string): KubeObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ReferenceGrant', metadata: { namespace, name }, spec: {} };
}

describe('Snapshot.with', () => {
  const a = service('ns', 'a');
  const b = service('ns', 'b');
  const g = grant('other', 'g');
  const base = new Snapshot([a, b, g]);

  test('replaces an object in its place, adds new ones last and deletes by key', () => {
    const a2 = service('ns', 'a', 81);
    const c = service('ns', 'c');
    const next = base.with([['Service/ns/a', a2], ['Service/ns/c', c], ['Service/ns/b', undefined]]);
    expect(next.all('Service')).toEqual([a2, c]);
    expect(next.find('Service', 'ns', 'b')).toBeUndefined();
    expect(next.indexOf(a2)).toBeLessThan(next.indexOf(g));
    expect(next.indexOf(c)).toBeGreaterThan(next.indexOf(g));
    expect([next.has(a2), next.has(a), next.has(b)]).toEqual([true, false, false]);
  });

  test('leaves the snapshot it came from as it was', () => {
    base.inNamespace('Service', 'ns');
    base.with([['Service/ns/a', undefined], ['ReferenceGrant/other/h', grant('other', 'h')]]);
    expect(base.all('Service')).toEqual([a, b]);
    expect(base.inNamespace('Service', 'ns')).toEqual([a, b]);
    expect(base.inNamespace('ReferenceGrant', 'other')).toEqual([g]);
  });

  test('indexes the namespaces of a changed kind anew', () => {
    base.inNamespace('ReferenceGrant', 'other');
    const h = grant('other', 'h');
    expect(base.with([['ReferenceGrant/other/h', h]]).inNamespace('ReferenceGrant', 'other')).toEqual([g, h]);
  });

  test('ignores objects translate does not read, as the constructor does', () => {
    const foreign = { apiVersion: 'example.com/v1', kind: 'Service', metadata: { namespace: 'ns', name: 'a' } } as KubeObject;
    const next = base.with([['Service/ns/a', foreign]]);
    expect(next.find('Service', 'ns', 'a')).toBeUndefined();
    expect(next.has(foreign)).toBe(false);
  });

  test('keeps a place taken twice in one change straight', () => {
    const c = service('ns', 'c');
    const c2 = service('ns', 'c', 82);
    const next = base.with([['Service/ns/c', c], ['Service/ns/c', c2], ['Service/ns/a', undefined], ['Service/ns/a', a]]);
    expect(next.all('Service')).toEqual([b, c2, a]);
    expect(next.indexOf(c2)).toBeLessThan(next.indexOf(a));
  });
});

describe('Snapshot.recordReads', () => {
  test('records the objects found or looked for, the lists taken and the reads noted', () => {
    const snapshot = new Snapshot([service('ns', 'a'), grant('other', 'g')]);
    const { value, reads } = snapshot.recordReads(() => {
      snapshot.find('Service', 'ns', 'a');
      snapshot.find('Service', 'ns', 'missing');
      snapshot.inNamespace('ReferenceGrant', 'other');
      snapshot.all('Gateway');
      snapshot.namespaceLabels('ns');
      snapshot.noteRead('derived:x');
      snapshot.unrecorded(() => snapshot.find('Secret', 'ns', 's'));
      return 42;
    });
    expect(value).toBe(42);
    expect([...reads].sort()).toEqual(['*Gateway', '*ReferenceGrant/other', 'Namespace//ns', 'Service/ns/a', 'Service/ns/missing', 'derived:x']);
    expect(snapshot.recordReads(() => snapshot.find('Service', 'ns', 'a')).reads.size).toBe(1);
  });

  test('names the reads a change of an object concerns', () => {
    expect(readKeysOf('Service/ns/a')).toEqual(['Service/ns/a', namespaceReadKey('Service', 'ns'), kindReadKey('Service')]);
    expect(readKeysOf('Namespace//ns')).toEqual(['Namespace//ns', namespaceReadKey('Namespace', ''), kindReadKey('Namespace')]);
  });
});

describe('LayeredMap', () => {
  test('answers with its own changes in front of the base it shares', () => {
    const first = LayeredMap.of(new Map([['a', 1], ['b', 2]]));
    const second = first.with([['a', 10], ['c', 3], ['b', undefined]]);
    expect([second.get('a'), second.get('b'), second.get('c')]).toEqual([10, undefined, 3]);
    expect([first.get('a'), first.get('b'), first.get('c')]).toEqual([1, 2, undefined]);
  });

  test('folds its changes into a new base once they grow, answering the same', () => {
    let map = LayeredMap.of(new Map<number, number>());
    for (let i = 0; i < 2000; i++) map = map.with([[i, i * 2], [i - 1, undefined]]);
    expect(map.get(1999)).toBe(3998);
    expect(map.get(1998)).toBeUndefined();
    expect(map.empty).toBe(false);
  });
});
