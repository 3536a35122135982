import { BackendIR } from '../../src/engine/translate';
import { EndpointIndex } from '../../src/runtime/endpoints';

const slice = (name: string, ports: object[], endpoints: object[]) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'ns', labels: { 'kubernetes.io/service-name': 'svc' } },
  ports,
  endpoints,
});

const backend = (extra: Partial<BackendIR>): BackendIR => ({ group: '', kind: 'Service', namespace: 'ns', name: 'svc', port: 80, weight: 1, filters: [], ...extra });

test('resolves ready endpoints by the Service port name across slices', () => {
  const index = new EndpointIndex([
    slice('one', [{ name: 'http', port: 8080 }, { name: 'admin', port: 9000 }], [
      { addresses: ['10.0.0.1'], conditions: { ready: true } },
      { addresses: ['10.0.0.2'], conditions: { ready: false } },
      { addresses: ['10.0.0.3'] },
    ]),
    slice('two', [{ name: 'http', port: 8081 }], [{ addresses: ['fd00::1'] }]),
  ]);
  expect(index.resolve(backend({ portName: 'http' })).endpoints.map(e => e.origin))
    .toEqual(['http://10.0.0.1:8080', 'http://10.0.0.3:8080', 'http://[fd00::1]:8081']);
  expect(index.resolve(backend({ portName: 'admin' })).endpoints.map(e => e.port)).toEqual([9000, 9000]);
});

test('falls back to a numeric targetPort for slices that list no ports', () => {
  const index = new EndpointIndex([slice('bare', [], [{ addresses: ['10.0.0.9'] }])]);
  expect(index.resolve(backend({ targetPort: 3000 })).endpoints.map(e => e.origin)).toEqual(['http://10.0.0.9:3000']);
});

test('resolves nothing for a Service without slices', () => {
  expect(new EndpointIndex([]).resolve(backend({})).endpoints).toEqual([]);
});
