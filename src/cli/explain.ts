/**
 * `cdk8s-gateway explain`: the path one request takes through the Gateways of some manifests
 * (listener, candidate rules in precedence order, the winner) and the answer it gets, computed
 * by the same compiled route table and filter functions the data plane runs.
 */
import { loadAccepted } from './accepted';
import { choice, lastValue, OptionSpec, parseArgs, UsageError } from './args';
import { CliIo } from './io';
import { compile, describedRequest, HttpPortTable, MatchTrace, ruleOutcome, RouteTable } from '../engine/compile';
import { DEFAULT_CONTROLLER_NAME } from '../engine/constants';
import { GatewayStatus, HttpMatchIR, translate, Translation } from '../engine/translate';
import { objectKey } from '../engine/types';

export const EXPLAIN_USAGE = `Usage: cdk8s-gateway explain <file|dir>... --url URL [options]

Tells which Gateway listener, route, rule and match a request would reach, and why: the
listener chosen for the host, each candidate rule tested in order of precedence and the
condition it failed on, then the answer: the backends with their weights, a redirect with its
status and Location, or the error (404 when nothing matches, 500 for a rule that cannot be
served). The URL's port is the listener's port (80 for http, 443 for https when absent).

Objects the API server would refuse are reported on stderr as by 'validate' and left out.

Options:
  --url URL                 the request, e.g. http://example.com/api?x=1 (required)
  --method M                request method (default: GET)
  --header 'NAME: VALUE'    a request header, repeatable; a Host header overrides the URL's host
  --listen-offset N         the URL's port is the listener port plus N, as for 'serve' (default: 0)
  --gateway NS/NAME         only this Gateway, repeatable (default: every Gateway on the port)
  --controller-name NAME    the controller to answer as (default: ${DEFAULT_CONTROLLER_NAME})
  -o, --output text|json    human-readable text (default), or JSON for tools
  -h, --help                show this help

Exit status: 0 when the request was explained, 1 when some input was left out (the request is
still explained with the rest), 2 on usage errors and unreadable paths.
`;

const OPTIONS: OptionSpec[] = [
  { name: 'url', takesValue: true },
  { name: 'method', takesValue: true },
  { name: 'header', takesValue: true },
  { name: 'listen-offset', takesValue: true },
  { name: 'gateway', takesValue: true },
  { name: 'controller-name', takesValue: true },
  { name: 'output', short: 'o', takesValue: true },
  { name: 'help', short: 'h', takesValue: false },
];

export interface ExplainedCandidate {
  readonly route: string;
  readonly rule: number;
  readonly ruleName?: string;
  readonly match: number;
  readonly path: string;
  /** The route hostname through which it serves the host; absent when the route serves any host. */
  readonly hostname?: string;
  /** `matched`, or why it did not. */
  readonly result: string;
}

export interface ExplainedBackend {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  readonly weight: number;
  /** Share of the rule's requests, 0 to 1. */
  readonly share: number;
  /** `Reason: message` when requests sent to it get 500. */
  readonly invalid?: string;
}

export interface ExplainedResponse {
  readonly action: 'forward' | 'redirect' | 'error';
  /** Absent when forwarded: the backend answers. */
  readonly status?: number;
  readonly location?: string;
  readonly reason?: string;
  readonly backends?: ExplainedBackend[];
}

export interface ExplainedGateway {
  readonly gateway: string;
  readonly port: number;
  readonly protocol: string;
  readonly listener?: { readonly name: string; readonly hostname?: string; readonly why: string };
  readonly candidates: ExplainedCandidate[];
  readonly route?: string;
  readonly rule?: number;
  readonly match?: number;
  readonly response: ExplainedResponse;
}

export interface Explanation {
  readonly request: { readonly method: string; readonly url: string; readonly host: string; readonly path: string; readonly port: number };
  readonly gateways: ExplainedGateway[];
  /** Listeners declared on the port that do not serve, with the condition that says why. */
  readonly notServing?: string[];
}

