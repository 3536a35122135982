/**
 * The routing the upstream conformance tests check (research §d.4), from their manifests as the
 * suite applies them: requests → the backend that must answer, or 404. The expectations are
 * derived from the manifests and the spec's precedence rules.
 */
import { backendOf, portOf, request, tableOf } from './world';
import { conformanceWorld, INFRA } from '../translate/world';

interface Scenario {
  readonly title: string;
  readonly file: string;
  readonly gateway: string;
  /** `[METHOD URL, headers, expected backend or 404]` */
  readonly requests: [string, string[], string][];
}

const V1 = 'infra-backend-v1';
const V2 = 'infra-backend-v2';
const V3 = 'infra-backend-v3';

const scenarios: Scenario[] = [
  {
    title: 'HTTPRouteMatching: a path prefix or a header match picks the rule, the longer prefix and more headers winning',
    file: 'httproute-matching.yaml',
    gateway: `${INFRA}/same-namespace`,
    requests: [
      ['GET http://example.com/', [], V1],
      ['GET http://example.com/example', [], V1],
      ['GET http://example.com/', ['version: one'], V1],
      ['GET http://example.com/v2', [], V2],
      ['GET http://example.com/v2/example', [], V2],
      ['GET http://example.com/', ['version: two'], V2],
      ['GET http://example.com/v2example', [], V1],
      ['GET http://example.com/foo/v2/example', [], V1],
    ],
  },
  {
    title: 'HTTPRouteMatchingAcrossRoutes: two routes on one hostname form one precedence table',
    file: 'httproute-matching-across-routes.yaml',
    gateway: `${INFRA}/same-namespace`,
    requests: [
      ['GET http://example.com/', [], V1],
      ['GET http://example.com/example', [], V1],
      ['GET http://example.net/example', [], V1],
      ['GET http://example.com/', ['version: one'], V1],
      ['GET http://example.com/v2', [], V2],
      ['GET http://example.com/v2/example', [], V2],
      ['GET http://example.com/', ['version: two'], V2],
      ['GET http://example.com/v2example', [], V1],
      ['GET http://example.com/foo/v2/example', [], V1],
      ['GET http://example.net/v2', [], V1],
      ['GET http://example.net/', ['version: two'], V1],
      ['GET http://example.org/', [], '404'],
    ],
  },
  {
    title: 'HTTPRoutePathMatchOrder: Exact beats PathPrefix and longer prefixes win, whatever the rule order',
    file: 'httproute-path-match-order.yaml',
    gateway: `${INFRA}/same-namespace`,
    requests: [
      ['GET http://example.com/match/exact/one', [], V3],
      ['GET http://example.com/match/exact', [], V2],
      ['GET http://example.com/match', [], V1],
      ['GET http://example.com/match/prefix/one/any', [], V2],
      ['GET http://example.com/match/prefix/any', [], V1],
      ['GET http://example.com/match/any', [], V3],
      ['GET http://example.com/match/', [], V3],
      ['GET http://example.com/matches', [], '404'],
    ],
  },
  {
    title: 'HTTPRouteExactPathMatching: an Exact path matches only itself',
    file: 'httproute-exact-path-matching.yaml',
    gateway: `${INFRA}/same-namespace`,
    requests: [
      ['GET http://example.com/one', [], V1],
      ['GET http://example.com/two', [], V2],
      ['GET http://example.com/', [], '404'],
      ['GET http://example.com/one/example', [], '404'],
      ['GET http://example.com/one/', [], '404'],
      ['GET http://example.com/One', [], '404'],
      ['GET http://example.com/onetwo', [], '404'],
    ],
  },
  {
    title: 'HTTPRouteHeaderMatching: names compare case-insensitively, values exactly, several headers are ANDed',
    file: 'httproute-header-matching.yaml',
    gateway: `${INFRA}/same-namespace`,
    requests: [
      ['GET http://example.com/', ['version: one'], V1],
      ['GET http://example.com/', ['Version: one'], V1],
      ['GET http://example.com/', ['version: two'], V2],
      ['GET http://example.com/', ['version: two', 'color: orange'], V1],
      ['GET http://example.com/', ['Color: orange', 'VERSION: two'], V1],
      ['GET http://example.com/', ['color: blue'], V1],
      ['GET http://example.com/', ['color: green'], V1],
      ['GET http://example.com/', ['color: red'], V2],
      ['GET http://example.com/', ['color: yellow'], V2],
      ['GET http://example.com/', ['version: two', 'color: blue'], V2],
      ['GET http://example.com/', ['version: one', 'color: red'], V1],
      ['GET http://example.com/', [], '404'],
      ['GET http://example.com/', ['version: ONE'], '404'],
      ['GET http://example.com/', ['version: three'], '404'],
      ['GET http://example.com/', ['color: purple'], '404'],
    ],
  },
  {
    title: 'HTTPRouteQueryParamMatching: names and values compare exactly, alone and with paths and headers',
    file: 'httproute-query-param-matching.yaml',
    gateway: `${INFRA}/same-namespace`,
    requests: [
      ['GET http://example.com/?animal=whale', [], V1],
      ['GET http://example.com/?animal=dolphin', [], V2],
      ['GET http://example.com/?animal=dolphin&color=blue', [], V3],
      ['GET http://example.com/?color=blue&animal=dolphin', [], V3],
      ['GET http://example.com/?ANIMAL=Whale', [], V3],
      ['GET http://example.com/?animal=whale&otherparam=irrelevant', [], V1],
      ['GET http://example.com/?animal=dolphin&color=yellow', [], V2],
      ['GET http://example.com/path1?animal=whale', [], V1],
      ['GET http://example.com/?animal=whale', ['version: one'], V2],
      ['GET http://example.com/path2?animal=whale', ['version: two'], V3],
      ['GET http://example.com/path3?animal=shark', [], V1],
      ['GET http://example.com/path4?animal=kraken', ['version: three'], V1],
      ['GET http://example.com/path5?animal=hydra', ['version: four'], V1],
      ['GET http://example.com/?animal=hydra', ['version: four'], V3],
      ['GET http://example.com/?animal=hydra', [], V2],
      ['GET http://example.com/', [], '404'],
      ['GET http://example.com/?animal=wolf', [], '404'],
      ['GET http://example.com/?ANIMAL=whale', [], '404'],
      ['GET http://example.com/path4?animal=kraken', [], '404'],
    ],
  },
  {
    title: 'HTTPRouteMethodMatching: a method match outranks header matches but not a longer path',
    file: 'httproute-method-matching.yaml',
    gateway: `${INFRA}/same-namespace`,
    requests: [
      ['POST http://example.com/', [], V1],
      ['GET http://example.com/', [], V2],
      ['GET http://example.com/path1', [], V1],
      ['PUT http://example.com/', ['version: one'], V2],
      ['POST http://example.com/path2', ['version: two'], V3],
      ['PATCH http://example.com/path3', [], V1],
      ['DELETE http://example.com/path4', ['version: three'], V1],
      ['PATCH http://example.com/path5', [], V1],
      ['PATCH http://example.com/', ['version: four'], V2],
      ['GET http://example.com/', ['version: four'], V2],
      ['DELETE http://example.com/', ['version: four'], V3],
      ['PUT http://example.com/', [], '404'],
      ['HEAD http://example.com/', [], '404'],
      ['DELETE http://example.com/path4', [], '404'],
    ],
  },
  {
    title: 'HTTPRouteListenerHostnameMatching: the most specific listener serves the host',
    file: 'httproute-listener-hostname-matching.yaml',
    gateway: `${INFRA}/httproute-listener-hostname-matching`,
    requests: [
      ['GET http://bar.com/', [], V1],
      ['GET http://foo.bar.com/', [], V2],
      ['GET http://baz.bar.com/', [], V3],
      ['GET http://boo.bar.com/', [], V3],
      ['GET http://multiple.prefixes.bar.com/', [], V3],
      ['GET http://multiple.prefixes.foo.com/', [], V3],
      ['GET http://foo.com/', [], '404'],
      ['GET http://no.matching.host/', [], '404'],
    ],
  },
  {
    title: 'HTTPRouteHostnameIntersection: routes serve only the hostnames they share with the listener',
    file: 'httproute-hostname-intersection.yaml',
    gateway: `${INFRA}/httproute-hostname-intersection`,
    requests: [
      ['GET http://very.specific.com/s1', [], V1],
      ['GET http://non.matching.com/s1', [], '404'],
      ['GET http://foo.nonmatchingwildcard.io/s1', [], '404'],
      ['GET http://foo.wildcard.io/s2', [], V2],
      ['GET http://bar.wildcard.io/s2', [], V2],
      ['GET http://foo.bar.wildcard.io/s2', [], V2],
      ['GET http://non.matching.com/s2', [], '404'],
      ['GET http://wildcard.io/s2', [], '404'],
      ['GET http://baz.wildcard.io/s2', [], '404'],
      ['GET http://very.specific.com/s3', [], V3],
      ['GET http://non.matching.com/s3', [], '404'],
      ['GET http://foo.specific.com/s3', [], '404'],
      ['GET http://foo.anotherwildcard.io/s4', [], V1],
      ['GET http://bar.anotherwildcard.io/s4', [], V1],
      ['GET http://foo.bar.anotherwildcard.io/s4', [], V1],
      ['GET http://anotherwildcard.io/s4', [], '404'],
      ['GET http://specific.but.wrong.com/s5', [], '404'],
      ['GET http://wildcard.io/s5', [], '404'],
      ['GET http://very.specific.com/s5', [], '404'],
    ],
  },
  {
    title: 'HTTPRouteHostnameIntersection: a listener without hostname serves every hostname of its route',
    file: 'httproute-hostname-intersection.yaml',
    gateway: `${INFRA}/httproute-hostname-intersection-all`,
    requests: [
      ['GET http://first.com/', [], V2],
      ['GET http://sub.first.com/', [], V2],
      ['GET http://second.com/', [], V2],
      ['GET http://sub.second.com/', [], V2],
      ['GET http://third.com/', [], '404'],
      ['GET http://other.first.com/', [], '404'],
    ],
  },
  {
    title: 'GatewayHTTPListenerIsolation: only the routes of the most specific listener serve a request',
    file: 'gateway-http-listener-isolation.yaml',
    gateway: `${INFRA}/http-listener-isolation`,
    requests: [
      ['GET http://bar.com/empty-hostname', [], V1],
      ['GET http://bar.com/wildcard-example-com', [], '404'],
      ['GET http://bar.com/wildcard-foo-example-com', [], '404'],
      ['GET http://bar.com/abc-foo-example-com', [], '404'],
      ['GET http://bar.example.com/wildcard-example-com', [], V1],
      ['GET http://bar.example.com/empty-hostname', [], '404'],
      ['GET http://bar.example.com/wildcard-foo-example-com', [], '404'],
      ['GET http://bar.example.com/abc-foo-example-com', [], '404'],
      ['GET http://bar.foo.example.com/wildcard-foo-example-com', [], V1],
      ['GET http://bar.foo.example.com/wildcard-example-com', [], '404'],
      ['GET http://bar.foo.example.com/empty-hostname', [], '404'],
      ['GET http://abc.foo.example.com/abc-foo-example-com', [], V1],
      ['GET http://abc.foo.example.com/wildcard-foo-example-com', [], '404'],
      ['GET http://abc.foo.example.com/empty-hostname', [], '404'],
      ['GET http://example.com/empty-hostname', [], V1],
    ],
  },
];

describe.each(scenarios)('$title', ({ file, gateway, requests }) => {
  const table = tableOf(conformanceWorld(file));
  const named = requests.map(([line, headers, expected]) => {
    const described = `${line}${headers.length > 0 ? ` with ${headers.join(', ')}` : ''}`;
    return [expected === '404' ? `answers 404 to ${described}` : `sends ${described} to ${expected}`, line, headers, expected] as const;
  });
  test.each(named)('%s', (_name, line, headers, expected) => {
    expect(backendOf(portOf(table, gateway, 80).match(request(line, ...headers)))).toBe(expected);
  });
});
