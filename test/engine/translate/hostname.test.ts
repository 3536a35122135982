import { intersectHostnames } from '../../../src/engine/translate/hostname';

describe('intersectHostnames', () => {
  test.each([
    // listener, route hostnames, expected (undefined: no intersection; []: any host)
    [undefined, [], []],
    [undefined, ['a.example.com', '*.example.net'], ['a.example.com', '*.example.net']],
    ['a.example.com', [], ['a.example.com']],
    ['a.example.com', ['a.example.com'], ['a.example.com']],
    ['*.example.com', ['a.example.com', 'b.c.example.com'], ['a.example.com', 'b.c.example.com']],
    ['*.example.com', ['*.example.com'], ['*.example.com']],
    ['*.example.com', ['*.foo.example.com'], ['*.foo.example.com']],
    ['*.example.com', ['*.com'], ['*.example.com']],
    ['test.example.com', ['*.example.com'], ['test.example.com']],
    ['very.specific.com', ['non.matching.com', '*.specific.com'], ['very.specific.com']],
    ['*.wildcard.io', ['non.matching.com', 'wildcard.io', 'foo.wildcard.io'], ['foo.wildcard.io']],
    ['A.Example.com', ['a.example.COM'], ['a.example.com']],
  ] as [string | undefined, string[], string[]][])('listener %s and route %j serve %j', (listener, route, expected) => {
    expect(intersectHostnames(listener, route)).toEqual(expected);
  });

  test.each([
    ['*.example.com', ['example.com']],
    ['*.example.com', ['test.example.net']],
    ['a.example.com', ['b.example.com']],
    ['a.example.com', ['*.a.example.com']],
    ['*.foo.example.com', ['bar.example.com', '*.bar.example.com']],
  ])('fails to intersect listener %s with route %j', (listener, route) => {
    expect(intersectHostnames(listener, route)).toBeUndefined();
  });

  test('lists a hostname reached twice only once', () => {
    expect(intersectHostnames('a.example.com', ['*.example.com', 'a.example.com'])).toEqual(['a.example.com']);
  });
});
