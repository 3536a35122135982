/**
 * Generates src/crds/{standard,experimental}.json, the install manifests `GatewayApiCrds`
 * emits, from the Gateway API CRDs in the shared folder beside the repository
 * (GATEWAY_API_SHARED_DIR overrides it).
 *
 * The objects are kept whole, descriptions included: `kubectl explain` and editors read them
 * from the installed CRDs. `--strip-descriptions` drops them for a smaller bundle.
 * Which files belong to a channel is what its kustomization.yaml lists, or every YAML file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';

export const CRD_CHANNELS = ['standard', 'experimental'] as const;
export type CrdChannel = typeof CRD_CHANNELS[number];

const REPO_ROOT = path.resolve(__dirname, '..');
const OUTPUT_DIR = path.join(REPO_ROOT, 'src', 'crds');
const BUNDLE_VERSION_ANNOTATION = 'gateway.networking.k8s.io/bundle-version';
const CHANNEL_ANNOTATION = 'gateway.networking.k8s.io/channel';

export interface CrdGenerationOptions {
  /** Keep the schema descriptions (what `kubectl explain` shows). @default true */
  readonly descriptions?: boolean;
}

export function defaultSharedDir(): string {
  return process.env.GATEWAY_API_SHARED_DIR
    ? path.resolve(process.env.GATEWAY_API_SHARED_DIR)
    : path.resolve(REPO_ROOT, '..', 'shared');
}

/** The generated file contents, by channel (compact, deterministic JSON text). */
export function generateCrdBundles(sharedDir: string, options: CrdGenerationOptions = {}): Record<CrdChannel, string> {
  const source = fs.readFileSync(path.join(sharedDir, 'gateway-api', 'VERSION'), 'utf8').trim();
  const out = {} as Record<CrdChannel, string>;
  for (const channel of CRD_CHANNELS) {
    out[channel] = JSON.stringify(bundle(sharedDir, channel, source, options.descriptions ?? true)) + '\n';
  }
  return out;
}

function channelFiles(dir: string): string[] {
  const kustomization = path.join(dir, 'kustomization.yaml');
  if (fs.existsSync(kustomization)) return [...(parse(fs.readFileSync(kustomization, 'utf8')).resources as string[])];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
}

function bundle(sharedDir: string, channel: CrdChannel, source: string, descriptions: boolean) {
  const dir = path.join(sharedDir, 'gateway-api', 'crds', channel);
  const objects: Record<string, any>[] = [];
  const bundleVersions = new Set<string>();
  for (const file of channelFiles(dir)) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      const obj = doc.toJS();
      if (obj === null) continue;
      if (typeof obj.kind !== 'string' || typeof obj.metadata?.name !== 'string') throw new Error(`${file}: not a Kubernetes object`);
      if (obj.kind === 'CustomResourceDefinition') {
        const annotations = obj.metadata.annotations ?? {};
        if (annotations[CHANNEL_ANNOTATION] !== channel) {
          throw new Error(`${file}: channel annotation is ${annotations[CHANNEL_ANNOTATION]}, expected ${channel}`);
        }
        bundleVersions.add(annotations[BUNDLE_VERSION_ANNOTATION]);
      }
      objects.push(descriptions ? obj : withoutDescriptions(obj));
    }
  }
  if (bundleVersions.size !== 1) throw new Error(`${channel}: expected one bundle version, found ${[...bundleVersions].join(', ')}`);
  // CRDs first, then the admission policy and its binding, each by name: a stable order for diffs.
  objects.sort((a, b) => compare(`${a.kind === 'CustomResourceDefinition' ? 0 : 1}${a.kind}/${a.metadata.name}`,
    `${b.kind === 'CustomResourceDefinition' ? 0 : 1}${b.kind}/${b.metadata.name}`));
  return { bundleVersion: [...bundleVersions][0], channel, source, objects };
}

/** Drops `description` wherever it documents a schema (inside openAPIV3Schema), nowhere else. */
function withoutDescriptions(obj: Record<string, any>): Record<string, any> {
  if (obj.kind !== 'CustomResourceDefinition') return obj;
  const strip = (schema: unknown): unknown => {
    if (Array.isArray(schema)) return schema.map(strip);
    if (schema === null || typeof schema !== 'object') return schema;
    return Object.fromEntries(Object.entries(schema)
      .filter(([k, v]) => !(k === 'description' && typeof v === 'string'))
      .map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strip(s)])) : strip(v)]));
  };
  return {
    ...obj,
    spec: {
      ...obj.spec,
      versions: obj.spec.versions.map((v: any) => ({ ...v, schema: { openAPIV3Schema: strip(v.schema.openAPIV3Schema) } })),
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function main() {
  const bundles = generateCrdBundles(defaultSharedDir(), { descriptions: !process.argv.includes('--strip-descriptions') });
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  for (const channel of CRD_CHANNELS) {
    const file = path.join(OUTPUT_DIR, `${channel}.json`);
    fs.writeFileSync(file, bundles[channel]);
    console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
  }
}

if (require.main === module) {
  main();
}
