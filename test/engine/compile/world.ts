/**
 * Manifests → translate → compile, and requests written as `GET http://host/path?q` with
 * headers, for the route table tests.
 */
import { parseAllDocuments } from 'yaml';
import { compile, describedRequest, HttpMatchResult, HttpPortTable, RouteTable } from '../../../src/engine/compile';
import { translate } from '../../../src/engine/translate';
import { KubeObject } from '../../../src/engine/types';
import { CONTROLLER_NAME } from '../translate/world';

export function tableOf(objects: KubeObject[]): RouteTable {
  return compile(translate(objects, { controllerName: CONTROLLER_NAME }).gateways);
}

export function portOf(table: RouteTable, gateway: string, port: number): HttpPortTable {
  const found = table.gateways.get(gateway)?.httpPorts.get(port);
  if (!found) throw new Error(`Gateway ${gateway} serves no HTTP port ${port}`);
  return found;
}

/** `METHOD URL` plus `name: value` headers. */
export function request(line: string, ...headers: string[]) {
  const [method, url] = line.split(' ');
  return describedRequest({
    method,
    url,
    headers: headers.map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()] as const),
  });
}

/** The first backend of the winning rule, or 404. */
export function backendOf(result: HttpMatchResult | undefined): string {
  return result ? result.rule.backends[0]?.name ?? '(no backend)' : '404';
}

/** `route#rule.match` of the winner, or 404. */
export function winnerOf(result: HttpMatchResult | undefined): string {
  return result ? `${result.route.name}#${result.rule.index}.${result.rule.matches.indexOf(result.match)}` : '404';
}

const PREAMBLE = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: test}
spec: {controllerName: ${CONTROLLER_NAME}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: test
  listeners:
  - {name: http, port: 80, protocol: HTTP}
`;

/** A GatewayClass of ours and Gateway default/gw with one HTTP listener on port 80, then the given YAML. */
export function withGateway(yaml: string): KubeObject[] {
  return parseAllDocuments(`${PREAMBLE}---\n${yaml}`).map((d) => d.toJS() as KubeObject).filter((o) => o !== null);
}
