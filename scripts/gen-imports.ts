/**
 * Regenerates src/imports/gateway.networking.k8s.io.ts, the L1 (one class per CRD kind)
 * types, from the standard-channel Gateway API CRDs in the shared folder beside the repo.
 *
 * The CLI is pinned and run offline from a local file so that the same bundle always
 * produces the same committed file.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const CDK8S_CLI = 'cdk8s-cli@2.207.60';
const GROUP_FILE = 'gateway.networking.k8s.io.ts';

const repoRoot = path.resolve(__dirname, '..');
const bundleDir = path.resolve(repoRoot, '..', 'shared', 'gateway-api');
const crdDir = path.join(bundleDir, 'crds', 'standard');
const target = path.join(repoRoot, 'src', 'imports', GROUP_FILE);

function bundleVersion(): { tag: string; line: string } {
  const line = fs.readFileSync(path.join(bundleDir, 'VERSION'), 'utf8').split('\n')[0].trim();
  const tag = /\bv\d+\.\d+\.\d+\S*/.exec(line)?.[0];
  if (!tag) {
    throw new Error(`cannot find a version tag in ${path.join(bundleDir, 'VERSION')}: "${line}"`);
  }
  return { tag, line };
}

/**
 * The channel folder also ships a ValidatingAdmissionPolicy (vap_safeupgrades); `cdk8s
 * import` only understands CRDs, so documents are picked by kind rather than by file name.
 */
function crdDocuments(): string[] {
  const docs: string[] = [];
  for (const file of fs.readdirSync(crdDir).filter(f => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8'))) {
      if (doc.errors.length > 0) {
        throw new Error(`${file}: ${doc.errors[0].message}`);
      }
      const value = doc.toJS();
      if (value?.kind !== 'CustomResourceDefinition') {
        console.error(`skipping ${file}: ${value?.kind ?? 'empty document'} is not a CRD`);
        continue;
      }
      docs.push(doc.toString());
    }
  }
  if (docs.length === 0) {
    throw new Error(`no CRDs found in ${crdDir}`);
  }
  return docs;
}

function header(version: { tag: string; line: string }, crdCount: number): string {
  return [
    '// Generated file: do not edit by hand.',
    `// Source: Gateway API ${version.tag}, standard channel, ${crdCount} CRDs.`,
    `// Bundle: ${version.line}`,
    `// Generator: ${CDK8S_CLI} import, driven by scripts/gen-imports.ts.`,
    '// Regenerate with: npx projen gen:imports',
    '',
    '',
  ].join('\n');
}

function main() {
  const version = bundleVersion();
  const docs = crdDocuments();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-imports-'));
  try {
    // `cdk8s import` reads only its first file argument, so every CRD goes into one stream.
    const input = path.join(work, 'gateway-api-standard.yaml');
    fs.writeFileSync(input, docs.map(d => `---\n${d}`).join(''));
    const outDir = path.join(work, 'out');
    // --no-check-upgrade: the upgrade check needs the network and prints a stack trace without it.
    execFileSync('npx', ['-y', CDK8S_CLI, 'import', '--no-check-upgrade', input,
      '--language', 'typescript', '--output', outDir], { cwd: work, stdio: 'inherit' });

    const produced = fs.readdirSync(outDir).sort();
    if (produced.length !== 1 || produced[0] !== GROUP_FILE) {
      // A second API group would need a decision about where its types belong.
      throw new Error(`expected only ${GROUP_FILE} from cdk8s import, got: ${produced.join(', ')}`);
    }
    const code = fs.readFileSync(path.join(outDir, GROUP_FILE), 'utf8');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, header(version, docs.length) + code);
    console.log(`wrote ${path.relative(repoRoot, target)} (${code.split('\n').length} lines, ${docs.length} CRDs, ${version.tag})`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
