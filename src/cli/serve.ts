/**
 * `cdk8s-gateway serve`: the data plane for the Gateways in a set of manifests, without a
 * cluster. The options are the CLI contract in ARCHITECTURE.md; the conformance harness
 * depends on them exactly.
 */
import { lastValue, OptionSpec, parseArgs, UsageError } from './args';
import { CliIo } from './io';
import { untilSignalled } from '../runtime/process';
import { startServe } from '../runtime/serve';

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
  { name: 'help', short: 'h', takesValue: false },
];

const DEFAULT_ADMIN_PORT = 9901;

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
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const handle = await startServe({
    paths: args.positionals,
    cwd: io.cwd,
    controllerName: lastValue(args, 'controller-name'),
    gateways,
    listenOffset: integer(args, 'listen-offset', 0, -65535),
    bind: lastValue(args, 'bind') ?? '0.0.0.0',
    adminPort: integer(args, 'admin-port', DEFAULT_ADMIN_PORT, 0),
    log,
  });
  const ports = [...handle.ports().keys()];
  log(`serve: listening on ${ports.length > 0 ? ports.join(', ') : 'no port'}; admin on port ${handle.adminPort}`);
  await untilSignalled(handle, integer(args, 'drain-timeout', 10_000, 0), log);
  return 0;
}

function integer(args: ReturnType<typeof parseArgs>, name: string, fallback: number, min: number): number {
  const value = lastValue(args, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > 65535) {
    throw new UsageError(`--${name} must be an integer from ${min} to 65535 (got '${value}')`);
  }
  return Number(value);
}
