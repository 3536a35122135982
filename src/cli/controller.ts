/**
 * `cdk8s-gateway controller`: `serve` inside a cluster. Objects come from the API (informers)
 * instead of files, and the leader of a Lease writes the `.status` the engine produces.
 * A proxy replica runs it with `--gateway NS/NAME --no-status`; the status Deployment with
 * `--no-serve`; a small setup runs one process doing both.
 */
import * as os from 'os';
import { lastValue, OptionSpec, parseArgs, ParsedArgs, UsageError } from './args';
import { CliIo } from './io';
import { DEFAULT_CONTROLLER_NAME } from '../engine/constants';
import { KubeApi } from '../runtime/kube-client';
import { LeaderElector } from '../runtime/leader';
import { renderControllerMetrics } from '../runtime/metrics';
import { untilSignalled } from '../runtime/process';
import { startServe } from '../runtime/serve';
import { KubernetesSource } from '../runtime/source/kubernetes';
import { StatusWriter } from '../runtime/status-writer';

export const CONTROLLER_USAGE = `Usage: cdk8s-gateway controller [options]

Serves the Gateways of our GatewayClasses from the objects in the cluster, and writes their
status (and their routes' and policies') while holding a Lease, so that of several replicas one
writes. Uses the in-cluster configuration when no kubeconfig is given and KUBERNETES_SERVICE_HOST
is set, else the default kubeconfig (KUBECONFIG, ~/.kube/config).

Options:
  --kubeconfig FILE          kubeconfig to use
  --controller-name NAME     serve GatewayClasses with this controllerName (default: ${DEFAULT_CONTROLLER_NAME})
  --gateway NS/NAME          serve only this Gateway (repeatable; status is still written for all)
  --listen-offset N          a listener on port P binds port P+N (default: 0)
  --bind ADDR                address to bind listeners and the admin port to (default: 0.0.0.0)
  --admin-port N             /healthz, /readyz, /metrics (default: 9901; 0 picks a free port)
  --no-serve                 bind no listeners: only write status
  --no-status                write no status and join no election: only serve
  --identity ID              this replica in the Lease (default: POD_NAME, else hostname-pid)
  --lease-namespace NS       namespace of the Lease (default: POD_NAMESPACE, else default)
  --lease-name NAME          name of the Lease (default: derived from the controller name)
  --lease-duration S         seconds a Lease lasts without renewal (default: 15)
  --renew-interval MS        how often the leader renews (default: 2000)
  --drain-timeout MS         on SIGTERM, how long in-flight requests may take (default: 10000)
  -h, --help                 show this help

/readyz answers 200 once every watched kind has been listed and the result is live.
Exit status: 0 after SIGTERM/SIGINT (the Lease released, requests drained), 2 on usage errors.
`;

const OPTIONS: OptionSpec[] = [
  { name: 'kubeconfig', takesValue: true },
  { name: 'controller-name', takesValue: true },
  { name: 'gateway', takesValue: true },
  { name: 'listen-offset', takesValue: true },
  { name: 'bind', takesValue: true },
  { name: 'admin-port', takesValue: true },
  { name: 'no-serve', takesValue: false },
  { name: 'no-status', takesValue: false },
  { name: 'identity', takesValue: true },
  { name: 'lease-namespace', takesValue: true },
  { name: 'lease-name', takesValue: true },
  { name: 'lease-duration', takesValue: true },
  { name: 'renew-interval', takesValue: true },
  { name: 'drain-timeout', takesValue: true },
  { name: 'help', short: 'h', takesValue: false },
];

/** A Lease name from a controller name (`gateway.cdk8s.io/controller` → `gateway.cdk8s.io-controller`): a DNS subdomain. */
export function leaseNameOf(controllerName: string): string {
  const name = controllerName.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return (name || 'cdk8s-gateway').slice(0, 253);
}

