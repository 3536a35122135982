/**
 * Resolving a route's backendRef (or a mirror's backendRef) to a Service port. Checks run in the
 * order a controller must apply them: kind, then permission (so that a reference that is not
 * permitted does not learn whether its target exists), then existence, port and protocol.
 */
import { GATEWAY_GROUP, KubeObject } from '../types';
import { withBackendTls } from './backend-tls-policy';
import { Issue } from './finding';
import { BackendIR } from './ir';
import { grantHint, isReferencePermitted } from './reference-grant';
import { namespaceOf, RouteKind, Snapshot } from './snapshot';

/**
 * Service appProtocols (compared case-insensitively) each route kind can speak to a backend.
 * Stream routes forward bytes whatever the backend speaks, so they have no list.
 */
const APP_PROTOCOLS: Partial<Record<RouteKind, readonly string[]>> = {
  HTTPRoute: ['http', 'https', 'kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss'],
  GRPCRoute: ['grpc', 'grpcs', 'http2', 'https', 'kubernetes.io/h2c'],
};

export interface BackendResolution {
  readonly backend: BackendIR;
  /**
   * Set exactly when the reference does not resolve. A resolved backend may still be invalid
   * because the BackendTLSPolicy for it cannot be honoured; that is reported on the policy.
   */
  readonly issue?: Issue;
}

export function resolveBackendRef(
  snapshot: Snapshot, route: KubeObject, ref: any, path: string, defaultWeight: number,
): BackendResolution {
  const routeNamespace = namespaceOf(route)!;
  const group: string = ref?.group ?? '';
  const kind: string = ref?.kind ?? 'Service';
  const name: string = ref?.name ?? '';
  const namespace: string = ref?.namespace ?? routeNamespace;
  const port: number | undefined = typeof ref?.port === 'number' ? ref.port : undefined;
  const weight: number = typeof ref?.weight === 'number' ? ref.weight : defaultWeight;
  const base: BackendIR = { group, kind, namespace, name, port, weight, filters: [] };
  const invalid = (reason: string, message: string, hint: string, premise?: Issue['premise']): BackendResolution => ({
    backend: { ...base, invalid: { reason, message } },
    issue: { path, reason, message, hint, premise },
  });

  if (group !== '' || kind !== 'Service') {
    return invalid('InvalidKind', `backend ${group ? `${group}/` : ''}${kind} ${name} is not a supported kind`,
      'reference a Service (group "", kind Service)',
      group !== '' ? { implementationSpecific: true } : undefined);
  }
  const from = { group: GATEWAY_GROUP, kind: route.kind, namespace: routeNamespace };
  const to = { group: '', kind: 'Service', namespace, name };
  if (!isReferencePermitted(snapshot, from, to)) {
    return invalid('RefNotPermitted',
      `reference to Service ${namespace}/${name} is not permitted by any ReferenceGrant in namespace ${namespace}`,
      grantHint(from, to), { missingGrantIn: namespace });
  }
  const service = snapshot.find('Service', namespace, name);
  if (!service) {
    return invalid('BackendNotFound', `Service ${namespace}/${name} not found`,
      `create Service ${namespace}/${name}, or fix the backendRef's name and namespace`,
      { missingObject: { kind: 'Service', namespace, name } });
  }
  if (service.spec?.type === 'ExternalName') {
    if (port === undefined) {
      return invalid('BackendNotFound', `backendRef to Service ${namespace}/${name} has no port`, 'set the backendRef\'s port');
    }
    return { backend: withBackendTls(snapshot, route.kind, { ...base, externalName: String(service.spec.externalName ?? '') }) };
  }
  const ports: any[] = Array.isArray(service.spec?.ports) ? service.spec.ports : [];
  const servicePort = ports.find((p) => p?.port === port);
  if (!servicePort) {
    const known = ports.map((p) => p?.port).join(', ');
    return invalid('BackendNotFound',
      port === undefined
        ? `backendRef to Service ${namespace}/${name} has no port`
        : `Service ${namespace}/${name} has no port ${port}`,
      known ? `set the backendRef's port to one of the Service's ports: ${known}` : `add port ${port} to Service ${namespace}/${name}`);
  }
  const appProtocol: string | undefined = servicePort.appProtocol;
  const speakable = APP_PROTOCOLS[route.kind as RouteKind];
  if (appProtocol !== undefined && speakable && !speakable.includes(appProtocol.toLowerCase())) {
    return invalid('UnsupportedProtocol',
      `Service ${namespace}/${name} port ${port} has appProtocol ${appProtocol}, which a ${route.kind} cannot use`,
      `use a Service port with appProtocol ${speakable.join(', ')} or none`,
      { implementationSpecific: true });
  }
  return {
    backend: withBackendTls(snapshot, route.kind, {
      ...base,
      appProtocol,
      portName: servicePort.name,
      targetPort: servicePort.targetPort ?? port,
    }),
  };
}
