import { portOf, request, tableOf, withGateway } from './world';
import { modifiedPath, redirectLocation, replacePrefix, ruleOutcome } from '../../../src/engine/compile';
import { HttpMatchIR, RedirectIR } from '../../../src/engine/translate';

const PREFIX_FOO: HttpMatchIR = { path: { type: 'PathPrefix', value: '/foo' }, headers: [], queryParams: [] };

describe('replacePrefix', () => {
  test.each([
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
    ['/foo', '/', '/xyz', '/xyz/foo'],
  ])('replaces %s matched by %s with %j as %s', (path, prefix, replacement, expected) => {
    expect(replacePrefix(path, prefix, replacement)).toBe(expected);
  });

  test('replaces the full path regardless of the match', () => {
    expect(modifiedPath({ type: 'ReplaceFullPath', value: '/new' }, '/foo/bar', PREFIX_FOO)).toBe('/new');
  });
});

describe('redirectLocation', () => {
  const http = { scheme: 'http' as const, host: 'example.org', path: '/foo/bar', query: 'a=1' };
  test.each<[string, RedirectIR, typeof http | { scheme: 'https'; host: string; path: string }, number, string]>([
    ['keeps scheme, host, path and query, and leaves out port 80', { statusCode: 302 }, http, 80, 'http://example.org/foo/bar?a=1'],
    ['uses the listener port when the scheme is kept', { statusCode: 302 }, http, 8080, 'http://example.org:8080/foo/bar?a=1'],
    ['uses the well-known port of a new scheme and leaves it out', { scheme: 'https', statusCode: 301 }, http, 8080, 'https://example.org/foo/bar?a=1'],
    ['writes an explicit port that is not the default', { scheme: 'https', port: 8443, statusCode: 301 }, http, 80, 'https://example.org:8443/foo/bar?a=1'],
    ['leaves out an explicit port that is the default of the scheme', { port: 80, statusCode: 302 }, http, 8080, 'http://example.org/foo/bar?a=1'],
    ['writes port 443 for http', { port: 443, statusCode: 302 }, http, 80, 'http://example.org:443/foo/bar?a=1'],
    ['changes hostname and path prefix', { hostname: 'example.com', path: { type: 'ReplacePrefixMatch', value: '/xyz' }, statusCode: 307 },
      http, 80, 'http://example.com/xyz/bar?a=1'],
    ['keeps https and leaves out port 443', { statusCode: 302 }, { scheme: 'https', host: 'example.org', path: '/' }, 443, 'https://example.org/'],
    ['writes the listener port for https when it is not 443', { statusCode: 302 }, { scheme: 'https', host: 'example.org', path: '/' }, 8443,
      'https://example.org:8443/'],
  ])('%s', (_title, redirect, req, port, expected) => {
    expect(redirectLocation(redirect, req, port, PREFIX_FOO)).toBe(expected);
  });
});

describe('ruleOutcome', () => {
  const port = portOf(tableOf(withGateway(`
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: default}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /redirect}}]
    filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]
  - matches: [{path: {type: PathPrefix, value: /none}}]
  - matches: [{path: {type: PathPrefix, value: /split}}]
    backendRefs: [{name: svc, port: 80, weight: 3}, {name: missing, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /zero}}]
    backendRefs: [{name: svc, port: 80, weight: 0}]
`)), 'default/gw', 80);
  const outcome = (url: string) => {
    const req = request(`GET ${url}`);
    return ruleOutcome(port.match(req)!, { scheme: 'http', host: req.host, path: req.path });
  };

  test('answers a redirect with the status code and Location', () => {
    expect(outcome('http://a.example/redirect/x')).toEqual({ kind: 'redirect', status: 301, location: 'https://a.example/redirect/x' });
  });

  test('answers 500 for a rule without backendRefs', () => {
    expect(outcome('http://a.example/none')).toEqual({ kind: 'error', status: 500, reason: 'the rule has no backendRefs' });
  });

  test('answers 500 when every backend has weight 0', () => {
    expect(outcome('http://a.example/zero')).toEqual({ kind: 'error', status: 500, reason: 'every backendRef has weight 0' });
  });

  test('splits by weight and keeps the share of an invalid backend', () => {
    const result = outcome('http://a.example/split');
    expect(result.kind === 'forward' && result.backends.map((b) => [b.backend.name, b.share, b.backend.invalid?.reason])).toEqual([
      ['svc', 0.75, undefined],
      ['missing', 0.25, 'BackendNotFound'],
    ]);
  });
});
