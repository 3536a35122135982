/** Kubernetes label selectors (metav1.LabelSelector) evaluated over a label map. */

export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

/** An empty selector matches everything; an absent one (undefined) matches nothing, as in Kubernetes. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(labels, expr.key);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
        if (!present || !values.includes(labels[expr.key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(labels[expr.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        // The API server rejects unknown operators; an unknown one must not widen access.
        return false;
    }
  }
  return true;
}

/** A short rendering for messages and hints: `team=a, env in (prod,stage)`. */
export function describeSelector(selector: LabelSelector | undefined): string {
  if (!selector) return 'no selector';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const expr of selector.matchExpressions ?? []) {
    const values = (expr.values ?? []).join(',');
    switch (expr.operator) {
      case 'In': parts.push(`${expr.key} in (${values})`); break;
      case 'NotIn': parts.push(`${expr.key} notin (${values})`); break;
      case 'Exists': parts.push(expr.key); break;
      case 'DoesNotExist': parts.push(`!${expr.key}`); break;
      default: parts.push(`${expr.key} ${expr.operator} (${values})`);
    }
  }
  return parts.length > 0 ? parts.join(', ') : 'everything';
}

/** The label keys a selector reads. */
export function selectorKeys(selector: LabelSelector | undefined): string[] {
  return [
    ...Object.keys(selector?.matchLabels ?? {}),
    ...(selector?.matchExpressions ?? []).map((e) => e.key),
  ];
}
