/** The rules of each route kind, as IR, with what is wrong in each of them. */
import { KubeObject } from '../types';
import { resolveBackendRef } from './backend';
import { buildFilters, GRPC_ROUTE_FILTERS, HTTP_ROUTE_FILTERS } from './filters';
import { BackendIR, GrpcRuleIR, HttpRuleIR, StreamRuleIR } from './ir';
import { grpcMatch, httpMatch } from './matches';
import { RuleIssues } from './rule-issues';
import { RouteKind, Snapshot } from './snapshot';

export interface BuiltRule<R> {
  readonly rule: R;
  readonly issues: RuleIssues;
}

/** What the API server stores for an HTTPRoute without rules. */
const DEFAULT_HTTP_RULES = [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }];

export function buildRules(snapshot: Snapshot, route: KubeObject, kind: RouteKind): BuiltRule<HttpRuleIR | GrpcRuleIR | StreamRuleIR>[] {
  const specRules: any[] = Array.isArray(route.spec?.rules)
    ? route.spec.rules
    : kind === 'HTTPRoute' ? DEFAULT_HTTP_RULES : [];
  return specRules.map((rule, index) => {
    const issues = new RuleIssues();
    const path = `spec.rules[${index}]`;
    switch (kind) {
      case 'HTTPRoute': return { rule: httpRule(snapshot, route, rule, index, path, issues), issues };
      case 'GRPCRoute': return { rule: grpcRule(snapshot, route, rule, index, path, issues), issues };
      default: return { rule: streamRule(snapshot, route, rule, index, path, issues), issues };
    }
  });
}

function httpRule(snapshot: Snapshot, route: KubeObject, rule: any, index: number, path: string, issues: RuleIssues): HttpRuleIR {
  const matches = Array.isArray(rule?.matches) && rule.matches.length > 0 ? rule.matches : [{}];
  const { filters, invalid } = buildFilters(snapshot, route, rule?.filters, `${path}.filters`, HTTP_ROUTE_FILTERS, issues);
  return {
    index,
    ...(rule?.name !== undefined ? { name: rule.name } : {}),
    matches: matches.map((m: any, i: number) => httpMatch(m, `${path}.matches[${i}]`, issues)),
    filters,
    backends: backends(snapshot, route, rule, path, HTTP_ROUTE_FILTERS, issues),
    ...(rule?.timeouts !== undefined ? { timeouts: { ...rule.timeouts } } : {}),
    ...(rule?.retry !== undefined ? { retry: rule.retry } : {}),
    ...(rule?.sessionPersistence !== undefined ? { sessionPersistence: rule.sessionPersistence } : {}),
    ...(invalid ? { invalid } : {}),
  };
}

function grpcRule(snapshot: Snapshot, route: KubeObject, rule: any, index: number, path: string, issues: RuleIssues): GrpcRuleIR {
  const matches: any[] = Array.isArray(rule?.matches) ? rule.matches : [];
  const { filters, invalid } = buildFilters(snapshot, route, rule?.filters, `${path}.filters`, GRPC_ROUTE_FILTERS, issues);
  return {
    index,
    ...(rule?.name !== undefined ? { name: rule.name } : {}),
    matches: matches.map((m, i) => grpcMatch(m, `${path}.matches[${i}]`, issues)),
    filters,
    backends: backends(snapshot, route, rule, path, GRPC_ROUTE_FILTERS, issues),
    ...(rule?.sessionPersistence !== undefined ? { sessionPersistence: rule.sessionPersistence } : {}),
    ...(invalid ? { invalid } : {}),
  };
}

function streamRule(snapshot: Snapshot, route: KubeObject, rule: any, index: number, path: string, issues: RuleIssues): StreamRuleIR {
  return {
    index,
    ...(rule?.name !== undefined ? { name: rule.name } : {}),
    backends: backends(snapshot, route, rule, path, [], issues),
  };
}

function backends(
  snapshot: Snapshot, route: KubeObject, rule: any, path: string, allowedFilters: readonly string[], issues: RuleIssues,
): BackendIR[] {
  const refs: any[] = Array.isArray(rule?.backendRefs) ? rule.backendRefs : [];
  return refs.map((ref, b) => {
    const at = `${path}.backendRefs[${b}]`;
    const resolved = resolveBackendRef(snapshot, route, ref, at, 1);
    if (resolved.issue) issues.unresolved.push(resolved.issue);
    if (allowedFilters.length === 0) return resolved.backend;
    const { filters, invalid } = buildFilters(snapshot, route, ref?.filters, `${at}.filters`, allowedFilters, issues);
    // A backend whose own filter cannot be honoured must not receive traffic unfiltered.
    return { ...resolved.backend, filters, ...(invalid && !resolved.backend.invalid ? { invalid } : {}) };
  });
}