export async function explainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.has('help')) {
    io.stdout.write(EXPLAIN_USAGE);
    return 0;
  }
  const output = choice(args, 'output', ['text', 'json'], 'text');
  const controllerName = lastValue(args, 'controller-name') ?? DEFAULT_CONTROLLER_NAME;
  const url = lastValue(args, 'url');
  if (url === undefined) throw new UsageError('explain needs --url');
  if (args.positionals.length === 0) throw new UsageError('explain needs at least one file or folder');
  const offset = integerOption(lastValue(args, 'listen-offset') ?? '0', 'listen-offset');
  const headers = (args.options.get('header') ?? []).map(parseHeader);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be an absolute URL (got '${url}')`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url must use http or https (got '${url}')`);

  const accepted = loadAccepted(args.positionals, io, controllerName);
  const translation = translate(accepted.objects.map((o) => o.stored), { controllerName });
  const explained = explain(compile(translation.gateways), { method: lastValue(args, 'method') ?? 'GET', url, headers }, offset, args.options.get('gateway'));
  const notServing = listenersNotServing(translation, explained.request.port, args.options.get('gateway'));
  const explanation = notServing.length > 0 ? { ...explained, notServing } : explained;
  io.stdout.write(output === 'json' ? `${JSON.stringify(explanation, undefined, 2)}\n` : formatExplanation(explanation));
  return accepted.refused ? 1 : 0;
}

/** Why listeners declared on a port are not bound, from the conditions their status carries. */
function listenersNotServing(translation: Translation, port: number, gateways?: readonly string[]): string[] {
  const out: string[] = [];
  for (const g of translation.gateways) {
    const key = `${g.namespace}/${g.name}`;
    if (gateways !== undefined && !gateways.includes(key)) continue;
    const status = translation.statuses.get(objectKey('Gateway', g.namespace, g.name))?.status as GatewayStatus | undefined;
    for (const l of g.listeners) {
      if (l.port !== port || l.programmed) continue;
      const conditions = status?.listeners.find((s) => s.name === l.name)?.conditions ?? [];
      // The specific causes first; Programmed=False only repeats that the listener is unusable.
      const failing = (type: string, value: string) => conditions.find((c) => c.type === type && c.status === value);
      const why = failing('Accepted', 'False') ?? failing('ResolvedRefs', 'False') ?? failing('Conflicted', 'True') ?? failing('Programmed', 'False');
      out.push(`listener ${l.name} of Gateway ${key} (port ${port}) does not serve${why ? `: ${why.type} ${why.status} ${why.reason}: ${why.message}` : ''}`);
    }
  }
  return out;
}

