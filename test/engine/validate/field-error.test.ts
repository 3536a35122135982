import { formatValue, goQuote } from '../../../src/engine/validate/field-error';

test('quotes strings as Go does', () => {
  expect(goQuote('plain')).toBe('"plain"');
  expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
  expect(goQuote('tab\tnew\nline')).toBe('"tab\\tnew\\nline"');
  expect(goQuote('\u0001\u007f')).toBe('"\\x01\\x7f"');
  expect(goQuote('é 日本')).toBe('"é 日本"');
  expect(goQuote('\u2028')).toBe('"\\u2028"');
});

test('prints bad values as Go prints them in field errors', () => {
  expect(formatValue('x')).toBe('"x"');
  expect(formatValue(42)).toBe('42');
  expect(formatValue(true)).toBe('true');
  expect(formatValue(null)).toBe('"null"');
  expect(formatValue({ port: 443, name: 'a' })).toBe('map[string]interface {}{"name":"a", "port":443}');
});
