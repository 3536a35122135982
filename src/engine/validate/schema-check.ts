/**
 * The OpenAPI checks of the API server (k8s.io/kube-openapi validate.SchemaValidator, errors
 * converted as apiextensions-apiserver converts them), in its order for each value: type,
 * oneOf/anyOf/not, string length and pattern (first failure only), format, numeric bounds,
 * list items then list size, enum, object size, properties, required.
 */
import type { SchemaNode } from './compile';
import {
  childPath, goQuote, indexPath, invalid, notSupported, required, tooLong, tooMany, typeInvalid, type FieldError,
} from './field-error';
import { isIPv4Format, isIPv6Format } from './ip';
import { isPlainObject, jsonType } from './json';

const FORMAT_CHECKS: Record<string, (value: string) => boolean> = { ipv4: isIPv4Format, ipv6: isIPv6Format };

/**
 * Errors plus a count of the checks that ran. Of several failing oneOf/anyOf branches the
 * validator reports the one where most checks ran (its MatchCount); this count stands in for it.
 */
interface Run {
  readonly errors: FieldError[];
  checks: number;
}

/** Validates `value` against `node`; `skip` names a root property left out (status, when it is a subresource). */
export function checkSchema(value: unknown, node: SchemaNode, skip?: string): FieldError[] {
  const run: Run = { errors: [], checks: 0 };
  check(value, node, '', run, skip);
  return run.errors;
}

function check(value: unknown, node: SchemaNode, path: string, run: Run, skip?: string): void {
  run.checks++;
  if (value === null || value === undefined) {
    checkType(null, node, path, run);
    checkEnum(null, node, path, run);
    return;
  }
  checkType(value, node, path, run);
  checkComposition(value, node, path, run);
  if (typeof value === 'string') {
    checkString(value, node, path, run);
  } else if (typeof value === 'number') {
    checkNumber(value, node, path, run);
  } else if (Array.isArray(value)) {
    if (node.items !== undefined) value.forEach((item, i) => check(item, node.items!, indexPath(path, i), run));
    if (node.minItems !== undefined && value.length < node.minItems) {
      run.errors.push(invalid(path, value.length, `${path} in body should have at least ${node.minItems} items`));
    }
    if (node.maxItems !== undefined && value.length > node.maxItems) run.errors.push(tooMany(path, value.length, node.maxItems));
  }
  checkEnum(value, node, path, run);
  if (isPlainObject(value)) checkObject(value, node, path, run, skip);
}

function checkType(value: unknown, node: SchemaNode, path: string, run: Run): void {
  if (node.type === undefined) return;
  run.checks++;
  if (value === null) {
    if (!node.nullable) run.errors.push(typeInvalid(path, 'null', `${path} in body must be of type ${node.type}: "null"`));
    return;
  }
  const actual = jsonType(value);
  // An integer is a number; a whole number written as a float is an integer.
  const compatible = actual === node.type || (actual === 'integer' && node.type === 'number');
  if (compatible) return;
  run.errors.push(typeInvalid(path, actual, `${path} in body must be of type ${node.type}: ${goQuote(actual)}`));
}

function checkString(value: string, node: SchemaNode, path: string, run: Run): void {
  run.checks++;
  // Lengths count Unicode code points, as Go's utf8.RuneCountInString does.
  const length = node.maxLength !== undefined || node.minLength !== undefined ? [...value].length : 0;
  if (node.maxLength !== undefined && length > node.maxLength) {
    run.errors.push(tooLong(path, node.maxLength));
  } else if (node.minLength !== undefined && length < node.minLength) {
    run.errors.push(invalid(path, value, `${path} in body should be at least ${node.minLength} chars long`));
  } else if (node.pattern !== undefined && !node.pattern.matcher.test(value)) {
    run.errors.push(invalid(path, value, `${path} in body should match '${node.pattern.source}'`));
  }
  if (node.format !== undefined) {
    run.checks++;
    if (!FORMAT_CHECKS[node.format](value)) {
      run.errors.push(typeInvalid(path, value, `${path} in body must be of type ${node.format}: ${goQuote(value)}`));
    }
  }
}

function checkNumber(value: number, node: SchemaNode, path: string, run: Run): void {
  run.checks++;
  if (node.minimum !== undefined && value < node.minimum) {
    run.errors.push(invalid(path, value, `${path} in body should be greater than or equal to ${node.minimum}`));
  }
  if (node.maximum !== undefined && value > node.maximum) {
    run.errors.push(invalid(path, value, `${path} in body should be less than or equal to ${node.maximum}`));
  }
}

function checkEnum(value: unknown, node: SchemaNode, path: string, run: Run): void {
  if (node.enum === undefined) return;
  run.checks++;
  // The CRDs' enums hold strings and integers only, so equality is identity.
  if (value !== null && node.enum.includes(value)) return;
  // Allowed values are listed as strings: strings as they are, anything else as its JSON.
  run.errors.push(notSupported(path, value, node.enum.map(v => (typeof v === 'string' ? v : JSON.stringify(v)))));
}

function checkObject(value: Record<string, unknown>, node: SchemaNode, path: string, run: Run, skip?: string): void {
  run.checks++;
  const count = Object.keys(value).length;
  if (node.maxProperties !== undefined && count > node.maxProperties) {
    run.errors.push(tooMany(path, count, node.maxProperties));
    return;
  }
  for (const [key, field] of Object.entries(value)) {
    if (key === skip) continue;
    const property = node.properties?.get(key) ?? node.additionalProperties;
    if (property !== undefined) check(field, property, childPath(path, key), run);
  }
  for (const key of node.required) {
    if (!Object.hasOwn(value, key)) run.errors.push(required(childPath(path, key)));
  }
}

/**
 * oneOf, anyOf and not, which the validator reports without a field path.
 */
function checkComposition(value: unknown, node: SchemaNode, path: string, run: Run): void {
  if (node.anyOf !== undefined) {
    const branches = node.anyOf.map(branch => runBranch(value, branch, path));
    if (branches.every(b => b.errors.length > 0)) {
      run.errors.push(composite(`${goQuote(path)} must validate at least one schema (anyOf)`), ...mostChecked(branches).errors);
    }
    run.checks += branches.reduce((n, b) => n + b.checks, 0);
  }
  if (node.oneOf !== undefined) {
    const branches = node.oneOf.map(branch => runBranch(value, branch, path));
    const passed = branches.filter(b => b.errors.length === 0).length;
    if (passed !== 1) {
      const detail = passed === 0 ? 'Found none valid' : `Found ${passed} valid alternatives`;
      run.errors.push(composite(`${goQuote(path)} must validate one and only one schema (oneOf). ${detail}`));
      if (passed === 0) run.errors.push(...mostChecked(branches).errors);
    }
    run.checks += branches.reduce((n, b) => n + b.checks, 0);
  }
  if (node.not !== undefined && runBranch(value, node.not, path).errors.length === 0) {
    run.errors.push(composite(`${goQuote(path)} must not validate the schema (not)`));
  }
}

function runBranch(value: unknown, branch: SchemaNode, path: string): Run {
  const run: Run = { errors: [], checks: 0 };
  check(value, branch, path, run);
  return run;
}

/** The first branch with the most checks run (a later branch must beat it strictly). */
function mostChecked(branches: Run[]): Run {
  return branches.reduce((best, b) => (b.checks > best.checks ? b : best));
}

/** These errors carry no field path in the API server's answer (it prints `<nil>`). */
function composite(message: string): FieldError {
  return invalid('', '', message);
}
