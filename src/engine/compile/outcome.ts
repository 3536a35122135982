/**
 * What the data plane answers once a rule is chosen: an error the rule forces, a redirect, or
 * the weighted backends to forward to. Header modifiers, rewrites and mirrors apply on the
 * forward path and are left to the proxy.
 */
import { redirectLocation, RedirectRequest } from './filters';
import { HttpMatchResult } from './types';
import { BackendIR } from '../translate';

export interface WeightedBackend {
  readonly backend: BackendIR;
  /** Share of the rule's requests, 0 to 1; an `invalid` backend's share is answered with 500. */
  readonly share: number;
}

export type HttpOutcome =
  | { readonly kind: 'error'; readonly status: 500; readonly reason: string }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  | { readonly kind: 'forward'; readonly backends: WeightedBackend[] };

export function ruleOutcome(result: HttpMatchResult, request: RedirectRequest): HttpOutcome {
  const { rule, listener, match } = result;
  if (rule.invalid) return { kind: 'error', status: 500, reason: rule.invalid.message };
  // A redirect answers the request itself, so the filters after it and the backends never run.
  for (const filter of rule.filters) {
    if (filter.type === 'RequestRedirect') {
      const redirect = filter.requestRedirect;
      return { kind: 'redirect', status: redirect.statusCode, location: redirectLocation(redirect, request, listener.port, match) };
    }
  }
  if (rule.backends.length === 0) return { kind: 'error', status: 500, reason: 'the rule has no backendRefs' };
  const total = rule.backends.reduce((sum, b) => sum + b.weight, 0);
  if (total === 0) return { kind: 'error', status: 500, reason: 'every backendRef has weight 0' };
  return { kind: 'forward', backends: rule.backends.map((backend) => ({ backend, share: backend.weight / total })) };
}
