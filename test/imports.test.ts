import * as fs from 'fs';
import * as path from 'path';
import * as gw from '../src/imports/gateway.networking.k8s.io';

test('the generated L1 module exports the v1 Gateway API kinds and names the v1.6.1 bundle in its header', () => {
  const v1 = 'gateway.networking.k8s.io/v1';
  expect(gw.HttpRoute.GVK).toEqual({ apiVersion: v1, kind: 'HTTPRoute' });
  expect(gw.Gateway.GVK).toEqual({ apiVersion: v1, kind: 'Gateway' });
  expect(gw.GatewayClass.GVK).toEqual({ apiVersion: v1, kind: 'GatewayClass' });
  expect(gw.ReferenceGrant.GVK).toEqual({ apiVersion: v1, kind: 'ReferenceGrant' });

  const source = fs.readFileSync(path.join(__dirname, '..', 'src', 'imports', 'gateway.networking.k8s.io.ts'), 'utf8');
  const header = source.split('\n').slice(0, 5).join('\n');
  expect(header).toMatch(/^\/\/ Source: Gateway API v1\.6\.1, standard channel/m);
  expect(header).toContain('npx projen gen:imports');
});
