/**
 * Generates src/engine/schema/generated/{standard,experimental}.json from the Gateway API CRDs
 * in the shared folder beside the repository (GATEWAY_API_SHARED_DIR overrides it).
 *
 * Only what the API server uses to default and validate is kept: descriptions go, every other
 * schema keyword stays verbatim. A keyword this script does not know stops the generation,
 * because the validation engine would silently ignore it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

export const CHANNELS = ['standard', 'experimental'] as const;
export type Channel = typeof CHANNELS[number];

const REPO_ROOT = path.resolve(__dirname, '..');
const OUTPUT_DIR = path.join(REPO_ROOT, 'src', 'engine', 'schema', 'generated');
const BUNDLE_VERSION_ANNOTATION = 'gateway.networking.k8s.io/bundle-version';
const CHANNEL_ANNOTATION = 'gateway.networking.k8s.io/channel';

/** Keywords whose value is a value (kept verbatim), not a nested schema. */
const VALUE_KEYWORDS = new Set([
  'type', 'format', 'nullable', 'default', 'enum', 'required', 'pattern',
  'maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minimum', 'maximum',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
]);
const SCHEMA_KEYWORDS = new Set(['items', 'not']);
/** The x-kubernetes-validations fields the engine honours (optionalOldSelf, for one, it does not). */
const RULE_FIELDS = new Set(['rule', 'message', 'messageExpression', 'fieldPath', 'reason']);
const SCHEMA_LIST_KEYWORDS = new Set(['oneOf', 'anyOf']);

export function defaultSharedDir(): string {
  return process.env.GATEWAY_API_SHARED_DIR
    ? path.resolve(process.env.GATEWAY_API_SHARED_DIR)
    : path.resolve(REPO_ROOT, '..', 'shared');
}

/** The generated file contents, by channel (deterministic JSON text). */
export function generateSchemaBundles(sharedDir: string): Record<Channel, string> {
  const source = fs.readFileSync(path.join(sharedDir, 'gateway-api', 'VERSION'), 'utf8').trim();
  const out = {} as Record<Channel, string>;
  for (const channel of CHANNELS) {
    out[channel] = JSON.stringify(sortKeys(bundle(sharedDir, channel, source)), null, 1) + '\n';
  }
  return out;
}

function bundle(sharedDir: string, channel: Channel, source: string) {
  const dir = path.join(sharedDir, 'gateway-api', 'crds', channel);
  const crds = [];
  const bundleVersions = new Set<string>();
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.yaml') || file === 'kustomization.yaml' || file.includes('vap_safeupgrades')) continue;
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const annotations = crd.metadata.annotations ?? {};
      if (annotations[CHANNEL_ANNOTATION] !== channel) {
        throw new Error(`${file}: channel annotation is ${annotations[CHANNEL_ANNOTATION]}, expected ${channel}`);
      }
      bundleVersions.add(annotations[BUNDLE_VERSION_ANNOTATION]);
      crds.push({
        group: crd.spec.group,
        kind: crd.spec.names.kind,
        plural: crd.spec.names.plural,
        scope: crd.spec.scope,
        versions: crd.spec.versions
          .filter((v: any) => v.served)
          .map((v: any) => ({
            name: v.name,
            statusSubresource: v.subresources?.status !== undefined,
            schema: stripSchema(v.schema.openAPIV3Schema, `${file} ${v.name}`),
          })),
      });
    }
  }
  if (bundleVersions.size !== 1) throw new Error(`${channel}: expected one bundle version, found ${[...bundleVersions].join(', ')}`);
  crds.sort((a, b) => compare(`${a.group}/${a.kind}`, `${b.group}/${b.kind}`));
  return { bundleVersion: [...bundleVersions][0], channel, source, crds };
}

function stripSchema(schema: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description') continue;
    if (key === 'x-kubernetes-validations') {
      for (const rule of value as Record<string, unknown>[]) {
        const unsupported = Object.keys(rule).filter(k => !RULE_FIELDS.has(k));
        if (unsupported.length > 0) throw new Error(`${where}: validation rule field ${unsupported.join(', ')} is not supported by the validation engine`);
      }
      out[key] = value;
    } else if (VALUE_KEYWORDS.has(key)) {
      out[key] = value;
    } else if (key === 'properties') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, any>).map(([name, sub]) => [name, stripSchema(sub, `${where}.${name}`)]));
    } else if (key === 'additionalProperties' && typeof value === 'object') {
      out[key] = stripSchema(value as Record<string, unknown>, `${where}{}`);
    } else if (SCHEMA_KEYWORDS.has(key)) {
      out[key] = stripSchema(value as Record<string, unknown>, `${where}.${key}`);
    } else if (SCHEMA_LIST_KEYWORDS.has(key)) {
      out[key] = (value as Record<string, unknown>[]).map((sub, i) => stripSchema(sub, `${where}.${key}[${i}]`));
    } else {
      throw new Error(`${where}: schema keyword ${key}: ${JSON.stringify(value)} is not supported by the validation engine`);
    }
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Object keys sorted at every level; array order is meaning (enum, required, rules) and stays. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort(compare).map(k => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

function main() {
  const bundles = generateSchemaBundles(defaultSharedDir());
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  for (const channel of CHANNELS) {
    const file = path.join(OUTPUT_DIR, `${channel}.json`);
    fs.writeFileSync(file, bundles[channel]);
    console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
  }
}

if (require.main === module) {
  main();
}
