/**
 * Per-object validation: what the Kubernetes API server checks when a Gateway API object is
 * applied with the channel's CRDs installed (kubectl's strict field validation included), in
 * the server's order: the kind must be served, then metadata, unknown fields, defaulting, the
 * OpenAPI schema, list uniqueness, and the CRD's CEL rules on the defaulted object.
 */
import type { Channel } from '../schema';
import { DEFAULT_NAMESPACE, type KubeObject, type Violation } from '../types';
import { checkRules, NO_OLD_VALUE } from './cel-check';
import { isBlocking, type FieldError } from './field-error';
import { deepCopy, isPlainObject } from './json';
import { isGatewayApiGroup, servedKind, type ServedKind } from './kinds';
import { checkUniqueLists } from './list-type';
import { checkMetadata } from './metadata';
import { normalizeObject } from './normalize';
import { checkSchema } from './schema-check';

export type { Channel } from '../schema';

export interface ValidateOptions {
  /** The CRD channel installed in the cluster. @default 'standard' */
  readonly channel?: Channel;
  /** The stored object this one replaces: transition rules (those reading oldSelf) run only when it is given. */
  readonly oldObject?: KubeObject;
  /**
   * 'status' validates the object as a write to its status subresource (what a controller does),
   * status included. By default it is validated as a write to the main resource, which never
   * carries the status of kinds whose status is a subresource.
   */
  readonly subresource?: 'status';
}

export interface ValidationResult {
  /** The object as the API server would store it: a deep copy, unknown fields dropped, defaults applied. */
  readonly object: KubeObject;
  readonly violations: Violation[];
  /** The apiVersion and kind are served by the channel's Gateway API CRDs (only such objects are validated). */
  readonly known: boolean;
}

/** The API server's note when schema errors kept it from running the CEL rules. */
export const RULES_NOT_CHECKED =
  'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

export function validateObject(obj: KubeObject, options: ValidateOptions = {}): ValidationResult {
  const channel = options.channel ?? 'standard';
  const served = servedKind(obj.apiVersion, obj.kind, channel);
  if (served === undefined) {
    const object = deepCopy(obj);
    if (!isGatewayApiGroup(obj.apiVersion)) return { object, violations: [], known: false };
    const metadata = isPlainObject(obj.metadata) ? obj.metadata : {};
    const who: Identity = { kind: String(obj.kind), namespace: stringOrUndefined(metadata.namespace), name: nameOf(metadata) };
    // kubectl's answer when the cluster has no CRD serving this version of the kind.
    const message = `no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`;
    const other: Channel = channel === 'standard' ? 'experimental' : 'standard';
    const hint = servedKind(obj.apiVersion, obj.kind, other) === undefined
      ? 'ensure CRDs are installed first'
      : `ensure CRDs are installed first: the ${other} channel serves this kind and version`;
    return { object, violations: [{ ...toViolation(who, { path: '', message }, 'schema'), hint }], known: false };
  }

  const unknownFields: string[] = [];
  const object = store(obj, served, unknownFields);
  const metadata = isPlainObject(object.metadata) ? object.metadata : undefined;
  const who: Identity = {
    kind: served.kind,
    namespace: served.namespaced ? stringOrUndefined(metadata?.namespace) : undefined,
    name: nameOf(metadata ?? {}),
  };
  // A write to the main resource drops the status of a kind whose status is a subresource.
  const skip = served.statusSubresource && options.subresource !== 'status' ? 'status' : undefined;

  const metadataErrors = metadata === undefined ? [] : checkMetadata(metadata);
  const schemaErrors = [...checkSchema(object, served.schema, skip), ...checkUniqueLists(object, served.schema, skip)];
  const violations: Violation[] = [
    ...metadataErrors.map(e => toViolation(who, e, 'metadata')),
    ...unknownFields.map(path => toViolation(who, { path, message: `unknown field "${path}"` }, 'schema')),
    ...schemaErrors.map(e => toViolation(who, e, 'schema')),
  ];

  if ([...metadataErrors, ...schemaErrors].some(isBlocking)) {
    violations.push(toViolation(who, { path: '', message: RULES_NOT_CHECKED }, 'cel'));
  } else {
    const old = options.oldObject === undefined ? NO_OLD_VALUE : store(options.oldObject, served, []);
    for (const v of checkRules(object, served.schema, old, skip)) {
      violations.push({ ...toViolation(who, v, 'cel'), ...v.rule.rule.reason ? { reason: v.rule.rule.reason } : {} });
    }
  }
  return { object, violations, known: true };
}

/** True when the channel's CRDs serve this apiVersion and kind. */
export function isGatewayApiKind(apiVersion: string, kind: string, channel: Channel = 'standard'): boolean {
  return servedKind(apiVersion, kind, channel) !== undefined;
}

/**
 * The object as the API server would store it (unknown fields dropped, nulls and absent fields
 * defaulted, namespace defaulted), without validating it. Objects of other kinds come back as a
 * plain deep copy.
 */
export function applyDefaults(obj: KubeObject, channel: Channel = 'standard'): KubeObject {
  const served = servedKind(obj.apiVersion, obj.kind, channel);
  return served === undefined ? deepCopy(obj) : store(obj, served, []);
}

function store(obj: KubeObject, served: ServedKind, unknownFields: string[]): KubeObject {
  const object = normalizeObject(obj as Record<string, unknown>, served.schema, unknownFields);
  const metadata = object.metadata === undefined ? {} : object.metadata;
  if (isPlainObject(metadata)) {
    // The namespace comes from the request (kubectl's current namespace, `default` here) and is
    // cleared on cluster-scoped kinds.
    if (!served.namespaced) {
      delete metadata.namespace;
    } else if (metadata.namespace === undefined || metadata.namespace === null || metadata.namespace === '') {
      metadata.namespace = DEFAULT_NAMESPACE;
    }
  }
  object.metadata = metadata;
  return object as KubeObject;
}

interface Identity {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

function toViolation(who: Identity, error: Pick<FieldError, 'path' | 'message'>, source: Violation['source']): Violation {
  return { kind: who.kind, namespace: who.namespace, name: who.name, path: error.path, message: error.message, source };
}

function nameOf(metadata: Record<string, unknown>): string {
  return stringOrUndefined(metadata.name) || stringOrUndefined(metadata.generateName) || '';
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
