/**
 * What the API server does to a custom resource while decoding it, before any validation:
 * fields the schema does not declare are dropped (and reported, as kubectl's strict field
 * validation does), a null in a field that is not nullable is dropped or replaced by the field's
 * default, and defaults fill absent fields of present objects, recursively, including inside
 * defaults that are themselves objects or lists. The input is never modified.
 */
import type { SchemaNode } from './compile';
import { childPath, indexPath } from './field-error';
import { deepCopy, isPlainObject, setOwn } from './json';

/** ObjectMeta's fields: the CRD schema declares metadata as a bare object, the server decodes it as ObjectMeta. */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

/** A pruned and defaulted deep copy of a whole object; unknown field paths are appended to `unknownFields`. */
export function normalizeObject(object: Record<string, unknown>, root: SchemaNode, unknownFields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (key === 'metadata' && isPlainObject(value)) {
      out.metadata = normalizeMetadata(value, unknownFields);
    } else {
      setField(out, key, value, root.properties?.get(key), key, unknownFields);
    }
  }
  applyDefaults(out, object, root, '', unknownFields);
  return out;
}

function normalizeMetadata(metadata: Record<string, unknown>, unknownFields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (OBJECT_META_FIELDS.has(key)) {
      setOwn(out, key, deepCopy(value));
    } else {
      unknownFields.push(childPath('metadata', key));
    }
  }
  return out;
}

function normalize(value: unknown, node: SchemaNode, path: string, unknownFields: string[]): unknown {
  if (Array.isArray(value)) {
    const items = node.items;
    if (items === undefined) return deepCopy(value);
    return value.map((item, i) => item === null && !items.nullable && items.default !== undefined
      ? normalize(deepCopy(items.default), items, indexPath(path, i), unknownFields)
      : normalize(item, items, indexPath(path, i), unknownFields));
  }
  if (isPlainObject(value) && node.type === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      const property = node.properties?.get(key);
      if (property === undefined && node.additionalProperties !== undefined) {
        const entry = node.additionalProperties;
        setOwn(out, key, field === null && !entry.nullable
          ? deepCopy(entry.default ?? null)
          : normalize(field, entry, childPath(path, key), unknownFields));
      } else {
        setField(out, key, field, property, childPath(path, key), unknownFields);
      }
    }
    applyDefaults(out, value, node, path, unknownFields);
    return out;
  }
  return deepCopy(value);
}

function setField(
  out: Record<string, unknown>, key: string, value: unknown, property: SchemaNode | undefined, path: string, unknownFields: string[],
): void {
  if (property === undefined) {
    unknownFields.push(path);
  } else if (value === null && !property.nullable) {
    // A null the field cannot hold is dropped; applyDefaults then puts the default in its place.
  } else {
    out[key] = normalize(value, property, path, unknownFields);
  }
}

function applyDefaults(out: Record<string, unknown>, input: Record<string, unknown>, node: SchemaNode, path: string, unknownFields: string[]): void {
  for (const [key, property] of node.defaulted) {
    if (!Object.hasOwn(out, key) && (input[key] === undefined || input[key] === null)) {
      out[key] = normalize(deepCopy(property.default), property, childPath(path, key), unknownFields);
    }
  }
}
