/**
 * The three patch formats of PATCH requests: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
 * and the strategic merge patch that kubectl's client-side apply sends for built-in kinds.
 */

export class PatchError extends Error {}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, any> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations');
  let doc = clone(target);
  for (const op of ops) {
    if (!isObject(op) || typeof op.path !== 'string') throw new PatchError('invalid json patch operation');
    switch (op.op) {
      case 'add': doc = put(doc, op.path, clone(op.value), 'add'); break;
      case 'replace': get(doc, op.path); doc = put(doc, op.path, clone(op.value), 'replace'); break;
      case 'remove': doc = remove(doc, op.path); break;
      case 'copy': doc = put(doc, op.path, clone(get(doc, op.from)), 'add'); break;
      case 'move': { const v = get(doc, op.from); doc = put(remove(doc, op.from), op.path, v, 'add'); break; }
      case 'test':
        if (JSON.stringify(get(doc, op.path)) !== JSON.stringify(op.value)) throw new PatchError(`testing value ${op.path} failed`);
        break;
      default: throw new PatchError(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid path ${path}`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: any, path: string): any {
  let cur = doc;
  for (const token of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(token)];
    else if (isObject(cur)) cur = cur[token];
    else cur = undefined;
    if (cur === undefined) throw new PatchError(`path ${path} does not exist`);
  }
  return cur;
}

function parentOf(doc: any, path: string): { parent: any; last: string } {
  const tokens = pointer(path);
  if (tokens.length === 0) throw new PatchError('cannot address the root');
  const last = tokens.pop()!;
  const parent = get(doc, tokens.length === 0 ? '' : '/' + tokens.map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/'));
  return { parent, last };
}

function put(doc: any, path: string, value: any, mode: 'add' | 'replace'): any {
  if (path === '') return value;
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new PatchError(`index ${last} out of bounds`);
    if (mode === 'add') parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isObject(parent)) {
    parent[last] = value;
  } else {
    throw new PatchError(`path ${path} does not exist`);
  }
  return doc;
}

function remove(doc: any, path: string): any {
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!(i >= 0 && i < parent.length)) throw new PatchError(`index ${last} out of bounds`);
    parent.splice(i, 1);
  } else if (isObject(parent) && last in parent) {
    delete parent[last];
  } else {
    throw new PatchError(`path ${path} does not exist`);
  }
  return doc;
}

/**
 * Merge keys of the lists in the built-in kinds served here, by field name (the Go struct tags
 * `patchMergeKey`): a patch merges such a list element by element instead of replacing it.
 * Lists not named here are replaced, as lists without a patch strategy are.
 */
const MERGE_KEYS: Record<string, string> = {
  ports: 'port', // ServiceSpec.ports; a container's ports use containerPort, handled below
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
  hostAliases: 'ip',
};

function mergeKeyFor(path: string[], field: string): string | undefined {
  if (field === 'ports' && path.includes('containers')) return 'containerPort';
  if (field === 'ports' && path.includes('initContainers')) return 'containerPort';
  return Object.prototype.hasOwnProperty.call(MERGE_KEYS, field) ? MERGE_KEYS[field] : undefined;
}

/** Strategic merge patch with the directives kubectl emits: `$patch`, `$setElementOrder`, `$retainKeys`, `$deleteFromPrimitiveList`. */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  return smp(target, patch, []);
}

function smp(target: unknown, patch: unknown, path: string[]): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch, ...rest } = patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, any> = isObject(target) ? clone(target) : {};
  const orders: Record<string, any[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) { orders[k.slice('$setElementOrder/'.length)] = v as any[]; continue; }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((v as any[]).map((x) => JSON.stringify(x)));
      if (Array.isArray(out[field])) out[field] = out[field].filter((x: any) => !drop.has(JSON.stringify(x)));
      continue;
    }
    if (v === null) { delete out[k]; continue; }
    if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, [...path, k], k);
      continue;
    }
    const merged = smp(out[k], v, [...path, k]);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  for (const [field, order] of Object.entries(orders)) {
    if (Array.isArray(out[field])) out[field] = applyOrder(out[field], order, mergeKeyFor(path, field));
  }
  return out;
}

function mergeList(current: unknown, patch: any[], path: string[], field: string): any[] {
  const key = mergeKeyFor(path.slice(0, -1), field);
  // finalizers merge as a set of strings
  const isSet = field === 'finalizers';
  if (key === undefined && !isSet) return clone(patch).filter((e: any) => !(isObject(e) && e.$patch === 'delete'));
  const out: any[] = Array.isArray(current) ? clone(current) : [];
  if (isSet) {
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  for (const el of patch) {
    if (!isObject(el)) { out.push(el); continue; }
    if (el.$patch === 'replace' && Object.keys(el).length === 1) return [];
    const i = out.findIndex((x) => isObject(x) && x[key!] === el[key!]);
    if (el.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = smp(out[i], el, path);
    else out.push(smp(undefined, el, path));
  }
  return out;
}

function applyOrder(list: any[], order: any[], key: string | undefined): any[] {
  const id = (x: any) => JSON.stringify(key !== undefined && isObject(x) ? x[key] : x);
  const rank = new Map(order.map((o, i) => [id(o), i]));
  const ordered = list.filter((x) => rank.has(id(x))).sort((a, b) => rank.get(id(a))! - rank.get(id(b))!);
  return [...ordered, ...list.filter((x) => !rank.has(id(x)))];
}
