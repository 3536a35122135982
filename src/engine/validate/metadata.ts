/**
 * The API server's checks of object metadata (ValidateObjectMetaAccessor with DNS-subdomain
 * names, as for every custom resource), with its paths and messages.
 */
import { childPath, invalid, required, tooLong, typeInvalid, type FieldError } from './field-error';
import { isPlainObject, jsonType } from './json';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, utf8Length } from './names';

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** `metadata` as stored: the namespace already defaulted for namespaced kinds and removed for cluster-scoped ones. */
export function checkMetadata(metadata: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const { name, generateName, namespace, generation } = metadata;

  if (typeof generateName === 'string' && generateName !== '') {
    for (const msg of isDNS1123Subdomain(maskTrailingDash(generateName))) errors.push(invalid('metadata.generateName', generateName, msg));
  }
  if (typeof name === 'string' && name !== '') {
    for (const msg of isDNS1123Subdomain(name)) errors.push(invalid('metadata.name', name, msg));
  } else if (typeof generateName !== 'string' || generateName === '') {
    errors.push(required('metadata.name', 'name or generateName is required'));
  }
  if (typeof namespace === 'string') {
    for (const msg of isDNS1123Label(namespace)) errors.push(invalid('metadata.namespace', namespace, msg));
  }
  if (typeof generation === 'number' && generation < 0) {
    errors.push(invalid('metadata.generation', generation, 'must be greater than or equal to 0'));
  }
  errors.push(...checkLabels(metadata.labels), ...checkAnnotations(metadata.annotations));
  return errors;
}

/** A generated name gets a random suffix, so a trailing dash is allowed in the prefix. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}

function checkLabels(labels: unknown): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of stringEntries(labels, 'metadata.labels', errors)) {
    for (const msg of isQualifiedName(key)) errors.push(invalid('metadata.labels', key, msg));
    for (const msg of isValidLabelValue(value)) errors.push(invalid('metadata.labels', value, msg));
  }
  return errors;
}

function checkAnnotations(annotations: unknown): FieldError[] {
  const errors: FieldError[] = [];
  let size = 0;
  for (const [key, value] of stringEntries(annotations, 'metadata.annotations', errors)) {
    // Annotation keys are qualified names in which case does not matter.
    for (const msg of isQualifiedName(key.toLowerCase())) errors.push(invalid('metadata.annotations', key, msg));
    size += utf8Length(key) + utf8Length(value);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errors.push(tooLong('metadata.annotations', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errors;
}

/** The string-valued entries of a string map; anything else is reported as ObjectMeta's schema would. */
function stringEntries(map: unknown, path: string, errors: FieldError[]): Array<[string, string]> {
  if (map === undefined || map === null) return [];
  if (!isPlainObject(map)) {
    errors.push(typeInvalid(path, jsonType(map), `${path} in body must be of type object: "${jsonType(map)}"`));
    return [];
  }
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(map)) {
    if (typeof value === 'string') {
      entries.push([key, value]);
    } else {
      const field = childPath(path, key);
      errors.push(typeInvalid(field, jsonType(value), `${field} in body must be of type string: "${jsonType(value)}"`));
    }
  }
  return entries;
}
