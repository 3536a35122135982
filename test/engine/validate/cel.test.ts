import { parse } from '@bufbuild/cel';
import { CHANNELS } from './cel-fixtures';
import { schemaBundle, type JsonSchema } from '../../../src/engine/schema';
import { celPropertyName, compileRule, KUBERNETES_FUNCTIONS } from '../../../src/engine/validate/cel';

function rules(schema: JsonSchema, into: Set<string>): Set<string> {
  for (const rule of schema['x-kubernetes-validations'] ?? []) into.add(rule.rule);
  for (const sub of [...Object.values(schema.properties ?? {}), schema.items, schema.additionalProperties]) {
    if (sub !== undefined) rules(sub, into);
  }
  return into;
}

const allRules = new Set<string>();
for (const channel of CHANNELS) {
  for (const crd of schemaBundle(channel).crds) for (const version of crd.versions) rules(version.schema, allRules);
}

/** Functions and operators a rule calls; a call on the `format` namespace is a qualified function name. */
function calls(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    node.forEach(n => calls(n, into));
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, any>;
    if (record.$typeName === 'cel.expr.Expr.Call') {
      const target = record.target?.exprKind;
      into.add(target?.case === 'identExpr' && target.value.name === 'format' ? `format.${record.function}` : record.function);
    }
    Object.values(record).forEach(v => calls(v, into));
  }
  return into;
}

/** The CEL standard library functions and operators the rules use. */
const STANDARD = [
  '!_', '-_', '_&&_', '_||_', '_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', '_+_', '_-_', '_?_:_', '_[_]', '@in', '@not_strictly_false',
  'size', 'matches', 'startsWith', 'endsWith', 'contains', 'duration',
];
/** Macros, which the parser keeps as calls. */
const MACROS = ['has', 'all', 'exists', 'exists_one', 'filter'];
/** From the strings extension library, which the API server also enables. */
const STRING_EXTENSIONS = ['split', 'substring'];

test('the CRDs of both channels carry about a hundred distinct rules', () => {
  expect(allRules.size).toBeGreaterThan(90);
});

test('compiles every rule of the CRDs', () => {
  const failed = [...allRules].filter(rule => compileRule({ rule, message: 'm' }).evaluate(null)?.startsWith('compilation failed'));
  expect(failed).toEqual([]);
});

test('registers every function the rules call', () => {
  const used = new Set<string>();
  for (const rule of allRules) calls(parse(rule), used);
  const known = new Set([...STANDARD, ...MACROS, ...STRING_EXTENSIONS, ...KUBERNETES_FUNCTIONS]);
  expect([...used].filter(name => !known.has(name))).toEqual([]);
  expect(KUBERNETES_FUNCTIONS.every(name => used.has(name))).toBe(true);
});

test.each([
  ["'a.example.com/name'.split('/')[0] == 'a.example.com'"],
  ["'*.example.com'.substring(2) == 'example.com'"],
  ["isIP('192.0.2.1') && isIP('2001:db8::1') && !isIP('::ffff:192.0.2.1') && !isIP('example.com')"],
  ["size(format.dns1123Label().validate('Not_A_Label')) > 0"],
  ["duration('1h') > duration('59m59s')"],
  ["'ABC'.matches('(?i)^abc$')"],
])('evaluates %s as the API server does', rule => {
  expect(compileRule({ rule, message: 'failed' }).evaluate(null)).toBeUndefined();
});

test('uses the rule text as the message when the rule has none', () => {
  expect(compileRule({ rule: 'self > 1' }).evaluate(1n)).toBe('failed rule: self > 1');
});

test('uses a messageExpression when it yields a one-line message', () => {
  expect(compileRule({ rule: 'self > 1', message: 'static', messageExpression: "'got ' + string(self)" }).evaluate(1n)).toBe('got 1');
  expect(compileRule({ rule: 'self > 1', message: 'static', messageExpression: "''" }).evaluate(1n)).toBe('static');
});

test('fails with the rule\'s message, never an exception, when a rule cannot be evaluated', () => {
  expect(compileRule({ rule: 'self.missing == 1', message: 'needs missing' }).evaluate(null)).toMatch(/ evaluating rule: needs missing$/);
  expect(compileRule({ rule: "format.dns1123Label().validate('x') == null", message: 'm' }).evaluate(null)).toBe('m');
});

test('fails with a message, never an exception, when a rule does not compile', () => {
  expect(compileRule({ rule: 'self ==', message: 'broken' }).evaluate(null)).toMatch(/^compilation failed: .* evaluating rule: broken$/);
});

test('knows a rule reading oldSelf is a transition rule', () => {
  expect(compileRule({ rule: 'self == oldSelf' }).usesOldSelf).toBe(true);
  expect(compileRule({ rule: "self == 'oldSelf'" }).usesOldSelf).toBe(false);
});

test('normalizes a rule fieldPath to the field error notation', () => {
  expect(compileRule({ rule: 'true', fieldPath: ".spec['tls.mode'][0]" }).fieldPath).toBe('spec.tls.mode[0]');
});

test.each([
  ['name', 'name'], ['namespace', '__namespace__'], ['if', '__if__'], ['x-api-key', 'x__dash__api__dash__key'],
  ['a.b', 'a__dot__b'], ['a/b', 'a__slash__b'], ['__x', '__underscores__x'], ['1abc', undefined], ['a b', undefined],
])('spells property %s in CEL as %s', (name, expected) => {
  expect(celPropertyName(name)).toBe(expected);
});
