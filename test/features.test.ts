/**
 * The features GatewayClasses publish in status.supportedFeatures are exactly those whose every
 * conformance test passes in docs/conformance.md (the page the conformance run generates), less
 * the core features' tests that need a cluster.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SUPPORTED_FEATURES } from '../src/engine/features';
import { translate } from '../src/engine/translate';

const PAGE = fs.readFileSync(path.join(__dirname, '..', 'docs', 'conformance.md'), 'utf8');

/** Per feature, the status of each test that needs it, from the page's table. */
function featureResults(): Map<string, string[]> {
  const results = new Map<string, string[]>();
  for (const line of PAGE.split('\n').filter((l) => l.startsWith('| `'))) {
    const [, features, , status] = line.split('|').slice(1).map((c) => c.trim());
    for (const feature of features.split(',').map((f) => f.trim())) results.set(feature, [...results.get(feature) ?? [], status.split(' ')[0]]);
  }
  return results;
}

/** Core features some of whose tests need a cluster (addresses, provisioned resources) or experimental features besides. */
const CORE = ['Gateway', 'HTTPRoute', 'ReferenceGrant'];

test('lists every extended feature whose conformance tests all pass, and no other', () => {
  const results = featureResults();
  expect(results.size).toBeGreaterThan(30);
  const passing = [...results].filter(([feature, statuses]) => !CORE.includes(feature) && statuses.every((s) => s === 'passed')).map(([f]) => f);
  expect(SUPPORTED_FEATURES.filter((f) => !CORE.includes(f)).slice().sort()).toStrictEqual(passing.sort());
});

test('lists the core features, each with most of its tests passing and the rest not run (never failed)', () => {
  const results = featureResults();
  for (const feature of CORE) {
    expect(SUPPORTED_FEATURES).toContain(feature);
    const statuses = results.get(feature)!;
    expect(statuses.filter((s) => s === 'failed')).toEqual([]);
    expect(statuses.filter((s) => s === 'passed').length).toBeGreaterThan(statuses.length * 0.9);
  }
});

test('is published sorted by name on every GatewayClass of ours', () => {
  const t = translate([{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'c' }, spec: { controllerName: 'a.example/c' } }]);
  const published = (t.statuses.get('GatewayClass//c')!.status as any).supportedFeatures.map((f: any) => f.name);
  expect(published).toStrictEqual([...SUPPORTED_FEATURES].sort());
  expect(published.length).toBeLessThanOrEqual(64);
  expect(new Set(published).size).toBe(published.length);
});
