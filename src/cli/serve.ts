/**
 * `cdk8s-gateway serve`: the data plane for the Gateways in a set of manifests, without a
 * cluster. The options are the CLI contract in ARCHITECTURE.md; the conformance harness
 * depends on them exactly.
 */
import * as path from 'path';
import { lastValue, OptionSpec, parseArgs, UsageError } from './args';
import { CliIo } from './io';
import { untilSignalled } from '../runtime/process';
import { DEFAULT_CLIENT_TIMEOUTS } from '../runtime/proxy/server';
import { startServe } from '../runtime/serve';
import { runPrimary, runWorker, workerSlot } from '../runtime/workers';

export const SERVE_USAGE = `Usage: cdk8s-gateway serve <file|dir>... [options]

Serves the HTTP and HTTPS listeners of every Gateway of our GatewayClasses found in the
manifests. Services resolve through the EndpointSlices in the same files. Files are watched
and changes applied without dropping connections.

Options:
  --controller-name NAME   serve only GatewayClasses with this controllerName (default: all)
  --gateway NS/NAME        serve only this Gateway (repeatable)
  --listen-offset N        a listener on port P binds port P+N (default: 0)
  --bind ADDR              address to bind listeners and the admin port to (default: 0.0.0.0)
  --admin-port N           /healthz, /readyz, /metrics (default: 9901; 0 picks a free port)
  --drain-timeout MS       on SIGTERM, how long in-flight requests may take (default: 10000)
  --header-timeout MS      how long a client may take to send a request head or finish a TLS
                           handshake before it is answered 408 or cut (default: 10000)
  --idle-timeout MS        keep-alive connections and HTTP/2 sessions idle this long are
                           closed (default: 60000)
  --workers N              serve from N processes (default: 1). With N > 1 a primary process
                           hands connections out to the workers, restarts any that dies, and
                           serves the admin port itself: /readyz is ready when every worker has
                           a live configuration, /metrics labels each series with worker="1".."N".
                           Each worker watches the files; SIGTERM drains them all.
  -h, --help               show this help

Exit status: 0 after SIGTERM/SIGINT and draining, 2 on usage errors and unreadable paths.
`;

const OPTIONS: OptionSpec[] = [
  { name: 'controller-name', takesValue: true },
  { name: 'gateway', takesValue: true },
  { name: 'listen-offset', takesValue: true },
  { name: 'bind', takesValue: true },
  { name: 'admin-port', takesValue: true },
  { name: 'drain-timeout', takesValue: true },
  { name: 'header-timeout', takesValue: true },
  { name: 'idle-timeout', takesValue: true },
  { name: 'workers', takesValue: true },
  { name: 'help', short: 'h', takesValue: false },
];

const DEFAULT_ADMIN_PORT = 9901;
/** An hour: longer bounds than that are a mistake, not a policy. */
const MAX_TIMEOUT_MS = 3_600_000;
const MAX_WORKERS = 256;

export async function serveCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.has('help')) {
    io.stdout.write(SERVE_USAGE);
    return 0;
  }
  if (args.positionals.length === 0) throw new UsageError('serve needs at least one file or folder');
  const gateways = args.options.get('gateway') ?? [];
  for (const g of gateways) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(g)) throw new UsageError(`--gateway must be NAMESPACE/NAME (got '${g}')`);
  }
  const bind = lastValue(args, 'bind') ?? '0.0.0.0';
  const adminPort = integer(args, 'admin-port', DEFAULT_ADMIN_PORT, 0);
  const drainMs = integer(args, 'drain-timeout', 10_000, 0);
  const workers = integer(args, 'workers', 1, 1, MAX_WORKERS);
  const settings = {
    paths: args.positionals,
    cwd: io.cwd,
    controllerName: lastValue(args, 'controller-name'),
    gateways,
    listenOffset: integer(args, 'listen-offset', 0, -65535),
    bind,
    timeouts: {
      headersMs: integer(args, 'header-timeout', DEFAULT_CLIENT_TIMEOUTS.headersMs, 1, MAX_TIMEOUT_MS),
      idleMs: integer(args, 'idle-timeout', DEFAULT_CLIENT_TIMEOUTS.idleMs, 1, MAX_TIMEOUT_MS),
    },
  };
  const slot = workerSlot();
  if (slot === undefined && workers > 1) {
    const log = (line: string) => io.stderr.write(`${line}\n`);
    // The installed command, not process.argv[1]: serve may run inside another program, such as a test runner.
    const exec = path.join(__dirname, '..', '..', 'bin', 'cdk8s-gateway');
    await runPrimary({ workers, exec, args: ['serve', ...argv], cwd: io.cwd, bind, adminPort, drainMs, log });
    return 0;
  }
  const prefix = slot === undefined ? '' : `[worker ${slot}] `;
  const log = (line: string) => io.stderr.write(`${prefix}${line}\n`);
  const handle = await startServe({ ...settings, admin: slot === undefined, adminPort, log });
  const ports = [...handle.ports().keys()];
  const listening = `serve: listening on ${ports.length > 0 ? ports.join(', ') : 'no port'}`;
  if (slot !== undefined) {
    log(listening);
    await runWorker(handle, drainMs, log);
    return 0;
  }
  log(`${listening}; admin on port ${handle.adminPort}`);
  await untilSignalled(handle, drainMs, log);
  return 0;
}

function integer(args: ReturnType<typeof parseArgs>, name: string, fallback: number, min: number, max = 65535): number {
  const value = lastValue(args, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got '${value}')`);
  }
  return Number(value);
}