function integerOption(value: string, name: string): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} must be an integer (got '${value}')`);
  return Number(value);
}

function parseHeader(value: string): [string, string] {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new UsageError(`--header must be 'NAME: VALUE' (got '${value}')`);
  return [value.slice(0, colon).trim(), value.slice(colon + 1).trim()];
}

/** The explanation of one request against a route table; `gateways` limits it to some `namespace/name`s. */
export function explain(
  table: RouteTable, description: { method: string; url: string; headers: [string, string][] }, offset: number, gateways?: readonly string[],
): Explanation {
  const request = describedRequest(description);
  const scheme = request.url.protocol === 'https:' ? 'https' : 'http';
  const port = Number(request.url.port || (scheme === 'https' ? 443 : 80)) - offset;
  const explained: ExplainedGateway[] = [];
  for (const [key, compiled] of table.gateways) {
    const httpPort = compiled.httpPorts.get(port);
    if (!httpPort || (gateways !== undefined && !gateways.includes(key))) continue;
    const trace = httpPort.trace(request);
    const redirectRequest = { scheme, host: request.host, path: request.path, query: request.url.search.slice(1) } as const;
    explained.push({
      gateway: key,
      port,
      protocol: httpPort.protocol,
      ...(trace.listener ? { listener: listenerOf(trace, request.host, httpPort) } : {}),
      candidates: trace.steps.map((step) => ({
        route: `${step.candidate.route.namespace}/${step.candidate.route.name}`,
        rule: step.candidate.rule.index,
        ...(step.candidate.rule.name !== undefined ? { ruleName: step.candidate.rule.name } : {}),
        match: step.candidate.rule.matches.indexOf(step.candidate.match),
        path: describePath(step.candidate.match),
        ...(step.hostname !== undefined ? { hostname: step.hostname } : {}),
        result: step.failure ?? 'matched',
      })),
      ...(trace.result ? {
        route: `${trace.result.route.namespace}/${trace.result.route.name}`,
        rule: trace.result.rule.index,
        match: trace.result.rule.matches.indexOf(trace.result.match),
      } : {}),
      response: trace.result ? responseOf(ruleOutcome(trace.result, redirectRequest)) : notFound(trace, request.host),
    });
  }
  return {
    request: { method: request.method, url: request.url.href, host: request.host, path: request.path, port },
    gateways: explained,
  };
}

function listenerOf(trace: MatchTrace, host: string, port: HttpPortTable): NonNullable<ExplainedGateway['listener']> {
  const hostname = trace.listener?.hostname;
  return { name: trace.listener?.name ?? '', ...(hostname ? { hostname } : {}), why: listenerWhy(trace, host, port) };
}

function listenerWhy(trace: MatchTrace, host: string, port: HttpPortTable): string {
  const hostname = trace.listener?.hostname;
  if (hostname === undefined) return `no listener hostname covers ${host}; this listener has none and serves any host`;
  if (!hostname.startsWith('*.')) return `its hostname is ${host}`;
  const wider = port.listeners.some((l) => l.hostname === undefined) ? ', before the listener without hostname' : '';
  return `its wildcard ${hostname} is the most specific one covering ${host}${wider}`;
}

function notFound(trace: MatchTrace, host: string): ExplainedResponse {
  if (!trace.listener) return { action: 'error', status: 404, reason: `no listener on this port serves host ${host}` };
  const reason = trace.steps.length === 0
    ? `no route of listener ${trace.listener.name} has a rule whose hostname and path select the request`
    : 'no candidate rule matches';
  return { action: 'error', status: 404, reason };
}

function describePath(match: HttpMatchIR): string {
  return `${match.path.type} ${match.path.value}`;
}

function responseOf(outcome: ReturnType<typeof ruleOutcome>): ExplainedResponse {
  if (outcome.kind === 'error') return { action: 'error', status: outcome.status, reason: outcome.reason };
  if (outcome.kind === 'redirect') return { action: 'redirect', status: outcome.status, location: outcome.location };
  return {
    action: 'forward',
    backends: outcome.backends.map(({ backend, share }) => ({
      kind: backend.kind,
      namespace: backend.namespace,
      name: backend.name,
      ...(backend.port !== undefined ? { port: backend.port } : {}),
      weight: backend.weight,
      share,
      ...(backend.invalid ? { invalid: `${backend.invalid.reason}: ${backend.invalid.message}` } : {}),
    })),
  };
}

export function formatExplanation(e: Explanation): string {
  const lines = [`${e.request.method} ${e.request.url} (host ${e.request.host}, path ${e.request.path}, listener port ${e.request.port})`];
  if (e.gateways.length === 0) lines.push(`no Gateway listens on port ${e.request.port} with HTTP or HTTPS: the connection is refused`);
  for (const line of e.notServing ?? []) lines.push(`  ${line}`);
  for (const g of e.gateways) {
    lines.push('', `Gateway ${g.gateway}, port ${g.port} (${g.protocol})`);
    lines.push(g.listener ? `  listener ${g.listener.name}: ${g.listener.why}` : '  listener: none');
    if (g.candidates.length > 0) lines.push('  candidates, in order of precedence:');
    for (const c of g.candidates) {
      const via = c.hostname === undefined ? 'any host' : `hostname ${c.hostname}`;
      lines.push(`    ${c.route} rule ${c.rule}${c.ruleName ? ` (${c.ruleName})` : ''} match ${c.match} [${c.path}, ${via}]: ${c.result}`);
    }
    if (g.route !== undefined) lines.push(`  route ${g.route}, rule ${g.rule}, match ${g.match}`);
    lines.push(`  ${responseLine(g.response)}`);
    for (const b of g.response.backends ?? []) {
      const share = `${Math.round(b.share * 1000) / 10}%`;
      lines.push(`    ${b.kind} ${b.namespace}/${b.name}${b.port !== undefined ? `:${b.port}` : ''} weight ${b.weight} (${share})${b.invalid ? `: answered 500, ${b.invalid}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function responseLine(r: ExplainedResponse): string {
  if (r.action === 'redirect') return `response: ${r.status} Location: ${r.location}`;
  if (r.action === 'error') return `response: ${r.status} (${r.reason})`;
  return 'response: forwarded to';
}
