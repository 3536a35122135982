/**
 * Field errors as the API server reports them (k8s.io/apimachinery field.Error): a type, a path
 * and a body whose wording and value quoting match what kubectl prints after "<path>: ".
 */

export type ErrorType = 'Required' | 'Invalid' | 'TypeInvalid' | 'NotSupported' | 'TooLong' | 'TooMany' | 'Duplicate';

export interface FieldError {
  readonly type: ErrorType;
  readonly path: string;
  readonly message: string;
}

/**
 * The error types after which the API server skips the CEL rules: with a wrong type, a missing
 * required field or an oversized value, rules could read what they do not expect.
 */
const BLOCKING: ReadonlySet<ErrorType> = new Set(['NotSupported', 'Required', 'TooLong', 'TooMany', 'TypeInvalid']);

export function isBlocking(error: FieldError): boolean {
  return BLOCKING.has(error.type);
}

export function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

export function keyPath(path: string, key: string): string {
  return `${path}[${key}]`;
}

export function required(path: string, detail = ''): FieldError {
  return { type: 'Required', path, message: withDetail('Required value', detail) };
}

export function invalid(path: string, value: unknown, detail: string): FieldError {
  return { type: 'Invalid', path, message: withDetail(`Invalid value: ${formatValue(value)}`, detail) };
}

export function typeInvalid(path: string, value: unknown, detail: string): FieldError {
  return { type: 'TypeInvalid', path, message: withDetail(`Invalid value: ${formatValue(value)}`, detail) };
}

export function notSupported(path: string, value: unknown, supported: readonly string[]): FieldError {
  const detail = supported.length > 0 ? `supported values: ${supported.map(goQuote).join(', ')}` : '';
  return { type: 'NotSupported', path, message: withDetail(`Unsupported value: ${formatValue(value)}`, detail) };
}

export function tooLong(path: string, max: number): FieldError {
  return { type: 'TooLong', path, message: `Too long: may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` };
}

export function tooMany(path: string, actual: number, max: number): FieldError {
  return { type: 'TooMany', path, message: `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}` };
}

export function duplicate(path: string, value: unknown): FieldError {
  return { type: 'Duplicate', path, message: `Duplicate value: ${formatValue(value)}` };
}

function withDetail(body: string, detail: string): string {
  return detail === '' ? body : `${body}: ${detail}`;
}

/** A bad value as Go prints it in a field error: strings quoted, numbers and booleans bare, maps in Go syntax. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '"null"';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  return goSyntax(value);
}

/** Go's %#v of a decoded JSON value (the form used for list-map keys in Duplicate errors). */
function goSyntax(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  const entries = Object.keys(value).sort().map(k => `${goQuote(k)}:${goSyntax((value as Record<string, unknown>)[k])}`);
  return `map[string]interface {}{${entries.join(', ')}}`;
}

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;
const SHORT_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/** Go's strconv.Quote: printable runes as they are, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === '\\') {
      out += '\\' + ch;
    } else if (PRINTABLE.test(ch)) {
      out += ch;
    } else if (SHORT_ESCAPES[ch] !== undefined) {
      out += SHORT_ESCAPES[ch];
    } else {
      const code = ch.codePointAt(0)!;
      out += code < 0x80 ? `\\x${hex(code, 2)}` : code <= 0xffff ? `\\u${hex(code, 4)}` : `\\U${hex(code, 8)}`;
    }
  }
  return out + '"';
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