export async function controllerCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.has('help')) {
    io.stdout.write(CONTROLLER_USAGE);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const serveTraffic = !args.options.has('no-serve');
  const writeStatus = !args.options.has('no-status');
  if (!serveTraffic && !writeStatus) throw new UsageError('--no-serve and --no-status leave nothing to do');
  const gateways = args.options.get('gateway') ?? [];
  for (const g of gateways) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(g)) throw new UsageError(`--gateway must be NAMESPACE/NAME (got '${g}')`);
  }
  const controllerName = lastValue(args, 'controller-name') ?? DEFAULT_CONTROLLER_NAME;
  const bind = lastValue(args, 'bind') ?? '0.0.0.0';
  const adminPort = integer(args, 'admin-port', 9901, 0, 65535);
  const listenOffset = integer(args, 'listen-offset', 0, -65535, 65535);
  const drainMs = integer(args, 'drain-timeout', 10_000, 0, 3_600_000);
  const durationSeconds = integer(args, 'lease-duration', 15, 1, 3600);
  const renewMs = integer(args, 'renew-interval', 2000, 10, 3_600_000);
  if (renewMs >= durationSeconds * 1000) throw new UsageError('--renew-interval must be shorter than --lease-duration');
  const identity = lastValue(args, 'identity') ?? process.env.POD_NAME ?? `${os.hostname()}-${process.pid}`;
  const leaseNamespace = lastValue(args, 'lease-namespace') ?? process.env.POD_NAMESPACE ?? 'default';
  const leaseName = lastValue(args, 'lease-name') ?? leaseNameOf(controllerName);
  const log = (line: string) => io.stderr.write(`${line}\n`);

  const api = await KubeApi.connect(lastValue(args, 'kubeconfig'));
  const writes = new Map<string, number>();
  // Declared before the source, which calls it when a status it did not write appears.
  let writer: StatusWriter | undefined;
  // A proxy that serves some Gateways and writes no status reads only their Secrets.
  const source = new KubernetesSource({
    api, log, onStatusChange: () => writer?.resync(), gateways: gateways.length > 0 && !writeStatus ? gateways : undefined,
  });
  writer = writeStatus ? new StatusWriter({
    api,
    controllerName,
    lookup: (key) => source.lookup(key),
    log,
    counted: (outcome) => writes.set(outcome, (writes.get(outcome) ?? 0) + 1),
    // A status-only replica learns whether a Gateway is served from its proxy's Service.
    proxies: serveTraffic ? undefined : source,
  }) : undefined;
  const elector = writer ? new LeaderElector({
    api,
    namespace: leaseNamespace,
    name: leaseName,
    identity,
    durationSeconds,
    renewMs,
    log,
    onChange: (leading) => writer?.setActive(leading),
  }) : undefined;
  // Campaign while the informers list: a new leader then writes as soon as the first config is built.
  elector?.start();

  const handle = await startServe({
    source,
    listeners: serveTraffic,
    controllerName,
    gateways,
    listenOffset,
    bind,
    adminPort,
    log,
    onConfig: (config) => writer?.sync(config.statuses),
    extraMetrics: () => renderControllerMetrics(elector?.isLeader, writes, source.health()),
  });
  const ports = [...handle.ports().keys()];
  log(`controller: ${serveTraffic ? `listening on ${ports.length > 0 ? ports.join(', ') : 'no port'}` : 'serving no traffic'}; `
    + `${writeStatus ? `status by the leader of lease ${leaseNamespace}/${leaseName} as ${identity}` : 'writing no status'}; admin on port ${handle.adminPort}`);
  await untilSignalled({
    ...handle,
    // Give up the Lease first, so a standby takes over while this one drains.
    close: async (ms) => {
      await writer?.close();
      await elector?.stop();
      await handle.close(ms);
    },
  }, drainMs, log);
  return 0;
}

function integer(args: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const value = lastValue(args, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got '${value}')`);
  }
  return Number(value);
}
