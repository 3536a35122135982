/**
 * HTTPRoute and GRPCRoute filters, with the API's defaults applied. ExtensionRef filters must
 * never be skipped, and this controller knows no extension kinds, so a rule carrying one is
 * kept but answers with an error.
 */
import { KubeObject } from '../types';
import { resolveBackendRef } from './backend';
import { HttpFilterIR, PathModifierIR, Problem } from './ir';
import { RuleIssues } from './rule-issues';
import { Snapshot } from './snapshot';

export const HTTP_ROUTE_FILTERS = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror', 'CORS', 'ExtensionRef'];
export const GRPC_ROUTE_FILTERS = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef'];

/** Filter types of the experimental channel this controller does not implement. */
const UNIMPLEMENTED_FILTERS = ['ExternalAuth'];

const REDIRECT_SCHEMES = ['http', 'https'];
const REDIRECT_STATUS_CODES = [301, 302, 303, 307, 308];
const PATH_MODIFIERS = ['ReplaceFullPath', 'ReplacePrefixMatch'];

export function buildFilters(
  snapshot: Snapshot, route: KubeObject, list: any, path: string, allowed: readonly string[], issues: RuleIssues,
): { filters: HttpFilterIR[]; invalid?: Problem } {
  const filters: HttpFilterIR[] = [];
  let invalid: Problem | undefined;
  (Array.isArray(list) ? list : []).forEach((filter: any, i: number) => {
    const at = `${path}[${i}]`;
    const type = String(filter?.type ?? '');
    if (!allowed.includes(type)) {
      issues.unsupportedValue(`${at}.type`, `filter type ${type} is not supported on ${route.kind}`,
        `use one of ${allowed.join(', ')}`, UNIMPLEMENTED_FILTERS.includes(type));
      return;
    }
    switch (type) {
      case 'RequestHeaderModifier':
        filters.push({ type, requestHeaderModifier: headerModifier(filter.requestHeaderModifier) });
        break;
      case 'ResponseHeaderModifier':
        filters.push({ type, responseHeaderModifier: headerModifier(filter.responseHeaderModifier) });
        break;
      case 'RequestRedirect': {
        const spec = filter.requestRedirect ?? {};
        const statusCode = spec.statusCode ?? 302;
        if (spec.scheme !== undefined && !REDIRECT_SCHEMES.includes(spec.scheme)) {
          issues.unsupportedValue(`${at}.requestRedirect.scheme`, `redirect scheme ${spec.scheme} is not supported`, 'use http or https');
        }
        if (!REDIRECT_STATUS_CODES.includes(statusCode)) {
          issues.unsupportedValue(`${at}.requestRedirect.statusCode`, `redirect status code ${statusCode} is not supported`,
            `use one of ${REDIRECT_STATUS_CODES.join(', ')}`);
        }
        filters.push({
          type,
          requestRedirect: {
            ...(spec.scheme !== undefined ? { scheme: spec.scheme } : {}),
            ...(spec.hostname !== undefined ? { hostname: spec.hostname } : {}),
            ...pathModifier(spec.path, `${at}.requestRedirect.path`, issues),
            ...(spec.port !== undefined ? { port: spec.port } : {}),
            statusCode,
          },
        });
        break;
      }
      case 'URLRewrite': {
        const spec = filter.urlRewrite ?? {};
        filters.push({
          type,
          urlRewrite: {
            ...(spec.hostname !== undefined ? { hostname: spec.hostname } : {}),
            ...pathModifier(spec.path, `${at}.urlRewrite.path`, issues),
          },
        });
        break;
      }
      case 'RequestMirror': {
        const spec = filter.requestMirror ?? {};
        const resolved = resolveBackendRef(snapshot, route, spec.backendRef, `${at}.requestMirror.backendRef`, 1);
        if (resolved.issue) issues.unresolved.push(resolved.issue);
        filters.push({ type, requestMirror: { backend: resolved.backend, percent: mirrorPercent(spec) } });
        break;
      }
      case 'CORS': {
        const spec = filter.cors ?? {};
        filters.push({
          type,
          cors: {
            allowOrigins: [...(spec.allowOrigins ?? [])],
            allowCredentials: spec.allowCredentials === true,
            allowMethods: [...(spec.allowMethods ?? [])],
            allowHeaders: [...(spec.allowHeaders ?? [])],
            exposeHeaders: [...(spec.exposeHeaders ?? [])],
            maxAge: spec.maxAge ?? 5,
          },
        });
        break;
      }
      default: {
        const ref = filter.extensionRef ?? {};
        const message = `ExtensionRef filter ${ref.group ? `${ref.group}/` : ''}${ref.kind} ${ref.name} cannot be resolved: this controller supports no extension kinds`;
        invalid ??= { reason: 'InvalidKind', message };
        issues.unresolved.push({
          path: `${at}.extensionRef`,
          reason: 'InvalidKind',
          message,
          hint: 'remove the ExtensionRef filter; requests matching this rule are answered with an error until then',
          premise: { implementationSpecific: true },
        });
      }
    }
  });
  return { filters, invalid };
}

function headerModifier(spec: any) {
  return {
    set: (spec?.set ?? []).map((h: any) => ({ name: String(h?.name), value: String(h?.value) })),
    add: (spec?.add ?? []).map((h: any) => ({ name: String(h?.name), value: String(h?.value) })),
    remove: (spec?.remove ?? []).map((name: any) => String(name)),
  };
}

function pathModifier(spec: any, path: string, issues: RuleIssues): { path?: PathModifierIR } {
  if (!spec) return {};
  const type = spec.type;
  if (!PATH_MODIFIERS.includes(type)) {
    issues.unsupportedValue(`${path}.type`, `path modifier type ${type} is not supported`, `use one of ${PATH_MODIFIERS.join(', ')}`);
    return {};
  }
  const value = type === 'ReplaceFullPath' ? spec.replaceFullPath : spec.replacePrefixMatch;
  return { path: { type, value: String(value ?? '') } };
}

/** `percent`, or `fraction` as a percentage; the whole traffic when neither is set. */
function mirrorPercent(spec: any): number {
  if (typeof spec.percent === 'number') return spec.percent;
  if (spec.fraction && typeof spec.fraction.numerator === 'number') {
    const denominator = spec.fraction.denominator ?? 100;
    return denominator > 0 ? (spec.fraction.numerator / denominator) * 100 : 0;
  }
  return 100;
}
