import { chartIn, only, synthApp } from './util';
import { ReferenceGrant } from '../../src';

describe('ReferenceGrant', () => {
  test('synthesizes an explicit grant in its namespace as v1beta1', () => {
    const chart = chartIn('shared-services');
    const grant = new ReferenceGrant(chart, 'AllowTenant', {
      metadata: { name: 'allow-tenant-routes' },
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'tenant' }],
      to: [{ group: '', kind: 'Service' }],
    });
    grant.addFrom({ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'tenant' });
    expect(only(synthApp(chart), 'ReferenceGrant')).toStrictEqual({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'allow-tenant-routes', namespace: 'shared-services' },
      spec: {
        from: [
          { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'tenant' },
          { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'tenant' },
        ],
        to: [{ group: '', kind: 'Service' }],
      },
    });
  });

  test('fails synth for a grant with nothing to grant', () => {
    const chart = chartIn('shared');
    new ReferenceGrant(chart, 'Empty', { from: [], to: [] });
    expect(() => synthApp(chart)).toThrow(/needs at least one `from` and one `to`/);
  });

  test('fails synth with the schema message for a bad namespace in from', () => {
    const chart = chartIn('shared');
    new ReferenceGrant(chart, 'Bad', { metadata: { name: 'bad' }, from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'Not_Valid' }], to: [{ group: '', kind: 'Service' }] });
    expect(() => synthApp(chart)).toThrow(/ReferenceGrant shared\/bad spec.from\[0\].namespace/);
  });
});
