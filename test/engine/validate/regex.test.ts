import { RE2JS } from '@bufbuild/re2';
import { CHANNELS } from './cel-fixtures';
import { schemaBundle, type JsonSchema } from '../../../src/engine/schema';
import { compileRegex } from '../../../src/engine/validate/regex';

test('searches the whole value unless the pattern anchors itself', () => {
  expect(compileRegex('b').test('abc')).toBe(true);
  expect(compileRegex('^b').test('abc')).toBe(false);
});

test('supports the RE2 case-insensitive flag', () => {
  expect(compileRegex('(?i)^abc$').test('ABC')).toBe(true);
});

test('refuses lookaround, as RE2 does', () => {
  expect(() => compileRegex('^(?=a)a$')).toThrow();
});

test('lets the dot match a carriage return but not a newline', () => {
  expect(compileRegex('^a.b$').test('a\rb')).toBe(true);
  expect(compileRegex('^a.b$').test('a\nb')).toBe(false);
});

test('matches $ only at the very end of the value', () => {
  expect(compileRegex('^a$').test('a\n')).toBe(false);
});

function patterns(schema: JsonSchema, into: Set<string>): Set<string> {
  if (schema.pattern !== undefined) into.add(schema.pattern);
  const subs = [
    ...Object.values(schema.properties ?? {}), schema.items, schema.additionalProperties, schema.not, ...schema.oneOf ?? [], ...schema.anyOf ?? [],
  ];
  for (const sub of subs) {
    if (sub !== undefined) patterns(sub, into);
  }
  return into;
}

const SAMPLES = [
  '', 'a', 'example.com', '*.example.com', 'Example.com', 'a..b', '-a', 'a-', 'x-api-key', 'X_Header', 'a b', 'a\tb', 'a\nb', 'a\rb',
  '10s', '1h30m', '100000s', '/api/v1', '/a%2Fb', '/a%zz', 'https://a.example.com:8443', 'http://*', '*', 'example.com/proto', 'ex ample.com/PROTO',
  'Hostname', 'IPAddress', 'example.com/pool', 'System', 'spiffe://example.com/a', 'é', '日本', '\u2028', 'a'.repeat(300),
];

test('agrees with RE2 on every schema pattern of the CRDs', () => {
  const all = new Set<string>();
  for (const channel of CHANNELS) {
    for (const crd of schemaBundle(channel).crds) for (const version of crd.versions) patterns(version.schema, all);
  }
  expect(all.size).toBeGreaterThan(10);
  const disagreements: string[] = [];
  for (const pattern of all) {
    const re2 = RE2JS.compile(pattern);
    for (const sample of SAMPLES) {
      if (compileRegex(pattern).test(sample) !== re2.test(sample)) disagreements.push(`${pattern} on ${JSON.stringify(sample)}`);
    }
  }
  expect(disagreements).toEqual([]);
});
