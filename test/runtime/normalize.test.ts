import { normalizeHost, normalizePath } from '../../src/runtime/proxy/normalize';

test.each([
  ['/', '/'],
  ['/a/b/', '/a/b/'],
  ['/a/./b', '/a/b'],
  ['/a/../b', '/b'],
  ['/../../etc', '/etc'],
  ['/a//b', '/a/b'],
  ['/a/b/..', '/a/'],
  ['/%7Euser/%41', '/~user/A'],
  ['/caf%c3%a9', '/caf%C3%A9'],
  ['/%2e%2e/admin', '/admin'],
])('normalizes %s to %s', (input, expected) => {
  expect(normalizePath(input)).toBe(expected);
});

test.each(['/a%2fb', '/a%2Fb', '/a%5cb', '/a%00', '/a\u0000', '/a%zz', '/a%4', 'relative'])('rejects %s', (input) => {
  expect(normalizePath(input)).toBeUndefined();
});

test('normalizes hosts: no port, lower case, no trailing dot, IPv6 kept in brackets', () => {
  expect(normalizeHost('Example.COM.:8080')).toBe('example.com');
  expect(normalizeHost('[::1]:80')).toBe('[::1]');
  expect(normalizeHost(undefined)).toBe('');
});
