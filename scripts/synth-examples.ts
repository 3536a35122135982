// The main job: synthesize every example app into dist/<example>/ (cdk8s validates at synth,
// so an invalid example stops here), then check the written YAML with the same `validate`
// command users run in CI, and print what was produced.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { EXAMPLES } from '../examples';
import { main } from '../src/cli/main';

async function run(): Promise<number> {
  const root = path.resolve(__dirname, '..');
  const dist = path.join(root, 'dist');
  const kinds = new Map<string, number>();
  let grants = 0;
  let failed = 0;

  for (const example of EXAMPLES) {
    const outdir = path.join(dist, example.name);
    fs.rmSync(outdir, { recursive: true, force: true });
    example.build({ outdir }).synth();

    const code = await main(['validate', path.relative(root, outdir)], { cwd: root });
    if (code !== 0) failed++;

    let objects = 0;
    for (const file of fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(outdir, file), 'utf8'))) {
        const obj = doc.toJS();
        if (!obj?.kind) continue;
        objects++;
        kinds.set(obj.kind, (kinds.get(obj.kind) ?? 0) + 1);
        if (obj.metadata?.annotations?.['gateway.cdk8s.io/inferred'] === 'true') grants++;
      }
    }
    console.log(`${code === 0 ? 'ok  ' : 'FAIL'} ${example.name.padEnd(22)} ${String(objects).padStart(3)} objects  dist/${example.name}/  (${example.source})`);
  }

  console.log('');
  console.log('objects per kind: ' + [...kinds.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', '));
  console.log(`ReferenceGrants inferred: ${grants}`);
  console.log(failed === 0 ? `all ${EXAMPLES.length} examples synthesized and validated` : `${failed} example(s) failed validation`);
  return failed === 0 ? 0 : 1;
}

run().then((code) => process.exit(code), (err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
