import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, Violation } from '../../../src/engine/types';
import { validateObject } from '../../../src/engine/validate';
import { SHARED_DIR } from '../../util/shared';

/**
 * Every manifest the upstream conformance suite applies must pass: a false positive here would
 * make our validation refuse what a real cluster accepts.
 */
const CONFORMANCE_DIR = path.join(SHARED_DIR, 'gateway-api', 'conformance');

/** Files that use fields only the experimental CRDs declare; everything else must pass the standard channel. */
const EXPERIMENTAL_FILES = ['tests/httproute-retry.yaml'];

/**
 * Values the suite substitutes before applying: the class and controller under test, and in
 * gateway-static-addresses the addresses the implementation declares usable or unusable.
 */
const SUBSTITUTIONS: Array<[RegExp, string]> = [
  [/\{GATEWAY_CLASS_NAME\}/g, 'gateway-conformance'],
  [/\{GATEWAY_CONTROLLER_NAME\}/g, 'example.com/gateway-controller'],
  [/PLACEHOLDER_USABLE_ADDRS/g, '192.0.2.10'],
  [/PLACEHOLDER_UNUSABLE_ADDRS/g, '198.51.100.10'],
];

function manifestFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return manifestFiles(full);
    return entry.name.endsWith('.yaml') ? [path.relative(CONFORMANCE_DIR, full)] : [];
  }).sort();
}

function objectsOf(file: string): KubeObject[] {
  let text = fs.readFileSync(path.join(CONFORMANCE_DIR, file), 'utf8');
  for (const [placeholder, value] of SUBSTITUTIONS) text = text.replace(placeholder, value);
  return parseAllDocuments(text).map(doc => doc.toJS()).filter(o => o !== null);
}

/** A standard-channel violation that only says the object uses what the experimental CRDs add. */
function isExperimentalOnly(v: Violation): boolean {
  return v.message.startsWith('unknown field "') || v.message.startsWith('no matches for kind "');
}

interface Outcome {
  readonly needsExperimental: boolean;
  readonly violations: string[];
}

/** Standard first; an object falls back to experimental only when all it lacks is experimental fields or kinds. */
function check(file: string): Outcome {
  let needsExperimental = false;
  const violations: string[] = [];
  for (const object of objectsOf(file)) {
    const standard = validateObject(object).violations;
    let remaining = standard;
    if (standard.length > 0 && standard.every(isExperimentalOnly)) {
      needsExperimental = true;
      remaining = validateObject(object, { channel: 'experimental' }).violations;
    }
    violations.push(...remaining.map(v => `${v.kind} ${v.namespace ?? ''}/${v.name} ${v.path}: ${v.message}`));
  }
  return { needsExperimental, violations };
}

const files = manifestFiles(CONFORMANCE_DIR);

test('finds the base, mesh and per-test conformance manifests', () => {
  expect(files).toEqual(expect.arrayContaining(['base/manifests.yaml', 'mesh/manifests.yaml']));
  expect(files.filter(f => f.startsWith('tests/mesh/')).length).toBeGreaterThan(0);
  expect(files.length).toBeGreaterThan(100);
});

describe.each(files)('%s', file => {
  const outcome = check(file);

  test('validates with zero violations', () => {
    expect(outcome.violations).toEqual([]);
  });

  test(EXPERIMENTAL_FILES.includes(file) ? 'needs the experimental channel' : 'passes the standard channel', () => {
    expect(outcome.needsExperimental).toBe(EXPERIMENTAL_FILES.includes(file));
  });
});
