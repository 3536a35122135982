/**
 * Uniqueness of `x-kubernetes-list-type: set` items and `map` keys, checked by the API server
 * after the OpenAPI schema: each repeated value is reported once, at its second occurrence.
 */
import type { SchemaNode } from './compile';
import { childPath, duplicate, indexPath, invalid, keyPath, type FieldError } from './field-error';
import { isPlainObject } from './json';

export function checkUniqueLists(value: unknown, node: SchemaNode, skip?: string): FieldError[] {
  const errors: FieldError[] = [];
  walk(value, node, '', errors, skip);
  return errors;
}

function walk(value: unknown, node: SchemaNode, path: string, errors: FieldError[], skip?: string): void {
  if (!node.hasUniqueLists) return;
  if (Array.isArray(value)) {
    if (node.listType === 'set') {
      for (const i of repeatedIndices(value)) errors.push(duplicate(indexPath(path, i), value[i]));
    } else if (node.listType === 'map') {
      checkListMap(value, node, path, errors);
    }
    if (node.items !== undefined) value.forEach((item, i) => walk(item, node.items!, indexPath(path, i), errors));
  } else if (isPlainObject(value)) {
    for (const [key, field] of Object.entries(value)) {
      if (key === skip) continue;
      const property = node.properties?.get(key);
      if (property !== undefined) {
        walk(field, property, childPath(path, key), errors);
      } else if (node.additionalProperties !== undefined) {
        walk(field, node.additionalProperties, keyPath(path, key), errors);
      }
    }
  }
}

function checkListMap(list: unknown[], node: SchemaNode, path: string, errors: FieldError[]): void {
  const nonObject = list.findIndex(item => item !== null && !isPlainObject(item));
  if (nonObject >= 0) {
    errors.push(invalid(indexPath(path, nonObject), list[nonObject], 'must be an object for an array of list-type map'));
    return;
  }
  // An item without a key field has an unspecified key, which equals every other unspecified key.
  const keys = list.map(item => {
    const key: Record<string, unknown> = {};
    for (const field of node.listMapKeys) {
      if (isPlainObject(item) && item[field] !== undefined) key[field] = item[field];
    }
    return key;
  });
  for (const i of repeatedIndices(keys)) errors.push(duplicate(indexPath(path, i), keys[i]));
}

/** Indices of the second occurrence of every value that occurs more than once. */
function repeatedIndices(values: unknown[]): number[] {
  const seen = new Map<string, number>();
  const repeated: number[] = [];
  values.forEach((value, i) => {
    const id = identity(value);
    const times = seen.get(id) ?? 0;
    if (times === 1) repeated.push(i);
    seen.set(id, times + 1);
  });
  return repeated;
}

/** A key that is equal for equal JSON values (object keys in any order). */
function identity(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(identity).join(',')}]`;
  if (isPlainObject(value)) return `{${Object.keys(value).sort().map(k => `${JSON.stringify(k)}:${identity(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}
