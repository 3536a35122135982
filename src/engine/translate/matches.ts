/**
 * HTTPRoute and GRPCRoute matches, with the API's defaults applied and values this
 * implementation cannot honour reported. Regular expressions use the ECMAScript dialect (the
 * dialect is implementation-specific); a pattern it cannot compile is an unsupported value.
 */
import { GrpcMatchIR, HttpMatchIR, ValueMatchIR } from './ir';
import { RuleIssues } from './rule-issues';

const PATH_TYPES = ['Exact', 'PathPrefix', 'RegularExpression'];
const VALUE_TYPES = ['Exact', 'RegularExpression'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

export function httpMatch(match: any, path: string, issues: RuleIssues): HttpMatchIR {
  const type = match?.path?.type ?? 'PathPrefix';
  const value = String(match?.path?.value ?? '/');
  if (!PATH_TYPES.includes(type)) {
    issues.unsupportedValue(`${path}.path.type`, `path match type ${type} is not supported`, `use one of ${PATH_TYPES.join(', ')}`);
  } else if (type === 'RegularExpression') {
    checkRegex(value, `${path}.path.value`, issues);
  }
  const method = match?.method;
  if (method !== undefined && !METHODS.includes(method)) {
    issues.unsupportedValue(`${path}.method`, `method ${method} is not supported`, `use one of ${METHODS.join(', ')}`);
  }
  return {
    path: { type, value },
    headers: valueMatches(match?.headers, `${path}.headers`, issues, (name) => name.toLowerCase()),
    queryParams: valueMatches(match?.queryParams, `${path}.queryParams`, issues, (name) => name),
    ...(method !== undefined ? { method } : {}),
  };
}

export function grpcMatch(match: any, path: string, issues: RuleIssues): GrpcMatchIR {
  const headers = valueMatches(match?.headers, `${path}.headers`, issues, (name) => name.toLowerCase());
  if (!match?.method) return { headers };
  const type = match.method.type ?? 'Exact';
  const service: string | undefined = match.method.service;
  const method: string | undefined = match.method.method;
  if (!VALUE_TYPES.includes(type)) {
    issues.unsupportedValue(`${path}.method.type`, `method match type ${type} is not supported`, `use one of ${VALUE_TYPES.join(', ')}`);
  } else if (type === 'RegularExpression') {
    if (service !== undefined) checkRegex(service, `${path}.method.service`, issues);
    if (method !== undefined) checkRegex(method, `${path}.method.method`, issues);
  }
  return {
    method: { type, ...(service !== undefined ? { service } : {}), ...(method !== undefined ? { method } : {}) },
    headers,
  };
}

/** Header or query matches; when a name repeats (as compared by `normalize`), only the first counts. */
function valueMatches(list: any, path: string, issues: RuleIssues, normalize: (name: string) => string): ValueMatchIR[] {
  const seen = new Set<string>();
  const result: ValueMatchIR[] = [];
  (Array.isArray(list) ? list : []).forEach((m: any, i: number) => {
    const type = m?.type ?? 'Exact';
    const name = String(m?.name ?? '');
    const value = String(m?.value ?? '');
    if (!VALUE_TYPES.includes(type)) {
      issues.unsupportedValue(`${path}[${i}].type`, `match type ${type} is not supported`, `use one of ${VALUE_TYPES.join(', ')}`);
      return;
    }
    if (type === 'RegularExpression') checkRegex(value, `${path}[${i}].value`, issues);
    if (seen.has(normalize(name))) return;
    seen.add(normalize(name));
    result.push({ type, name, value });
  });
  return result;
}

function checkRegex(pattern: string, path: string, issues: RuleIssues): void {
  try {
    new RegExp(pattern);
  } catch (err) {
    issues.unsupportedValue(path,
      `regular expression ${JSON.stringify(pattern)} is not valid in this implementation's dialect (ECMAScript): ${(err as Error).message}`,
      'write the pattern in ECMAScript syntax (e.g. no inline flags such as (?i)), or use an Exact or PathPrefix match', true);
  }
}
