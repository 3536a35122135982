/**
 * Inputs and assertions shared by the translate tests: the upstream conformance manifests as
 * the suite applies them, small inline manifests, and readable condition expectations
 * (`'Accepted=False/NotAllowedByListeners'`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import {
  Condition, GatewayStatus, ListenerSetStatus, ListenerStatus, PolicyAncestorStatus, PolicyStatus, RouteParentStatus, RouteStatus, Translation,
} from '../../../src/engine/translate';
import { KubeObject, objectKey } from '../../../src/engine/types';
import { SHARED_DIR } from '../../util/shared';

export const CLASS_NAME = 'gateway-conformance';
export const CONTROLLER_NAME = 'cdk8s-gateway.test/translate';
export const INFRA = 'gateway-conformance-infra';
export const WEB = 'gateway-conformance-web-backend';
export const APP = 'gateway-conformance-app-backend';

const CONFORMANCE = path.join(SHARED_DIR, 'gateway-api', 'conformance');
const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'translate');

/** Parses YAML documents, flattening `kind: List`, with the suite's run-time substitutions. */
export function parseManifests(text: string): KubeObject[] {
  const substituted = text
    .replace(/\{GATEWAY_CLASS_NAME\}/g, CLASS_NAME)
    .replace(/\{GATEWAY_CONTROLLER_NAME\}/g, CONTROLLER_NAME)
    // The suite fills in one address the implementation can use and one it cannot; any IPs do offline.
    .replace(/PLACEHOLDER_USABLE_ADDRS/g, '192.0.2.10')
    .replace(/PLACEHOLDER_UNUSABLE_ADDRS/g, '192.0.2.20');
  return parseAllDocuments(substituted)
    .map((doc) => doc.toJS())
    .filter((obj): obj is KubeObject => obj !== null && typeof obj === 'object')
    .flatMap((obj) => (obj.kind === 'List' ? (obj.items as KubeObject[]) : [obj]));
}

/** base/manifests.yaml, the suite's run-time objects, then the named test manifests. */
export function conformanceWorld(...testFiles: string[]): KubeObject[] {
  return [
    ...parseManifests(fs.readFileSync(path.join(CONFORMANCE, 'base', 'manifests.yaml'), 'utf8')),
    ...parseManifests(fs.readFileSync(path.join(FIXTURES, 'conformance-runtime.yaml'), 'utf8')),
    ...testFiles.flatMap((file) => parseManifests(fs.readFileSync(path.join(CONFORMANCE, 'tests', file), 'utf8'))),
  ];
}

/** The runtime fixture alone: our GatewayClass, TLS Secrets and CA ConfigMaps. */
export function runtimeObjects(): KubeObject[] {
  return parseManifests(fs.readFileSync(path.join(FIXTURES, 'conformance-runtime.yaml'), 'utf8'));
}

export function gatewayStatusOf(t: Translation, namespace: string, name: string): GatewayStatus {
  const entry = t.statuses.get(objectKey('Gateway', namespace, name));
  if (!entry) throw new Error(`no status for Gateway ${namespace}/${name}`);
  return entry.status as GatewayStatus;
}

export function listenerStatusOf(t: Translation, namespace: string, gateway: string, listener: string): ListenerStatus {
  const found = gatewayStatusOf(t, namespace, gateway).listeners.find((l) => l.name === listener);
  if (!found) throw new Error(`no status for listener ${listener} of Gateway ${namespace}/${gateway}`);
  return found;
}

export function listenerSetStatusOf(t: Translation, namespace: string, name: string): ListenerSetStatus {
  const entry = t.statuses.get(objectKey('ListenerSet', namespace, name));
  if (!entry) throw new Error(`no status for ListenerSet ${namespace}/${name}`);
  return entry.status as ListenerSetStatus;
}

export function listenerSetListenerOf(t: Translation, namespace: string, set: string, listener: string): ListenerStatus {
  const found = listenerSetStatusOf(t, namespace, set).listeners?.find((l) => l.name === listener);
  if (!found) throw new Error(`no status for listener ${listener} of ListenerSet ${namespace}/${set}`);
  return found;
}

/** The ancestor entry of a BackendTLSPolicy for one Gateway. */
export function policyAncestorOf(t: Translation, namespace: string, name: string, gatewayNamespace: string, gateway: string): PolicyAncestorStatus {
  const entry = t.statuses.get(objectKey('BackendTLSPolicy', namespace, name));
  if (!entry) throw new Error(`no status for BackendTLSPolicy ${namespace}/${name}`);
  const found = (entry.status as PolicyStatus).ancestors.find((a) =>
    a.ancestorRef.namespace === gatewayNamespace && a.ancestorRef.name === gateway);
  if (!found) throw new Error(`BackendTLSPolicy ${namespace}/${name} has no ancestor ${gatewayNamespace}/${gateway}`);
  return found;
}

/** Parent entries of a route; `parent` is `gateway` or `gateway/sectionName`. */
export function parentStatusOf(t: Translation, kind: string, namespace: string, name: string, parent: string): RouteParentStatus {
  const entry = t.statuses.get(objectKey(kind, namespace, name));
  if (!entry) throw new Error(`no status for ${kind} ${namespace}/${name}`);
  const [gateway, section] = parent.split('/');
  const found = (entry.status as RouteStatus).parents.find((p) =>
    p.parentRef.name === gateway && (section === undefined || p.parentRef.sectionName === section));
  if (!found) throw new Error(`${kind} ${namespace}/${name} has no parent entry for ${parent}`);
  return found;
}

/** `Type=Status/Reason` (reason optional) for each condition, in the order given. */
export function conditionsOf(conditions: readonly Condition[], ...types: string[]): string[] {
  return types.map((type) => {
    const c = conditions.find((x) => x.type === type);
    return c ? `${type}=${c.status}/${c.reason}` : `${type} absent`;
  });
}

/** Checks `expected` entries (`Type=Status` or `Type=Status/Reason`) against the conditions. */
export function expectConditions(conditions: readonly Condition[], expected: readonly string[]): void {
  const actual = expected.map((e) => {
    const type = e.split('=')[0];
    const c = conditions.find((x) => x.type === type);
    if (!c) return `${type} absent`;
    return e.includes('/') ? `${type}=${c.status}/${c.reason}` : `${type}=${c.status}`;
  });
  expect(actual).toEqual(expected);
}

export function gatewayObject(namespace: string, name: string, listeners: unknown[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace },
    spec: { gatewayClassName: CLASS_NAME, listeners, ...extra },
  };
}

export function routeObject(
  kind: string, namespace: string, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name, namespace, ...metadata },
    spec,
  };
}

export function serviceObject(namespace: string, name: string, ports: unknown[] = [{ port: 8080 }], spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports, ...spec } };
}

export function namespaceObject(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function classObject(name = CLASS_NAME, controllerName = CONTROLLER_NAME, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name }, spec: { controllerName, ...spec } };
}

export function grantObject(namespace: string, name: string, from: unknown[], to: unknown[], apiVersion = 'gateway.networking.k8s.io/v1'): KubeObject {
  return { apiVersion, kind: 'ReferenceGrant', metadata: { name, namespace }, spec: { from, to } };
}
