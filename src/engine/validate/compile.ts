/**
 * A CRD version's openAPIV3Schema turned into a tree built for validating many objects: regular
 * expressions and CEL rules compiled, defaults and rule locations indexed, so that validating an
 * object never re-reads the JSON schema.
 */
import type { JsonSchema } from '../schema';
import { celPropertyName, compileRule, type CelShape, type CompiledRule } from './cel';
import { compileRegex, type Matcher } from './regex';

/** String formats the API server checks; other formats (int32, date-time on status, ...) are not checked here. */
export type CheckedFormat = 'ipv4' | 'ipv6';

export interface SchemaNode extends CelShape {
  readonly type?: string;
  readonly nullable: boolean;
  readonly format?: CheckedFormat;
  readonly properties?: ReadonlyMap<string, SchemaNode>;
  readonly additionalProperties?: SchemaNode;
  readonly items?: SchemaNode;
  readonly required: readonly string[];
  readonly enum?: readonly unknown[];
  readonly pattern?: { readonly source: string; readonly matcher: Matcher };
  readonly maxLength?: number;
  readonly minLength?: number;
  readonly maxItems?: number;
  readonly minItems?: number;
  readonly maxProperties?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  /** The default, or undefined when the schema has none (a default is never JSON null in a structural schema). */
  readonly default?: unknown;
  /** Properties that have a default, so that defaulting an object does not scan every property. */
  readonly defaulted: ReadonlyArray<readonly [string, SchemaNode]>;
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys: readonly string[];
  readonly rules: readonly CompiledRule[];
  readonly oneOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
  readonly not?: SchemaNode;
  /** This node or one below it carries CEL rules. */
  readonly hasRules: boolean;
  /** This node or one below it is a set or map list, whose items must be unique. */
  readonly hasUniqueLists: boolean;
}

export function compileSchema(schema: JsonSchema): SchemaNode {
  const properties = schema.properties === undefined
    ? undefined
    : new Map(Object.entries(schema.properties).map(([name, sub]) => [name, compileSchema(sub)]));
  const celNames = new Map<string, string>();
  for (const name of properties?.keys() ?? []) {
    const celName = celPropertyName(name);
    if (celName !== undefined) celNames.set(name, celName);
  }
  const additionalProperties = schema.additionalProperties === undefined ? undefined : compileSchema(schema.additionalProperties);
  const items = schema.items === undefined ? undefined : compileSchema(schema.items);
  const children = [...properties?.values() ?? [], ...additionalProperties ? [additionalProperties] : [], ...items ? [items] : []];
  const rules = (schema['x-kubernetes-validations'] ?? []).map(compileRule);
  const listType = schema['x-kubernetes-list-type'] as SchemaNode['listType'];
  const format = schema.format === 'ipv4' || schema.format === 'ipv6' ? schema.format : undefined;

  return {
    type: schema.type,
    nullable: schema.nullable === true,
    format,
    properties,
    celNames,
    additionalProperties,
    items,
    required: schema.required ?? [],
    enum: schema.enum,
    pattern: schema.pattern === undefined ? undefined : { source: schema.pattern, matcher: compileRegex(schema.pattern) },
    maxLength: schema.maxLength,
    minLength: schema.minLength,
    maxItems: schema.maxItems,
    minItems: schema.minItems,
    maxProperties: schema.maxProperties,
    minimum: schema.minimum,
    maximum: schema.maximum,
    default: schema.default,
    defaulted: [...properties ?? []].filter(([, sub]) => sub.default !== undefined),
    listType,
    listMapKeys: schema['x-kubernetes-list-map-keys'] ?? [],
    rules,
    oneOf: schema.oneOf?.map(compileSchema),
    anyOf: schema.anyOf?.map(compileSchema),
    not: schema.not === undefined ? undefined : compileSchema(schema.not),
    hasRules: rules.length > 0 || children.some(c => c.hasRules),
    hasUniqueLists: listType === 'set' || listType === 'map' || children.some(c => c.hasUniqueLists),
  };
}
