import * as fs from 'fs';
import * as path from 'path';
import { CHANNELS, generateSchemaBundles } from '../../../scripts/gen-schemas';
import { schemaBundle } from '../../../src/engine/schema';
import { SHARED_DIR } from '../../util/shared';

const GENERATED_DIR = path.resolve(__dirname, '..', '..', '..', 'src', 'engine', 'schema', 'generated');
const bundles = generateSchemaBundles(SHARED_DIR);

test.each(CHANNELS)('the committed %s schemas are what gen:schemas generates from the shared CRDs', channel => {
  expect(fs.readFileSync(path.join(GENERATED_DIR, `${channel}.json`), 'utf8')).toBe(bundles[channel]);
});

test('generates the same output twice', () => {
  expect(generateSchemaBundles(SHARED_DIR)).toEqual(bundles);
});

test('names the source bundle version and commit', () => {
  for (const channel of CHANNELS) {
    expect(schemaBundle(channel).bundleVersion).toBe('v1.6.1');
    expect(schemaBundle(channel).source).toMatch(/^kubernetes-sigs\/gateway-api v1\.6\.1 commit [0-9a-f]{40}/);
  }
});

test('writes no path of the machine it ran on', () => {
  for (const channel of CHANNELS) {
    expect(bundles[channel]).not.toContain(SHARED_DIR);
    expect(bundles[channel]).not.toContain(path.resolve(__dirname, '..', '..', '..'));
  }
});

test('keeps only served versions, with whether status is a subresource', () => {
  const versions = (channel: 'standard' | 'experimental', kind: string) =>
    schemaBundle(channel).crds.find(c => c.kind === kind)!.versions.map(v => [v.name, v.statusSubresource]);
  expect(versions('standard', 'TLSRoute')).toEqual([['v1', true]]);
  expect(versions('experimental', 'TLSRoute')).toEqual([['v1', true], ['v1alpha2', true], ['v1alpha3', true]]);
  expect(versions('standard', 'ReferenceGrant')).toEqual([['v1', false], ['v1beta1', false]]);
});

test('drops every description keyword but keeps a property named description', () => {
  const gatewayClass = schemaBundle('standard').crds.find(c => c.kind === 'GatewayClass')!.versions[0].schema;
  expect(gatewayClass.properties!.spec.properties!.description).toEqual({ maxLength: 64, type: 'string' });
  const descriptions: unknown[] = [];
  JSON.parse(bundles.standard, (key, value) => {
    if (key === 'description' && typeof value === 'string') descriptions.push(value);
    return value;
  });
  expect(descriptions).toEqual([]);
});

test('skips the safe-upgrades admission policy and lists every CRD of the channel', () => {
  expect(schemaBundle('standard').crds.map(c => c.kind)).toEqual([
    'BackendTLSPolicy', 'GRPCRoute', 'Gateway', 'GatewayClass', 'HTTPRoute', 'ListenerSet', 'ReferenceGrant', 'TCPRoute', 'TLSRoute', 'UDPRoute',
  ]);
  expect(schemaBundle('experimental').crds.map(c => c.kind)).toEqual(expect.arrayContaining(['XBackend', 'XBackendTrafficPolicy', 'XMesh']));
});
