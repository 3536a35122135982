/** Listing a collection in pages, and what the informers' cache keeps of each object. */
import { ApiResponse, listAll } from '../../src/runtime/kube-client';
import { slimMetadata, withoutBookkeeping } from '../../src/runtime/source/kubernetes';

/** A paged collection of `count` objects whose continue tokens expire after `expireAfter` requests. */
function pagedApi(count: number, expireAfter = Infinity) {
  const requests: string[] = [];
  const get = async (path: string): Promise<ApiResponse> => {
    requests.push(path);
    const q = new URL(path, 'http://x').searchParams;
    if (q.get('continue') && requests.length > expireAfter) return { status: 410, body: { kind: 'Status', reason: 'Expired', code: 410 } };
    const start = Number(q.get('continue') ?? 0);
    const limit = Number(q.get('limit') ?? 0) || count;
    const items = Array.from({ length: Math.min(limit, count - start) }, (_, i) => ({ metadata: { name: `o${start + i}`, managedFields: [{ manager: 'kubectl' }] } }));
    const more = start + limit < count;
    return { status: 200, body: { kind: 'ServiceList', metadata: { resourceVersion: '7', ...more ? { continue: String(start + limit), remainingItemCount: count - start - limit } : {} }, items } };
  };
  return { get, requests };
}

describe('listAll', () => {
  test('follows continue tokens and returns one list of every item, with the first page\'s resourceVersion', async () => {
    const { get, requests } = pagedApi(1201);
    const list = await listAll(get, '/api/v1/services', undefined, 500);
    expect(list.items).toHaveLength(1201);
    expect(list.items[1200].metadata.name).toBe('o1200');
    expect(list.metadata).toEqual({ resourceVersion: '7' });
    expect(requests).toEqual(['/api/v1/services?limit=500', '/api/v1/services?limit=500&continue=500', '/api/v1/services?limit=500&continue=1000']);
  });

  test('keeps the field selector on every page and applies the transform to each item', async () => {
    const { get, requests } = pagedApi(3);
    const list = await listAll(get, '/api/v1/namespaces/a/secrets', 'metadata.name=x', 2, withoutBookkeeping);
    expect(requests).toEqual(['/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%3Dx&limit=2', '/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%3Dx&limit=2&continue=2']);
    expect(list.items.map((o: any) => o.metadata)).toEqual([{ name: 'o0' }, { name: 'o1' }, { name: 'o2' }]);
  });

  test('lists again in one request when a continue token has expired (410)', async () => {
    const { get, requests } = pagedApi(5, 1);
    const list = await listAll(get, '/api/v1/services', undefined, 2);
    expect(list.items).toHaveLength(5);
    expect(requests).toEqual(['/api/v1/services?limit=2', '/api/v1/services?limit=2&continue=2', '/api/v1/services']);
  });

  test('fails with the status code of a failed page', async () => {
    await expect(listAll(async () => ({ status: 403, body: { message: 'forbidden' } }), '/api/v1/secrets', undefined, 500))
      .rejects.toMatchObject({ statusCode: 403, message: 'GET /api/v1/secrets: 403 forbidden' });
  });
});

describe('what the informers keep', () => {
  test('drops managedFields and the last-applied-configuration annotation, and nothing else', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', labels: { a: 'b' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":true}', 'keep': 'me' }, managedFields: [{ manager: 'm' }] },
      spec: { ports: [] },
    };
    expect(withoutBookkeeping(obj)).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', labels: { a: 'b' }, annotations: { keep: 'me' } }, spec: { ports: [] } });
    const plain = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } };
    expect(withoutBookkeeping(plain)).toBe(plain);
  });

  test('keeps of a CRD read metadata-only its identity and its Gateway API annotations', () => {
    const crd = {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: {
        name: 'httproutes.gateway.networking.k8s.io',
        uid: 'u',
        resourceVersion: '3',
        generation: 2,
        creationTimestamp: 't',
        managedFields: [{}],
        annotations: { 'gateway.networking.k8s.io/bundle-version': 'v1.6.1', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      },
    };
    expect(slimMetadata(crd).metadata).toEqual({
      name: 'httproutes.gateway.networking.k8s.io',
      uid: 'u',
      resourceVersion: '3',
      generation: 2,
      creationTimestamp: 't',
      annotations: { 'gateway.networking.k8s.io/bundle-version': 'v1.6.1' },
    });
  });
});
