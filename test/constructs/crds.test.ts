import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { CRD_CHANNELS, generateCrdBundles } from '../../scripts/gen-crds';
import { GatewayApiChannel, GatewayApiCrds, GatewayController } from '../../src';
import { SHARED_DIR } from '../util/shared';

const CRDS_DIR = path.resolve(__dirname, '..', '..', 'src', 'crds');
const bundles = generateCrdBundles(SHARED_DIR);

/** The CRD names in the shared release files of a channel, read straight from the YAML. */
function releaseCrdNames(channel: string): string[] {
  const dir = path.join(SHARED_DIR, 'gateway-api', 'crds', channel);
  const kustomization = path.join(dir, 'kustomization.yaml');
  const files = fs.existsSync(kustomization)
    ? fs.readFileSync(kustomization, 'utf8').match(/^- \S+\.yaml$/gm)!.map((l) => l.slice(2))
    : fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  return files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()))
    .filter((o) => o?.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort();
}

describe('generated CRD bundles', () => {
  test.each(CRD_CHANNELS)('the committed %s bundle is what gen:crds generates from the shared CRDs', (channel) => {
    expect(fs.readFileSync(path.join(CRDS_DIR, `${channel}.json`), 'utf8')).toBe(bundles[channel]);
  });

  test('keeps the schema descriptions unless asked to strip them', () => {
    expect(bundles.standard).toContain('"description":');
    const stripped = JSON.parse(generateCrdBundles(SHARED_DIR, { descriptions: false }).standard);
    const crd = stripped.objects.find((o: any) => o.metadata.name === 'httproutes.gateway.networking.k8s.io');
    expect(JSON.stringify(crd.spec.versions)).not.toContain('"description":');
    // A property named "description" (GatewayClass.spec.description) is a field, not documentation.
    const gc = stripped.objects.find((o: any) => o.metadata.name === 'gatewayclasses.gateway.networking.k8s.io');
    expect(gc.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.description).toBeDefined();
  });

  test('writes no path of the machine it ran on', () => {
    for (const channel of CRD_CHANNELS) {
      expect(bundles[channel]).not.toContain(SHARED_DIR);
      expect(bundles[channel]).not.toContain(path.resolve(__dirname, '..', '..'));
    }
  });
});

describe('GatewayApiCrds', () => {
  test('emits every standard CRD of v1.6.1 and the safe-upgrades policy, without namespaces', () => {
    const crds = new GatewayApiCrds(Testing.app(), 'crds');
    const objects = Testing.synth(crds);
    expect(crds.bundleVersion).toBe('v1.6.1');
    const names = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort();
    expect(names).toStrictEqual(releaseCrdNames('standard'));
    expect(names).toContain('httproutes.gateway.networking.k8s.io');
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']));
    for (const o of objects) {
      expect(o.metadata.namespace).toBeUndefined();
      if (o.kind === 'CustomResourceDefinition') expect(o.metadata.annotations['gateway.networking.k8s.io/channel']).toBe('standard');
    }
  });

  test('emits the experimental channel on request', () => {
    const objects = Testing.synth(new GatewayApiCrds(Testing.app(), 'crds', { channel: GatewayApiChannel.EXPERIMENTAL }));
    const names = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort();
    expect(names).toStrictEqual(releaseCrdNames('experimental'));
    expect(names).toContain('xmeshes.gateway.networking.x-k8s.io');
  });

  test('leaves the admission policy out on request and labels every object', () => {
    const objects = Testing.synth(new GatewayApiCrds(Testing.app(), 'crds', { safeUpgradePolicy: false, labels: { team: 'platform' } }));
    expect(new Set(objects.map((o) => o.kind))).toStrictEqual(new Set(['CustomResourceDefinition']));
    for (const o of objects) expect(o.metadata.labels).toMatchObject({ team: 'platform' });
  });

  test('is synthesized before a chart that depends on it', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'crds-')) });
    const platform = new Chart(app, 'platform');
    new GatewayController(platform, 'Controller');
    const crds = new GatewayApiCrds(app, 'crds');
    platform.addDependency(crds);
    app.synth();
    const files = fs.readdirSync(app.outdir).sort();
    expect(files).toStrictEqual(['0000-crds.k8s.yaml', '0001-platform.k8s.yaml']);
    fs.rmSync(app.outdir, { recursive: true });
  });
});
