/**
 * `cdk8s-gateway validate`: everything the API server (with the Gateway API CRDs) and a
 * conformant controller would refuse in a set of manifests, one line per problem.
 */
import { choice, lastValue, OptionSpec, parseArgs, UsageError } from './args';
import { CliIo } from './io';
import { loadManifests, LoadResult } from './load';
import { checkObjects, IndexedViolation } from '../engine/check';

export const VALIDATE_USAGE = `Usage: cdk8s-gateway validate <file|dir>... [options]

Checks Kubernetes manifests (*.yaml, *.yml, *.json; folders are read recursively) the way the
API server with the Gateway API CRDs and a conformant controller would: schema, defaults, CEL
rules, then references across objects (attachment, backends, ReferenceGrants, conflicts).
Objects without metadata.namespace are checked as in "default", as kubectl applies them.

Options:
  --channel standard|experimental   CRD channel installed in the cluster (default: standard)
  --controller-name NAME            check as this controller: only its GatewayClasses count,
                                    and what it does not implement is reported as well
  -o, --output text|json            one line per violation (default), or a JSON array
  -h, --help                        show this help

Exit status: 0 when every object is valid, 1 when something is not, 2 on usage errors and
unreadable paths.
`;

const OPTIONS: OptionSpec[] = [
  { name: 'channel', takesValue: true },
  { name: 'controller-name', takesValue: true },
  { name: 'output', short: 'o', takesValue: true },
  { name: 'help', short: 'h', takesValue: false },
];

/** One line of output: a problem reading a file, or a violation of one object. */
export interface Finding {
  readonly file?: string;
  readonly line?: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly path?: string;
  readonly message: string;
  /** `input` for files that cannot be read as objects; otherwise the engine's source. */
  readonly source: IndexedViolation['source'] | 'input';
  readonly reason?: string;
  readonly hint?: string;
}

export async function validateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.has('help')) {
    io.stdout.write(VALIDATE_USAGE);
    return 0;
  }
  const channel = choice(args, 'channel', ['standard', 'experimental'], 'standard');
  const output = choice(args, 'output', ['text', 'json'], 'text');
  const controllerName = lastValue(args, 'controller-name');
  if (args.positionals.length === 0) throw new UsageError('validate needs at least one file or folder');

  const loaded = loadManifests(args.positionals, io.cwd);
  const result = checkObjects(loaded.objects.map(o => o.object), { channel, controllerName });
  const findings = collectFindings(loaded, result.violations);

  if (output === 'json') {
    io.stdout.write(`${JSON.stringify(findings, undefined, 2)}\n`);
  } else {
    for (const f of findings) io.stdout.write(`${formatFinding(f)}\n`);
  }
  io.stderr.write(`${loaded.objects.length} objects in ${loaded.files.length} files: ${findings.length} violations\n`);
  return findings.length === 0 ? 0 : 1;
}

/** In file order, then by line, so the output reads top to bottom through the inputs. */
export function collectFindings(loaded: LoadResult, violations: IndexedViolation[]): Finding[] {
  const fileRank = new Map(loaded.files.map((f, i) => [f, i]));
  const keyed: Array<{ file: number; line: number; finding: Finding }> = [];

  for (const p of loaded.problems) {
    keyed.push({ file: fileRank.get(p.file) ?? 0, line: p.line, finding: { file: p.file, line: p.line, message: p.message, source: 'input' } });
  }
  for (const v of violations) {
    const { index, ...violation } = v;
    const origin = loaded.objects[index];
    const finding: Finding = { file: origin?.file, line: origin?.line, ...violation };
    keyed.push({ file: origin ? fileRank.get(origin.file) ?? 0 : loaded.files.length, line: origin?.line ?? 0, finding });
  }
  // Stable sort: violations of one object keep the engine's path order.
  return keyed.sort((a, b) => a.file - b.file || a.line - b.line).map(k => k.finding);
}

/**
 * `<file>: <Kind> <namespace>/<name>: <path>: <message> (fix: <hint>)`; cluster-scoped objects
 * show `<Kind> <name>`, an empty path is left out, and problems reading a file show
 * `<file>:<line>: <message>` since they belong to no object.
 */
export function formatFinding(f: Finding): string {
  if (f.source === 'input') return `${f.file}:${f.line}: ${oneLine(f.message)}`;
  const object = `${f.kind} ${f.namespace === undefined ? f.name : `${f.namespace}/${f.name}`}`;
  const segments = [...(f.file === undefined ? [] : [f.file]), object, ...(f.path ? [f.path] : []), oneLine(f.message)];
  return segments.join(': ') + (f.hint ? ` (fix: ${oneLine(f.hint)})` : '');
}

/** CEL messages may span lines; each violation must stay on one line for line-based tools. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
