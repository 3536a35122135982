/**
 * `cdk8s-gateway status`: the GatewayClasses, Gateways and routes of some manifests with the
 * `.status` this controller would write, so a pipeline can see what a cluster would report
 * before anything is applied.
 */
import { stringify } from 'yaml';
import { loadAccepted } from './accepted';
import { choice, lastValue, OptionSpec, parseArgs, UsageError } from './args';
import { CliIo } from './io';
import { DEFAULT_CONTROLLER_NAME } from '../engine/constants';
import { DEFAULT_TRANSITION_TIME, ObjectStatus, RouteStatus, translate } from '../engine/translate';
import { apiGroup, keyOf, ROUTE_KINDS } from '../engine/translate/snapshot';
import { GATEWAY_GROUP, KubeObject } from '../engine/types';

export const STATUS_USAGE = `Usage: cdk8s-gateway status <file|dir>... [options]

Prints the input's GatewayClasses, Gateways and routes as the API server stores them
(defaults applied) with the .status the controller writes: conditions with observedGeneration
(metadata.generation, 1 when absent), listener attachedRoutes, route parents with group and
kind. Routes without creationTimestamp are younger than any that has one and otherwise rank by
namespace/name. Objects the controller does not own keep the status they have in the input;
a route keeps the parent entries of other controllers. lastTransitionTime is always
${DEFAULT_TRANSITION_TIME}, so the output is reproducible.

Objects the API server would refuse (schema, CEL, metadata) are reported on stderr as by
'validate' and left out, as they would never be stored; the status of the others is printed.

Options:
  --controller-name NAME   the controller to answer as (default: ${DEFAULT_CONTROLLER_NAME})
  -o, --output yaml|json   multi-document YAML (default), or a JSON List
  -h, --help               show this help

Exit status: 0 when every object was read and stored, 1 when some were left out or files could
not be parsed (the others' status is still printed), 2 on usage errors and unreadable paths.
`;

const OPTIONS: OptionSpec[] = [
  { name: 'controller-name', takesValue: true },
  { name: 'output', short: 'o', takesValue: true },
  { name: 'help', short: 'h', takesValue: false },
];

const REPORTED_KINDS = new Set<string>(['GatewayClass', 'Gateway', 'ListenerSet', 'BackendTLSPolicy', ...ROUTE_KINDS]);

export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.has('help')) {
    io.stdout.write(STATUS_USAGE);
    return 0;
  }
  const output = choice(args, 'output', ['yaml', 'json'], 'yaml');
  const controllerName = lastValue(args, 'controller-name') ?? DEFAULT_CONTROLLER_NAME;
  if (args.positionals.length === 0) throw new UsageError('status needs at least one file or folder');

  const accepted = loadAccepted(args.positionals, io, controllerName);
  const stored = accepted.objects.map((o) => o.stored);
  const translation = translate(stored, { controllerName });

  // An object defined twice is stored once, as the later definition, like `kubectl apply` in order.
  const last = new Map<string, number>();
  stored.forEach((object, index) => last.set(keyOf(object), index));
  const items: KubeObject[] = [];
  accepted.objects.forEach(({ stored: object, input }, index) => {
    const key = keyOf(object);
    if (last.get(key) !== index || !REPORTED_KINDS.has(object.kind) || apiGroup(object.apiVersion) !== GATEWAY_GROUP) return;
    const status = statusOf(translation.statuses.get(key), input.object.status, controllerName);
    const { status: _dropped, ...rest } = object;
    items.push(status === undefined ? rest as KubeObject : { ...rest, status });
  });

  if (output === 'json') {
    io.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, undefined, 2)}\n`);
  } else {
    io.stdout.write(items.map((item) => stringify(item, { lineWidth: 0, version: '1.1' })).join('---\n'));
  }
  return accepted.refused ? 1 : 0;
}

/** Ours replaces the status; a route also keeps the parent entries other controllers wrote. */
function statusOf(ours: ObjectStatus | undefined, input: unknown, controllerName: string): unknown {
  if (ours === undefined) return input;
  if (!('parents' in ours.status)) return ours.status;
  const previous = (input as Partial<RouteStatus> | undefined)?.parents;
  const others = Array.isArray(previous) ? previous.filter((p) => p?.controllerName !== controllerName) : [];
  return { parents: [...others, ...(ours.status as RouteStatus).parents] };
}
