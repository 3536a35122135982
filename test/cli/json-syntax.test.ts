import { findJsonSyntaxError } from '../../src/cli/json-syntax';

test.each([
  ['{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"], "b": {}}'],
  ['\uFEFF  []  '],
  ['"just a string"'],
])('accepts valid JSON %j', (text) => {
  expect(findJsonSyntaxError(text)).toBeUndefined();
});

test.each([
  ['{"a": 1,}', 8, "expected a property name but found '}'"],
  ['[1, 2,]', 6, "unexpected ']'"],
  ['{"a": 1 "b": 2}', 8, "expected ',' or '}' but found '\"'"],
  ['{"a": tru}', 6, "unexpected 't'"],
  ['{a: 1}', 1, "expected a property name but found 'a'"],
  ['{"a" 1}', 5, "expected ':' but found '1'"],
  ['{"a": "x', 8, 'unterminated string'],
  ['"\\q"', 2, 'invalid escape in string'],
  ['"\\u12"', 2, 'invalid \\u escape in string'],
  ['"a\tb"', 2, 'control character in string'],
  ['{} {}', 3, "unexpected '{' after the end of the JSON value"],
  ['', 0, 'unexpected end of input'],
  ['[1', 2, "expected ',' or ']' but found end of input"],
])('rejects %j at offset %d: %s', (text, offset, message) => {
  expect(findJsonSyntaxError(text)).toEqual({ offset, message });
});
