import { choice, lastValue, OptionSpec, parseArgs, UsageError } from '../../src/cli/args';

const SPECS: OptionSpec[] = [
  { name: 'channel', takesValue: true },
  { name: 'output', short: 'o', takesValue: true },
  { name: 'help', short: 'h', takesValue: false },
];

test('separates positionals from long, inline and short options', () => {
  const args = parseArgs(['a.yaml', '--channel', 'experimental', 'dir', '-o', 'json', '--output=text', '-ojson', '-h'], SPECS);
  expect(args.positionals).toEqual(['a.yaml', 'dir']);
  expect(args.options.get('channel')).toEqual(['experimental']);
  expect(args.options.get('output')).toEqual(['json', 'text', 'json']);
  expect(args.options.get('help')).toEqual(['']);
});

test('treats everything after -- and a lone - as positionals', () => {
  expect(parseArgs(['--', '--channel', '-o'], SPECS).positionals).toEqual(['--channel', '-o']);
  expect(parseArgs(['-'], SPECS).positionals).toEqual(['-']);
});

test('uses the last value of a repeated option', () => {
  expect(lastValue(parseArgs(['--channel', 'a', '--channel', 'b'], SPECS), 'channel')).toBe('b');
  expect(lastValue(parseArgs([], SPECS), 'channel')).toBeUndefined();
});

test('rejects an unknown long or short option', () => {
  expect(() => parseArgs(['--chanel', 'x'], SPECS)).toThrow(new UsageError("unknown option '--chanel'"));
  expect(() => parseArgs(['-x'], SPECS)).toThrow(new UsageError("unknown option '-x'"));
});

test('rejects an option without its value, and a switch with one', () => {
  expect(() => parseArgs(['--channel'], SPECS)).toThrow(new UsageError("option '--channel' needs a value"));
  expect(() => parseArgs(['-o', '--help'], SPECS)).toThrow(new UsageError("option '--output' needs a value"));
  expect(() => parseArgs(['--help=yes'], SPECS)).toThrow(new UsageError("option '--help' takes no value"));
});

test('accepts only the listed choices and falls back when the option is absent', () => {
  expect(choice(parseArgs(['-o', 'json'], SPECS), 'output', ['text', 'json'], 'text')).toBe('json');
  expect(choice(parseArgs([], SPECS), 'output', ['text', 'json'], 'text')).toBe('text');
  expect(() => choice(parseArgs(['-o', 'yaml'], SPECS), 'output', ['text', 'json'], 'text'))
    .toThrow(new UsageError("--output must be one of text, json (got 'yaml')"));
});
