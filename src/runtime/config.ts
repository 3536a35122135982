/**
 * A snapshot of objects → what the data plane serves: the engine's route table, the ready
 * endpoints, and one binding per address:port. Pure apart from building TLS contexts, so a
 * snapshot that cannot be used leaves the previous config live.
 */
import { EndpointIndex } from './endpoints';
import { certificatesOf, startCertificateGeneration, TlsCertificates } from './tls';
import { checkObject } from '../engine/check';
import { compile } from '../engine/compile';
import { HttpPortTable, RouteTable } from '../engine/compile/types';
import { translate } from '../engine/translate';
import { KubeObject } from '../engine/types';

export interface ConfigOptions {
  readonly controllerName?: string;
  /** `namespace/name` of the Gateways to serve; empty serves all of ours. */
  readonly gateways: readonly string[];
  readonly bind: string;
  readonly listenOffset: number;
}

export interface Binding {
  /** `address:port` actually bound. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly declaredPort: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** `namespace/name` of the Gateway served here. */
  readonly gateway: string;
  readonly table: HttpPortTable;
  readonly tls?: TlsCertificates;
}

export interface DataPlaneConfig {
  readonly table: RouteTable;
  readonly endpoints: EndpointIndex;
  readonly bindings: Binding[];
  /** Human-readable problems that do not stop serving (conflicts, Gateways asked for but absent). */
  readonly warnings: string[];
}

/**
 * Per-object checks by object identity: the file source hands back the same instances for
 * unchanged files, so a reload re-checks only what changed.
 */
const checkedObjects = new WeakMap<KubeObject, ReturnType<typeof checkObject>>();

export function buildConfig(objects: readonly KubeObject[], options: ConfigOptions): DataPlaneConfig {
  const warnings: string[] = [];
  // As in a cluster: an object the API server would refuse never exists, so it is not served;
  // the rest are stored with their defaults, which translate expects.
  const stored: KubeObject[] = [];
  for (const input of objects) {
    let checked = checkedObjects.get(input);
    if (!checked) {
      checked = checkObject(input);
      checkedObjects.set(input, checked);
    }
    if (checked.violations.length === 0) {
      stored.push(checked.object);
    } else {
      const v = checked.violations[0];
      const more = checked.violations.length > 1 ? ` (and ${checked.violations.length - 1} more)` : '';
      warnings.push(`${v.kind} ${v.namespace ? `${v.namespace}/` : ''}${v.name} is not served, the API server would refuse it: ${v.path ? `${v.path}: ` : ''}${v.message}${more}`);
    }
  }
  const translation = translate(stored, { controllerName: options.controllerName });
  const wanted = new Set(options.gateways);
  const gateways = wanted.size === 0
    ? translation.gateways
    : translation.gateways.filter(g => wanted.has(`${g.namespace}/${g.name}`));
  for (const name of wanted) {
    if (!gateways.some(g => `${g.namespace}/${g.name}` === name)) warnings.push(`Gateway ${name} is not in the input or not of our GatewayClass`);
  }
  const table = compile(gateways);
  startCertificateGeneration();
  const bindings: Binding[] = [];
  const owners = new Map<string, string>();
  for (const [gatewayKey, compiled] of table.gateways) {
    for (const [port, portTable] of compiled.httpPorts) {
      const actual = port + options.listenOffset;
      const key = `${options.bind}:${actual}`;
      const owner = owners.get(key);
      if (owner !== undefined) {
        warnings.push(`conflict: Gateways ${owner} and ${gatewayKey} both bind ${key} (listener port ${port}); serving ${owner} only`);
        continue;
      }
      owners.set(key, gatewayKey);
      bindings.push({
        key,
        address: options.bind,
        port: actual,
        declaredPort: port,
        protocol: portTable.protocol,
        gateway: gatewayKey,
        table: portTable,
        ...(portTable.protocol === 'HTTPS' ? { tls: certificatesOf(portTable.listeners) } : {}),
      });
    }
  }
  return { table, endpoints: new EndpointIndex(stored), bindings, warnings };
}
