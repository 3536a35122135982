/**
 * CEL as the API server runs `x-kubernetes-validations`: @bufbuild/cel with the string extension
 * library and the Kubernetes library functions the Gateway API rules call (`isIP`,
 * `format.dns1123Label().validate()`), RE2 regular expressions, and values shaped as the server
 * shapes them (integer fields are CEL ints, property names escaped, e.g. `namespace` read as
 * `__namespace__`). Every expression is compiled once per process.
 */
import {
  celEnv, celError, celFunc, celList, celMap, celMethod, CelScalar, isCelError, listType, parse, plan,
  type CelInput, type CelResult, type CelValue,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { ValidationRule } from '../schema';
import { isIP } from './ip';
import { isDNS1123Label } from './names';
import { compileRegex } from './regex';

/** What one schema node tells the CEL layer about its values. */
export interface CelShape {
  readonly type?: string;
  readonly properties?: ReadonlyMap<string, CelShape>;
  /** CEL names of the properties; a property missing here has a name CEL cannot spell and is not visible. */
  readonly celNames: ReadonlyMap<string, string>;
  readonly additionalProperties?: CelShape;
  readonly items?: CelShape;
}

export interface CompiledRule {
  readonly rule: ValidationRule;
  /** A transition rule: it reads oldSelf, so it only runs on updates where the old value exists. */
  readonly usesOldSelf: boolean;
  /** The rule's fieldPath, normalized to the API server's notation relative to the rule's node ('' when none). */
  readonly fieldPath: string;
  /** Undefined when the rule holds; otherwise the error message, also when the rule could not be evaluated. */
  evaluate(self: CelInput, oldSelf?: CelInput): string | undefined;
}

/**
 * `format.dns1123Label()` yields a format object; this library has no opaque types, so the format
 * is this marker string and `validate` is a string method that only accepts it.
 */
const DNS1123_LABEL_FORMAT = '\u0000format:dns1123Label';

/** Kubernetes library functions registered beyond the CEL standard and string libraries. */
export const KUBERNETES_FUNCTIONS: readonly string[] = ['isIP', 'format.dns1123Label', 'validate'];

const ENV = celEnv({
  funcs: [
    ...strings,
    celFunc('isIP', [CelScalar.STRING], CelScalar.BOOL, value => isIP(value)),
    celFunc('format.dns1123Label', [], CelScalar.STRING, () => DNS1123_LABEL_FORMAT),
    celMethod('validate', CelScalar.STRING, [CelScalar.STRING], listType(CelScalar.STRING), function (value) {
      if (this !== DNS1123_LABEL_FORMAT) throw new Error('no such overload: validate');
      // Kubernetes returns optional.none() or optional.of(errors); with no optional type here,
      // none is an empty list. Either way the result is never equal to null, as in cel-go.
      return isDNS1123Label(value);
    }),
  ],
  re2: { compile: compileRegex },
});

type Program = (bindings: Record<string, CelInput>) => CelResult;
type Compiled = { readonly program: Program; readonly usesOldSelf: boolean } | { readonly error: string };

const programs = new Map<string, Compiled>();

function compileExpression(expression: string): Compiled {
  let compiled = programs.get(expression);
  if (compiled === undefined) {
    try {
      const parsed = parse(expression);
      const program = plan(ENV, parsed) as Program;
      compiled = { program, usesOldSelf: mentionsIdentifier(parsed, 'oldSelf') };
    } catch (err) {
      compiled = { error: errorMessage(err) };
    }
    programs.set(expression, compiled);
  }
  return compiled;
}

export function compileRule(rule: ValidationRule): CompiledRule {
  const compiled = compileExpression(rule.rule);
  const messageProgram = rule.messageExpression === undefined ? undefined : compileExpression(rule.messageExpression);
  const message = rule.message !== undefined && rule.message !== '' ? rule.message.trim() : `failed rule: ${rule.rule.trim()}`;
  const usesOldSelf = 'program' in compiled && compiled.usesOldSelf;

  return {
    rule,
    usesOldSelf,
    fieldPath: normalizeFieldPath(rule.fieldPath ?? ''),
    evaluate(self, oldSelf) {
      if ('error' in compiled) return `compilation failed: ${compiled.error} evaluating rule: ${message}`;
      const bindings: Record<string, CelInput> = usesOldSelf ? { self, oldSelf: oldSelf ?? null } : { self };
      const result = run(compiled.program, bindings);
      // As the API server words it: "<error> evaluating rule: <message>", with cel-go's name for a missing field.
      if (isCelError(result)) return `${result.message.replace(/^field not found: /, 'no such key: ')} evaluating rule: ${message}`;
      if (result === true) return undefined;
      return messageFor(messageProgram, bindings) ?? message;
    },
  };
}

/** A messageExpression's result, when it yields a usable one-line message. */
function messageFor(compiled: Compiled | undefined, bindings: Record<string, CelInput>): string | undefined {
  if (compiled === undefined || 'error' in compiled) return undefined;
  const result = run(compiled.program, bindings);
  if (typeof result !== 'string' || result.trim() === '' || /[\r\n]/.test(result)) return undefined;
  return result;
}

/** Evaluation never throws: a library function that throws becomes a CEL error. */
function run(program: Program, bindings: Record<string, CelInput>): CelResult {
  try {
    return program(bindings);
  } catch (err) {
    return celError(err);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function mentionsIdentifier(node: unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some(n => mentionsIdentifier(n, name));
  if (node === null || typeof node !== 'object') return false;
  const record = node as Record<string, unknown>;
  if (record.$typeName === 'cel.expr.Expr.Ident' && record.name === name) return true;
  return Object.values(record).some(v => mentionsIdentifier(v, name));
}

/** `.spec.foo['bar.baz'][0]` → `spec.foo.bar.baz[0]`, the path notation of field errors. */
function normalizeFieldPath(fieldPath: string): string {
  return fieldPath.replace(/\[\s*'([^']*)'\s*\]/g, '.$1').replace(/^\./, '');
}

const RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);
const ESCAPES: Record<string, string> = { '__': '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' };

/** A property's name in CEL, or undefined when CEL cannot address it (the API server's escaping rules). */
export function celPropertyName(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__|[.\-/]/g, m => ESCAPES[m]);
}

/** The value as CEL sees it, converted once so that rules do not re-wrap it on every access. */
export function toCelValue(value: unknown, shape: CelShape | undefined): CelValue {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return celList(value.map(v => toCelValue(v, shape?.items)));
  if (typeof value === 'object') {
    const entries = new Map<string, CelValue>();
    for (const [key, v] of Object.entries(value)) {
      const property = shape?.properties?.get(key);
      if (property === undefined) {
        entries.set(key, toCelValue(v, shape?.additionalProperties));
      } else {
        const name = shape!.celNames.get(key);
        if (name !== undefined) entries.set(name, toCelValue(v, property));
      }
    }
    return celMap(entries);
  }
  if (typeof value === 'number' && shape?.type === 'integer' && Number.isInteger(value)) return BigInt(value);
  return value as CelValue;
}
