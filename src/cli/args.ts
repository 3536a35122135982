/** A command line that cannot be run as given; the CLI prints the message and exits 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  /** Long name without dashes: `channel` for `--channel`. */
  readonly name: string;
  /** One-letter alias without the dash: `o` for `-o`. */
  readonly short?: string;
  /** Whether the option takes a value (`--channel standard`) or is a switch (`--help`). */
  readonly takesValue: boolean;
}

export interface ParsedArgs {
  readonly positionals: string[];
  /** Every value given per long option name, in order; a switch given once holds `['']`. */
  readonly options: ReadonlyMap<string, string[]>;
}

/**
 * Parses `--name value`, `--name=value`, `-n value`, `-nvalue` and switches; `--` ends the
 * options. Anything starting with `-` that no spec names is a usage error, so a typo never
 * silently becomes a file name.
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string[]>();
  const add = (spec: OptionSpec, value: string) => options.set(spec.name, [...(options.get(spec.name) ?? []), value]);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }

    const long = arg.startsWith('--');
    const body = long ? arg.slice(2) : arg.slice(1);
    const key = long ? body.split('=')[0] : body[0];
    const spec = specs.find(s => (long ? s.name === key : s.short === key));
    if (!spec) throw new UsageError(`unknown option '${long ? `--${key}` : `-${key}`}'`);

    const inline = long ? (body.includes('=') ? body.slice(key.length + 1) : undefined) : (body.length > 1 ? body.slice(1) : undefined);
    if (!spec.takesValue) {
      if (inline !== undefined) throw new UsageError(`option '--${spec.name}' takes no value`);
      add(spec, '');
      continue;
    }
    if (inline !== undefined) {
      add(spec, inline);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith('-') && next !== '-')) throw new UsageError(`option '--${spec.name}' needs a value`);
    add(spec, next);
    i++;
  }
  return { positionals, options };
}

/** The last value given for an option (the usual rule when an option is repeated), or undefined. */
export function lastValue(args: ParsedArgs, name: string): string | undefined {
  const values = args.options.get(name);
  return values?.[values.length - 1];
}

/** The option's value, which must be one of `allowed`; `fallback` when the option is absent. */
export function choice<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], fallback: T): T {
  const value = lastValue(args, name);
  if (value === undefined) return fallback;
  const match = allowed.find(a => a === value);
  if (match === undefined) throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got '${value}')`);
  return match;
}
