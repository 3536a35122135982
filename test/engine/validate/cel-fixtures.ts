/**
 * The CEL fixtures (test/fixtures/validate/cel/*.yaml) and the CEL messages of the CRDs they
 * must cover.
 *
 * A fixture file is a YAML list of cases:
 *   message      the CRD message the invalid object produces
 *   path         where it is reported
 *   channels     channels the case runs in (default: both)
 *   invalid      an object that breaks that rule
 *   fix          { set: { <path>: <value> }, unset: [<path>] }: the smallest change that makes it valid
 *   alsoReports  other violations the same mistake necessarily causes ({ path, message })
 *   shadowedBy   for a rule the API server can never reach: the schema violations that stop it
 *                before CEL runs (the case then shows the rule is not evaluated)
 *   old          the stored object, for transition rules
 *   subresource  'status' for rules on status
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import type { KubeObject } from '../../../src/engine/types';
import { SHARED_DIR } from '../../util/shared';

export type Channel = 'standard' | 'experimental';
export const CHANNELS: Channel[] = ['standard', 'experimental'];

export interface Reported {
  readonly path: string;
  readonly message: string;
}

export interface CelCase {
  readonly file: string;
  readonly message: string;
  readonly path: string;
  readonly channels: Channel[];
  readonly alsoReports: Reported[];
  readonly shadowedBy?: Reported[];
  readonly subresource?: 'status';
  readonly old?: KubeObject;
  readonly invalid: KubeObject;
  readonly valid: KubeObject;
}

const FIXTURE_DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'validate', 'cel');

export function loadCelCases(): CelCase[] {
  const cases: CelCase[] = [];
  for (const file of fs.readdirSync(FIXTURE_DIR).filter(f => f.endsWith('.yaml')).sort()) {
    // JSON round trip: YAML aliases would otherwise share objects between cases and fixes.
    const entries = JSON.parse(JSON.stringify(parse(fs.readFileSync(path.join(FIXTURE_DIR, file), 'utf8'))));
    for (const entry of entries) {
      const valid = JSON.parse(JSON.stringify(entry.invalid));
      for (const [at, value] of Object.entries(entry.fix?.set ?? {})) setAt(valid, at, value);
      for (const at of entry.fix?.unset ?? []) unsetAt(valid, at);
      cases.push({
        file,
        message: entry.message,
        path: entry.path,
        channels: entry.channels ?? CHANNELS,
        alsoReports: entry.alsoReports ?? [],
        shadowedBy: entry.shadowedBy,
        subresource: entry.subresource,
        old: entry.old,
        invalid: entry.invalid,
        valid,
      });
    }
  }
  return cases;
}

function segments(at: string): Array<string | number> {
  return [...at.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map(m => (m[2] !== undefined ? Number(m[2]) : m[1]));
}

function parentOf(root: any, at: string): [any, string | number] {
  const parts = segments(at);
  let node = root;
  for (const part of parts.slice(0, -1)) {
    if (node[part] === undefined) throw new Error(`fixture path ${at}: ${part} does not exist`);
    node = node[part];
  }
  return [node, parts[parts.length - 1]];
}

function setAt(root: any, at: string, value: unknown): void {
  const [parent, key] = parentOf(root, at);
  parent[key] = value;
}

function unsetAt(root: any, at: string): void {
  const [parent, key] = parentOf(root, at);
  if (!(key in parent)) throw new Error(`fixture path ${at} does not exist`);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
}

const messagesByChannel = new Map<Channel, Map<string, Set<string>>>();

/** Every distinct CEL message per kind of the channel's CRDs (all served versions, status included). */
export function crdMessages(channel: Channel): Map<string, Set<string>> {
  let byKind = messagesByChannel.get(channel);
  if (byKind === undefined) {
    byKind = readMessages(channel);
    messagesByChannel.set(channel, byKind);
  }
  return byKind;
}

function readMessages(channel: Channel): Map<string, Set<string>> {
  const byKind = new Map<string, Set<string>>();
  const dir = path.join(SHARED_DIR, 'gateway-api', 'crds', channel);
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.yaml') || file === 'kustomization.yaml' || file.includes('vap_safeupgrades')) continue;
    const crd = parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const messages = byKind.get(crd.spec.names.kind) ?? new Set<string>();
    for (const version of crd.spec.versions.filter((v: any) => v.served)) collectMessages(version.schema.openAPIV3Schema, messages);
    byKind.set(crd.spec.names.kind, messages);
  }
  return byKind;
}

function collectMessages(schema: any, into: Set<string>): void {
  for (const rule of schema['x-kubernetes-validations'] ?? []) into.add(rule.message);
  for (const sub of Object.values(schema.properties ?? {})) collectMessages(sub, into);
  if (schema.items) collectMessages(schema.items, into);
  if (typeof schema.additionalProperties === 'object') collectMessages(schema.additionalProperties, into);
}
