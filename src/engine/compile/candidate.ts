/**
 * One match of one rule, ready to be tested against a request: the conditions a path index
 * cannot decide (method, headers, query parameters, a regular-expression path) and the keys
 * that order it among the other candidates of its bucket.
 */
import { ValueTest, wholeValueRegex } from './regex';
import { HttpMatchResult, RequestFacts } from './types';
import { ValueMatchIR } from '../translate';

/** Path kinds in the order the spec ranks them. */
export enum PathKind { Exact = 0, Prefix = 1, Regex = 2 }

interface ValueCondition {
  readonly name: string;
  readonly test: ValueTest;
  readonly match: ValueMatchIR;
}

export class Candidate {
  readonly pathKind: PathKind;
  /** Characters of the path value: the longer prefix wins. */
  readonly pathLength: number;
  readonly method?: string;
  readonly headers: ValueCondition[];
  readonly query: ValueCondition[];
  readonly pathTest?: ValueTest;

  constructor(
    readonly result: HttpMatchResult,
    /**
     * Position of the route among the routes of its host bucket, in order of precedence (oldest
     * first, then namespace/name). Only candidates of one bucket are ever compared, and a bucket
     * is built whole, so the position need not be the route's among all of the listener's.
     */
    readonly routeRank: number,
    readonly matchIndex: number,
  ) {
    const { path, method, headers, queryParams } = result.match;
    this.pathKind = path.type === 'Exact' ? PathKind.Exact : path.type === 'PathPrefix' ? PathKind.Prefix : PathKind.Regex;
    this.pathLength = this.pathKind === PathKind.Regex ? 0 : path.value.length;
    if (this.pathKind === PathKind.Regex) this.pathTest = wholeValueRegex(path.value);
    if (method !== undefined) this.method = method;
    // translate keeps only the first matcher per name, so every condition here counts.
    this.headers = headers.map((m) => condition(m, m.name.toLowerCase()));
    this.query = queryParams.map((m) => condition(m, m.name));
  }

  /** Whether the request meets every condition the path index did not check. The hot path: no allocation. */
  accepts(request: RequestFacts): boolean {
    if (this.pathTest !== undefined && !this.pathTest(request.path)) return false;
    if (this.method !== undefined && this.method !== request.method) return false;
    for (const h of this.headers) {
      const value = request.header(h.name);
      if (value === undefined || !h.test(value)) return false;
    }
    for (const q of this.query) {
      const value = request.query(q.name);
      if (value === undefined || !q.test(value)) return false;
    }
    return true;
  }

  /** Why the request does not meet the conditions (for `explain`), or undefined when it does. */
  failure(request: RequestFacts): string | undefined {
    if (this.pathTest !== undefined && !this.pathTest(request.path)) return `path ${request.path} does not match the regular expression`;
    if (this.method !== undefined && this.method !== request.method) return `method ${request.method} is not ${this.method}`;
    for (const h of this.headers) {
      const value = request.header(h.name);
      if (value === undefined || !h.test(value)) return valueFailure('header', h.match, value);
    }
    for (const q of this.query) {
      const value = request.query(q.name);
      if (value === undefined || !q.test(value)) return valueFailure('query parameter', q.match, value);
    }
    return undefined;
  }
}

function condition(match: ValueMatchIR, name: string): ValueCondition {
  const expected = match.value;
  const test: ValueTest = match.type === 'Exact' ? (value) => value === expected : wholeValueRegex(expected);
  return { name, test, match };
}

function valueFailure(what: string, match: ValueMatchIR, value: string | undefined): string {
  const wanted = match.type === 'Exact' ? JSON.stringify(match.value) : `matching /${match.value}/`;
  return `${what} ${match.name} is ${value === undefined ? 'absent' : JSON.stringify(value)}, wanted ${wanted}`;
}

/**
 * The spec's order between candidates that reach the same path bucket: longer path value,
 * then a method match, more header matches, more query matches, then the route's rank, the
 * rule's position in the route and the match's position in the rule.
 */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return a.pathKind - b.pathKind
    || b.pathLength - a.pathLength
    || Number(b.method !== undefined) - Number(a.method !== undefined)
    || b.headers.length - a.headers.length
    || b.query.length - a.query.length
    || a.routeRank - b.routeRank
    || a.result.rule.index - b.result.rule.index
    || a.matchIndex - b.matchIndex;
}
