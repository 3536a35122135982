import type { JsonSchema } from '../../../src/engine/schema';
import { checkRules, NO_OLD_VALUE } from '../../../src/engine/validate/cel-check';
import { compileSchema } from '../../../src/engine/validate/compile';
import { normalizeObject } from '../../../src/engine/validate/normalize';
import { checkSchema } from '../../../src/engine/validate/schema-check';

// Keywords and rule fields the API server honours but the Gateway API CRDs do not (yet) use.

const schema: JsonSchema = {
  type: 'object',
  properties: {
    note: { type: 'string', nullable: true },
    size: { type: 'integer', default: 3 },
    items: {
      'type': 'array',
      'items': { type: 'object', properties: { name: { type: 'string' } } },
      'x-kubernetes-validations': [
        { rule: 'self.size() < 2', message: 'too many', fieldPath: '.name', reason: 'FieldValueForbidden' },
        { rule: 'self.size() < 2', messageExpression: "'has ' + string(self.size()) + ' items'" },
      ],
    },
  },
};
const root = compileSchema(schema);

test('keeps a null in a nullable field and accepts it', () => {
  const stored = normalizeObject({ note: null, size: null }, root, []);
  expect(stored).toEqual({ note: null, size: 3 });
  expect(checkSchema(stored, root)).toEqual([]);
});

test('reports a rule at its fieldPath, with its reason, and a messageExpression\'s message', () => {
  const violations = checkRules({ items: [{ name: 'a' }, { name: 'b' }] }, root, NO_OLD_VALUE);
  expect(violations.map(v => [v.path, v.message, v.rule.rule.reason])).toEqual([
    ['items.name', 'too many', 'FieldValueForbidden'],
    ['items', 'has 2 items', undefined],
  ]);
});
