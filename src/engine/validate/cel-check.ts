/**
 * Every `x-kubernetes-validations` rule evaluated where the API server evaluates it: at each
 * present value of its node, on the defaulted object, a node's rules before those of its
 * children. Transition rules (those reading oldSelf) run only against an old value that
 * corresponds to the new one: same property, same map key, or same key of a `map` list.
 */
import { isCelList, isCelMap, type CelValue } from '@bufbuild/cel';
import { toCelValue, type CompiledRule } from './cel';
import type { SchemaNode } from './compile';
import { childPath, indexPath, keyPath } from './field-error';
import { isPlainObject } from './json';

export interface RuleViolation {
  readonly path: string;
  readonly message: string;
  readonly rule: CompiledRule;
}

/** No old object, or nothing in it corresponds to this value. */
export const NO_OLD_VALUE = Symbol('no old value');

/** `skip` names a root property left out (status, when it is a subresource). */
export function checkRules(value: unknown, node: SchemaNode, oldValue: unknown, skip?: string): RuleViolation[] {
  const out: RuleViolation[] = [];
  walk(value, undefined, node, oldValue, '', out, skip);
  return out;
}

/** `cel` is the CEL form of `value`, built once at the topmost node with rules and looked up below it. */
function walk(value: unknown, cel: CelValue | undefined, node: SchemaNode, old: unknown, path: string, out: RuleViolation[], skip?: string): void {
  if (!node.hasRules || value === null || value === undefined) return;
  if (node.rules.length > 0) {
    cel ??= toCelValue(value, node);
    for (const rule of node.rules) {
      if (rule.usesOldSelf && old === NO_OLD_VALUE) continue;
      const message = rule.evaluate(cel, rule.usesOldSelf ? toCelValue(old, node) : undefined);
      if (message !== undefined) out.push({ path: rule.fieldPath === '' ? path : childPath(path, rule.fieldPath), message, rule });
    }
  }

  if (Array.isArray(value)) {
    const items = node.items;
    if (items === undefined) return;
    value.forEach((item, i) => {
      const itemCel = cel !== undefined && isCelList(cel) ? cel.get(i) : undefined;
      walk(item, itemCel, items, correlatedItem(item, old, node), indexPath(path, i), out);
    });
  } else if (isPlainObject(value)) {
    for (const [key, field] of Object.entries(value)) {
      if (key === skip) continue;
      const property = node.properties?.get(key);
      const child = property ?? node.additionalProperties;
      if (child === undefined) continue;
      const celKey = property === undefined ? key : node.celNames.get(key);
      const fieldCel = cel !== undefined && celKey !== undefined && isCelMap(cel) ? cel.get(celKey) : undefined;
      const oldField = isPlainObject(old) && Object.hasOwn(old, key) ? old[key] : NO_OLD_VALUE;
      walk(field, fieldCel, child, oldField, property === undefined ? keyPath(path, key) : childPath(path, key), out);
    }
  }
}

/** Items of a `map` list correspond by their key fields; items of other lists never do. */
function correlatedItem(item: unknown, old: unknown, node: SchemaNode): unknown {
  if (node.listType !== 'map' || !Array.isArray(old) || !isPlainObject(item)) return NO_OLD_VALUE;
  const match = old.find(o => isPlainObject(o) && node.listMapKeys.every(k => o[k] === item[k]));
  return match === undefined ? NO_OLD_VALUE : match;
}
