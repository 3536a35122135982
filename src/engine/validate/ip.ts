/**
 * IP address parsing with Go's rules, which the API server applies: dotted-quad IPv4 without
 * leading zeros, RFC 4291 IPv6 text (with an optional trailing dotted quad), no zones.
 */

/** The address as eight 16-bit groups (IPv4 as an IPv4-mapped IPv6 address), or undefined. */
export function parseIP(s: string): number[] | undefined {
  if (s.includes(':')) return parseIPv6(s);
  const v4 = parseIPv4(s);
  return v4 === undefined ? undefined : [0, 0, 0, 0, 0, 0xffff, v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]];
}

/** The `ipv4` OpenAPI format: Go's net.ParseIP accepts it and it is written with dots. */
export function isIPv4Format(s: string): boolean {
  return s.includes('.') && parseIP(s) !== undefined;
}

/** The `ipv6` OpenAPI format: Go's net.ParseIP accepts it and it is written with colons. */
export function isIPv6Format(s: string): boolean {
  return s.includes(':') && parseIP(s) !== undefined;
}

/** Kubernetes CEL `isIP`: a plain IPv4 or IPv6 address; IPv4-mapped IPv6 addresses are refused. */
export function isIP(s: string): boolean {
  if (!s.includes(':')) return parseIPv4(s) !== undefined;
  const groups = parseIPv6(s);
  if (groups === undefined) return false;
  const mapped = groups.slice(0, 5).every(g => g === 0) && groups[5] === 0xffff;
  return !mapped;
}

function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^[0-9]{1,3}$/.test(part) || (part.length > 1 && part[0] === '0')) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

function parseIPv6(s: string): number[] | undefined {
  const ellipsis = s.indexOf('::');
  if (ellipsis < 0) {
    const groups = parseGroups(s, true);
    return groups?.length === 8 ? groups : undefined;
  }
  const tail = s.slice(ellipsis + 2);
  if (tail.includes('::')) return undefined;
  const head = parseGroups(s.slice(0, ellipsis), false);
  const rest = parseGroups(tail, true);
  // The ellipsis stands for at least one zero group.
  if (head === undefined || rest === undefined || head.length + rest.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}

function parseGroups(s: string, dottedQuadLast: boolean): number[] | undefined {
  if (s === '') return [];
  const fields = s.split(':');
  const groups: number[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (field.includes('.')) {
      const v4 = dottedQuadLast && i === fields.length - 1 ? parseIPv4(field) : undefined;
      if (v4 === undefined) return undefined;
      groups.push(v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(field)) {
      groups.push(parseInt(field, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}
