/**
 * Entry point of the `cdk8s-gateway` command (bin/cdk8s-gateway). Returns the exit code
 * instead of exiting, so the binary can let stdout drain and tests can run it in-process.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from './args';
import { controllerCommand } from './controller';
import { explainCommand } from './explain';
import { CliIo } from './io';
import { UnreadablePathError } from './load';
import { serveCommand } from './serve';
import { statusCommand } from './status';
import { validateCommand } from './validate';

const USAGE = `Usage: cdk8s-gateway <command> [options]

Commands:
  validate <file|dir>...   check manifests as the API server and a Gateway API controller would
  status <file|dir>...     print the GatewayClasses, Gateways and routes with the status the controller writes
  explain <file|dir>...    tell which listener, route, rule and backends a request reaches, and why
  serve <file|dir>...      serve the Gateways of some manifests (the data plane, without a cluster)
  controller               serve the Gateways of a cluster and write their status

Run 'cdk8s-gateway <command> --help' for the options of a command.

Options:
  -h, --help      show this help
  --version       print the version
`;

/** Commands whose usage errors point to their own --help. */
const SUBCOMMANDS = new Set(['validate', 'status', 'explain', 'serve', 'controller']);

export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const cli: CliIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    cwd: io.cwd ?? process.cwd(),
  };
  const [command, ...rest] = argv;

  try {
    if (command === undefined) {
      cli.stderr.write(USAGE);
      return 2;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      cli.stdout.write(USAGE);
      return 0;
    }
    if (command === '--version') {
      cli.stdout.write(`${version()}\n`);
      return 0;
    }
    if (command === 'validate') return await validateCommand(rest, cli);
    if (command === 'status') return await statusCommand(rest, cli);
    if (command === 'explain') return await explainCommand(rest, cli);
    if (command === 'serve') return await serveCommand(rest, cli);
    if (command === 'controller') return await controllerCommand(rest, cli);
    throw new UsageError(command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`);
  } catch (err) {
    if (err instanceof UsageError) {
      const scope = SUBCOMMANDS.has(command) ? `cdk8s-gateway ${command}` : 'cdk8s-gateway';
      cli.stderr.write(`${scope}: ${err.message}\nRun '${scope} --help' for usage.\n`);
      return 2;
    }
    if (err instanceof UnreadablePathError) {
      cli.stderr.write(`cdk8s-gateway ${command}: ${err.message}\n`);
      return 2;
    }
    // A bug, not a verdict on the input: exit 2 like any run that could not finish, never 1,
    // which would tell a pipeline that the manifests were checked and found invalid.
    const detail = err instanceof Error ? err.stack ?? err.message : String(err);
    cli.stderr.write(`cdk8s-gateway ${command}: internal error: ${detail}\n`);
    return 2;
  }
}

/** Read at run time: package.json lies outside the compiled tree (lib/), two levels up in both layouts. */
function version(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  return String(manifest.version);
}
