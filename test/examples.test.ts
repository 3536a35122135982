import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { EXAMPLES } from '../examples';
import { main } from '../src/cli/main';

function synthToDir(build: (typeof EXAMPLES)[number]['build']): { dir: string; objects: any[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-example-'));
  build({ outdir: dir }).synth();
  const objects = fs.readdirSync(dir).sort().flatMap((f) =>
    parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()).filter((o) => o));
  return { dir, objects };
}

describe.each(EXAMPLES.map((e) => [e.name, e] as const))('example %s', (_name, example) => {
  let out: { dir: string; objects: any[] };
  beforeAll(() => { out = synthToDir(example.build); });
  afterAll(() => fs.rmSync(out.dir, { recursive: true, force: true }));

  test('synthesizes the same manifests as before', () => {
    expect(out.objects).toMatchSnapshot();
  });

  test('passes `cdk8s-gateway validate` with no violation', async () => {
    const lines: string[] = [];
    const io = { stdout: { write: (s: string) => lines.push(s) }, stderr: { write: () => true }, cwd: out.dir };
    const code = await main(['validate', out.dir], io);
    expect(lines.join('')).toBe('');
    expect(code).toBe(0);
  });
});

describe('the examples', () => {
  test('infer the cross-namespace grants instead of writing them', () => {
    const grants = EXAMPLES.flatMap((e) => {
      const { dir, objects } = synthToDir(e.build);
      fs.rmSync(dir, { recursive: true, force: true });
      return objects.filter((o) => o.kind === 'ReferenceGrant').map((g) => `${e.name}: ${g.metadata.namespace}/${g.metadata.name}`);
    });
    expect(grants).toStrictEqual([
      'platform-tenant: shared-services/tenant-httproute-to-service-shared-api',
      'shared-edge: shared-services/apps-httproute-to-service-shared-session-api',
    ]);
  });
});
