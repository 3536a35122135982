/**
 * The candidates of one host bucket, indexed by path so a lookup only visits candidates whose
 * path can match: a map of exact paths, a trie of prefix segments walked once down the request
 * path and back up (longest prefix first), then the regular expressions, which no index can
 * narrow down. Each list is sorted once by precedence, so the first candidate that accepts the
 * request wins.
 */
import { Candidate, compareCandidates, PathKind } from './candidate';
import { RequestFacts } from './types';

/** Called for every candidate a lookup tests, with why it failed (undefined when it won). */
export type CandidateObserver = (candidate: Candidate, failure: string | undefined) => void;

class PrefixNode {
  children?: Map<string, PrefixNode>;
  candidates?: Candidate[];
  constructor(readonly parent?: PrefixNode) {}

  child(segment: string): PrefixNode {
    this.children ??= new Map();
    let node = this.children.get(segment);
    if (!node) {
      node = new PrefixNode(this);
      this.children.set(segment, node);
    }
    return node;
  }
}

const SLASH = 47;

export class PathIndex {
  private readonly exact = new Map<string, Candidate[]>();
  private readonly root = new PrefixNode();
  private readonly regex: Candidate[] = [];

  add(candidate: Candidate): void {
    const value = candidate.result.match.path.value;
    if (candidate.pathKind === PathKind.Exact) {
      const list = this.exact.get(value);
      if (list) list.push(candidate); else this.exact.set(value, [candidate]);
    } else if (candidate.pathKind === PathKind.Prefix) {
      let node = this.root;
      // Element-wise: `/abc/` and `/abc` select the same paths, so a trailing slash is no segment.
      for (const segment of value.replace(/\/+$/, '').split('/').slice(1)) node = node.child(segment);
      (node.candidates ??= []).push(candidate);
    } else {
      this.regex.push(candidate);
    }
  }

  /** Sorts every list by precedence; called once when the index is complete. */
  seal(): void {
    for (const list of this.exact.values()) list.sort(compareCandidates);
    const stack = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      node.candidates?.sort(compareCandidates);
      if (node.children) stack.push(...node.children.values());
    }
    this.regex.sort(compareCandidates);
  }

  find(request: RequestFacts, observe?: CandidateObserver): Candidate | undefined {
    const path = request.path;
    const exact = this.exact.get(path);
    if (exact) {
      const found = first(exact, request, observe);
      if (found) return found;
    }
    for (let node: PrefixNode | undefined = this.deepestPrefix(path); node; node = node.parent) {
      if (node.candidates) {
        const found = first(node.candidates, request, observe);
        if (found) return found;
      }
    }
    return this.regex.length > 0 ? first(this.regex, request, observe) : undefined;
  }

  /** The deepest trie node whose segments are the leading segments of the path; undefined when the path is not absolute. */
  private deepestPrefix(path: string): PrefixNode | undefined {
    if (path.charCodeAt(0) !== SLASH) return undefined;
    let node = this.root;
    let start = 1;
    while (node.children !== undefined && start <= path.length) {
      let end = path.indexOf('/', start);
      if (end < 0) end = path.length;
      const child = node.children.get(path.slice(start, end));
      if (!child) break;
      node = child;
      start = end + 1;
    }
    return node;
  }
}

function first(candidates: readonly Candidate[], request: RequestFacts, observe?: CandidateObserver): Candidate | undefined {
  if (!observe) {
    for (const c of candidates) if (c.accepts(request)) return c;
    return undefined;
  }
  for (const c of candidates) {
    const failure = c.failure(request);
    observe(c, failure);
    if (failure === undefined) return c;
  }
  return undefined;
}
