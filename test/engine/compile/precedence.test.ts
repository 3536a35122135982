/**
 * The spec's precedence between candidate rules, one tie-break at a time: each table is a set
 * of routes on one listener and the winner (`route#rule.match`) for each request.
 */
import { portOf, request, tableOf, winnerOf, withGateway } from './world';

function route(name: string, body: string, extra = ''): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: default${extra}}
spec:
  parentRefs: [{name: gw}]
${body}
---`;
}

const RULE = (matches: string) => `  rules:\n  - matches: ${matches}\n    backendRefs: [{name: svc, port: 80}]`;

interface Case {
  readonly title: string;
  readonly routes: string;
  /** `[METHOD URL, headers, winner or 404]` */
  readonly requests: [string, string[], string][];
}

const cases: Case[] = [
  {
    title: 'prefers the route with the longest matching exact hostname, then the longest wildcard, over any path criteria',
    routes: [
      route('any-host', `  ${RULE('[{path: {type: Exact, value: /a}}]')}`),
      route('wildcard', `  hostnames: ["*.example.com"]\n${RULE('[{path: {type: Exact, value: /a}}]')}`),
      route('longer-wildcard', `  hostnames: ["*.b.example.com"]\n${RULE('[{path: {type: PathPrefix, value: /a}}]')}`),
      route('exact', `  hostnames: [c.b.example.com]\n${RULE('[{path: {type: PathPrefix, value: /}}]')}`),
    ].join(''),
    requests: [
      ['GET http://c.b.example.com/a', [], 'exact#0.0'],
      ['GET http://d.b.example.com/a', [], 'longer-wildcard#0.0'],
      ['GET http://d.b.example.com/x', [], '404'],
      ['GET http://b.example.com/a', [], 'wildcard#0.0'],
      ['GET http://example.com/a', [], 'any-host#0.0'],
    ],
  },
  {
    title: 'falls through to the next hostname when the best one has no matching rule',
    routes: [
      route('any-host', `  ${RULE('[{path: {type: PathPrefix, value: /}}]')}`),
      route('exact', `  hostnames: [a.example.com]\n${RULE('[{path: {type: PathPrefix, value: /only}}]')}`),
    ].join(''),
    requests: [
      ['GET http://a.example.com/only/x', [], 'exact#0.0'],
      ['GET http://a.example.com/other', [], 'any-host#0.0'],
    ],
  },
  {
    title: 'prefers Exact over PathPrefix over RegularExpression',
    routes: route('r', `  rules:
  - matches: [{path: {type: RegularExpression, value: "/a.*"}}]
  - matches: [{path: {type: PathPrefix, value: /a}}]
  - matches: [{path: {type: Exact, value: /a/b}}]`),
    requests: [
      ['GET http://h/a/b', [], 'r#2.0'],
      ['GET http://h/a/c', [], 'r#1.0'],
      ['GET http://h/abc', [], 'r#0.0'],
      ['GET http://h/x/abc', [], '404'],
    ],
  },
  {
    title: 'matches prefixes element-wise and prefers the prefix with the most characters',
    routes: route('r', `  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
  - matches: [{path: {type: PathPrefix, value: /abc}}]
  - matches: [{path: {type: PathPrefix, value: /abc/}}]
  - matches: [{path: {type: PathPrefix, value: /abc/def}}]`),
    requests: [
      ['GET http://h/abc', [], 'r#2.0'],
      ['GET http://h/abc/', [], 'r#2.0'],
      ['GET http://h/abc/x', [], 'r#2.0'],
      ['GET http://h/abc/def/x', [], 'r#3.0'],
      ['GET http://h/abc/defg', [], 'r#2.0'],
      ['GET http://h/abcd', [], 'r#0.0'],
      ['GET http://h/', [], 'r#0.0'],
    ],
  },
  {
    title: 'prefers a method match, then more header matches, then more query matches',
    routes: route('r', `  rules:
  - matches: [{queryParams: [{name: a, value: "1"}, {name: b, value: "2"}]}]
  - matches: [{headers: [{name: x, value: "1"}]}]
  - matches: [{headers: [{name: x, value: "1"}, {name: y, value: "2"}]}]
  - matches: [{method: GET}]
  - matches: [{headers: [{name: x, value: "1"}], queryParams: [{name: a, value: "1"}]}]`),
    requests: [
      ['GET http://h/?a=1&b=2', ['x: 1', 'y: 2'], 'r#3.0'],
      ['POST http://h/?a=1&b=2', ['x: 1', 'y: 2'], 'r#2.0'],
      ['POST http://h/?a=1&b=2', ['x: 1'], 'r#4.0'],
      ['POST http://h/?a=1', ['x: 1'], 'r#4.0'],
      ['POST http://h/', ['x: 1'], 'r#1.0'],
      ['POST http://h/?a=1&b=2', [], 'r#0.0'],
      ['POST http://h/?a=1', [], '404'],
    ],
  },
  {
    title: 'prefers the older route, a route without creationTimestamp counting as the newest',
    routes: [
      route('a-new', `  ${RULE('[{path: {type: PathPrefix, value: /}}]')}`),
      route('b-old', `  ${RULE('[{path: {type: PathPrefix, value: /}}]')}`, ', creationTimestamp: "2024-01-01T00:00:00Z"'),
      route('c-older', `  hostnames: [older.example.com]\n${RULE('[{path: {type: PathPrefix, value: /}}]')}`, ', creationTimestamp: "2023-01-01T00:00:00Z"'),
    ].join(''),
    requests: [
      ['GET http://h/', [], 'b-old#0.0'],
      ['GET http://older.example.com/', [], 'c-older#0.0'],
    ],
  },
  {
    title: 'breaks a tie on age by namespace/name',
    routes: [
      route('b', `  ${RULE('[{path: {type: PathPrefix, value: /}}]')}`, ', creationTimestamp: "2024-01-01T00:00:00Z"'),
      route('a', `  ${RULE('[{path: {type: PathPrefix, value: /}}]')}`, ', creationTimestamp: "2024-01-01T00:00:00Z"'),
      route('d', `  ${RULE('[{path: {type: PathPrefix, value: /x}}]')}`),
      route('c', `  ${RULE('[{path: {type: PathPrefix, value: /x}}]')}`),
    ].join(''),
    requests: [
      ['GET http://h/', [], 'a#0.0'],
      ['GET http://h/x', [], 'c#0.0'],
    ],
  },
  {
    title: 'breaks a tie inside a route by rule order, then match order',
    routes: route('r', `  rules:
  - matches: [{path: {type: PathPrefix, value: /b}}, {path: {type: PathPrefix, value: /a}}, {path: {type: PathPrefix, value: /a}, headers: [{name: x, value: "1"}]}]
  - matches: [{path: {type: PathPrefix, value: /a}}]`),
    requests: [
      ['GET http://h/a', [], 'r#0.1'],
      ['GET http://h/a', ['x: 1'], 'r#0.2'],
      ['GET http://h/b', [], 'r#0.0'],
    ],
  },
  {
    title: 'matches a regular expression against the whole path or value',
    routes: route('r', `  rules:
  - matches: [{path: {type: RegularExpression, value: "/api/v[0-9]+"}}]
  - matches: [{path: {type: Exact, value: /h}, headers: [{type: RegularExpression, name: x, value: "a+"}]}]
  - matches: [{path: {type: Exact, value: /q}, queryParams: [{type: RegularExpression, name: v, value: "[0-9]{2}"}]}]`),
    requests: [
      ['GET http://h/api/v12', [], 'r#0.0'],
      ['GET http://h/api/v12/x', [], '404'],
      ['GET http://h/x/api/v1', [], '404'],
      ['GET http://h/h', ['x: aaa'], 'r#1.0'],
      ['GET http://h/h', ['x: baa'], '404'],
      ['GET http://h/q?v=42', [], 'r#2.0'],
      ['GET http://h/q?v=421', [], '404'],
    ],
  },
  {
    title: 'compares header names case-insensitively and counts only the first matcher of a name',
    routes: route('r', `  rules:
  - matches: [{path: {type: Exact, value: /}, headers: [{name: Version, value: one}, {name: version, value: two}]}]`),
    requests: [
      ['GET http://h/', ['VERSION: one'], 'r#0.0'],
      ['GET http://h/', ['version: two'], '404'],
    ],
  },
  {
    title: 'uses the first value of a repeated query parameter and compares names exactly',
    routes: route('r', `  ${RULE('[{queryParams: [{name: a, value: "1"}]}]')}`),
    requests: [
      ['GET http://h/?a=1&a=2', [], 'r#0.0'],
      ['GET http://h/?a=2&a=1', [], '404'],
      ['GET http://h/?A=1', [], '404'],
    ],
  },
];

describe.each(cases)('$title', ({ routes, requests }) => {
  const port = portOf(tableOf(withGateway(routes)), 'default/gw', 80);
  const named = requests.map(([line, headers, expected]) => {
    const described = `${line}${headers.length > 0 ? ` with ${headers.join(', ')}` : ''}`;
    return [expected === '404' ? `answers 404 to ${described}` : `chooses ${expected} for ${described}`, line, headers, expected] as const;
  });
  test.each(named)('%s', (_name, line, headers, expected) => {
    expect(winnerOf(port.match(request(line, ...headers)))).toBe(expected);
  });
});
