/** `labelSelector` and `fieldSelector` query parameters, as the API server parses them. */

export type Matcher = (obj: any) => boolean;

export class SelectorError extends Error {}

/** Equality (`=`, `==`, `!=`), set (`in`, `notin`) and existence (`k`, `!k`) requirements. */
export function parseLabelSelector(selector: string | null): Matcher {
  if (!selector) return () => true;
  const reqs: Matcher[] = [];
  for (const part of splitTopLevel(selector)) {
    const s = part.trim();
    if (s === '') continue;
    let m: RegExpMatchArray | null;
    if ((m = s.match(/^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const key = m[1];
      const values = new Set(m[3].split(',').map((v) => v.trim()));
      const negate = m[2] === 'notin';
      reqs.push((o) => {
        const v = o.metadata?.labels?.[key];
        return negate ? v === undefined || !values.has(v) : v !== undefined && values.has(v);
      });
    } else if ((m = s.match(/^([^\s!=]+)\s*(!=|==|=)\s*([^\s]*)$/))) {
      const [, key, op, value] = m;
      reqs.push(op === '!='
        ? (o) => o.metadata?.labels?.[key] !== value
        : (o) => o.metadata?.labels?.[key] === value);
    } else if ((m = s.match(/^!([^\s!=]+)$/))) {
      const key = m[1];
      reqs.push((o) => o.metadata?.labels?.[key] === undefined);
    } else if ((m = s.match(/^([^\s!=]+)$/))) {
      const key = m[1];
      reqs.push((o) => o.metadata?.labels?.[key] !== undefined);
    } else {
      throw new SelectorError(`unable to parse requirement: ${s}`);
    }
  }
  return (o) => reqs.every((r) => r(o));
}

/** Only the fields every kind supports: `metadata.name` and `metadata.namespace`. */
export function parseFieldSelector(selector: string | null): Matcher {
  if (!selector) return () => true;
  const reqs: Matcher[] = [];
  for (const part of selector.split(',')) {
    const m = part.trim().match(/^([^!=]+)(!=|==|=)(.*)$/);
    if (!m) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [, field, op, value] = m;
    const get = fieldGetter(field);
    reqs.push(op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value);
  }
  return (o) => reqs.every((r) => r(o));
}

function fieldGetter(field: string): (o: any) => string {
  if (field === 'metadata.name') return (o) => o.metadata?.name ?? '';
  if (field === 'metadata.namespace') return (o) => o.metadata?.namespace ?? '';
  throw new SelectorError(`field label not supported: ${field}`);
}

/** Commas inside `in (a,b)` do not separate requirements. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') {depth++;} else if (s[i] === ')') {depth--;} else if (s[i] === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}
