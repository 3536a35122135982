/**
 * `meta.k8s.io/v1` Table answers for `kubectl get`: NAME, the CRD's printer columns (or AGE for
 * built-in kinds), with `date` columns turned into ages as the API server does.
 */
import { ResourceType } from './resources';

export function toTable(t: ResourceType, items: any[], resourceVersion: string, includeObject: string | null,
  apiVersion = 'meta.k8s.io/v1'): Record<string, unknown> {
  const columns = [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    ...(t.printerColumns.length > 0 ? t.printerColumns : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }])
      .map((c) => ({ name: c.name, type: c.type === 'date' ? 'date' : c.type, format: '', description: '', priority: 0 })),
  ];
  const paths = t.printerColumns.length > 0 ? t.printerColumns : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];
  const rows = items.map((o) => ({
    cells: [o.metadata.name, ...paths.map((c) => cell(evaluate(o, c.jsonPath), c.type))],
    object: includeObject === 'None' ? undefined : includeObject === 'Object' ? o : {
      kind: 'PartialObjectMetadata', apiVersion, metadata: o.metadata,
    },
  }));
  return { kind: 'Table', apiVersion, metadata: { resourceVersion }, columnDefinitions: columns, rows };
}

function cell(values: unknown[], type: string): unknown {
  if (values.length === 0) return null;
  if (type === 'date' && typeof values[0] === 'string') return age(Date.parse(values[0]));
  if (values.length === 1) return typeof values[0] === 'object' ? JSON.stringify(values[0]) : values[0];
  return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
}

function age(since: number): string {
  const s = Math.max(0, Math.floor((Date.now() - since) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}

/** The JSONPath subset the CRDs' printer columns use: `.a.b`, `[*]`, `[N]`, `[?(@.k=="v")]`. */
export function evaluate(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj];
  const tokens = path.match(/\.[^.[\]]+|\[\*\]|\[\d+\]|\[\?\(@\.[^=]+==\s*"[^"]*"\)\]/g) ?? [];
  for (const token of tokens) {
    const next: unknown[] = [];
    for (const v of current) {
      if (token === '[*]') {
        if (Array.isArray(v)) next.push(...v);
      } else if (token.startsWith('[?')) {
        const [, key, want] = token.match(/@\.([^=]+?)\s*==\s*"([^"]*)"/)!;
        if (Array.isArray(v)) next.push(...v.filter((e: any) => e?.[key] === want));
      } else if (token.startsWith('[')) {
        if (Array.isArray(v)) next.push(v[Number(token.slice(1, -1))]);
      } else if (v !== null && typeof v === 'object') {
        next.push((v as any)[token.slice(1)]);
      }
    }
    current = next.filter((v) => v !== undefined);
  }
  return current;
}
