/**
 * Regular expressions with the API server's semantics: Go's RE2 syntax, searched anywhere in the
 * value (a pattern anchors itself with ^ and $ when it means to).
 *
 * RE2 in JavaScript is about fifty times slower than the built-in engine, so a pattern is run by
 * the built-in engine when it only uses constructs both engines treat alike (literals, classes
 * without POSIX names, groups, alternation, greedy quantifiers, ^ and $ without multi-line mode);
 * anything else (flags like (?i), \p classes, \b, \s, lookaround, which RE2 refuses) goes to RE2.
 */
import { RE2JS } from '@bufbuild/re2';

export interface Matcher {
  /** True when the pattern matches some part of the value. */
  test(value: string): boolean;
}

const cache = new Map<string, Matcher>();

/** The compiled pattern, cached for the life of the process. Throws when RE2 rejects the pattern. */
export function compileRegex(pattern: string): Matcher {
  let matcher = cache.get(pattern);
  if (matcher === undefined) {
    matcher = nativeEquivalent(pattern) ?? RE2JS.compile(pattern);
    cache.set(pattern, matcher);
  }
  return matcher;
}

/** Escapes that mean the same single character (or ASCII class) in RE2 and in a `u`-mode RegExp. */
const SAME_ESCAPES = new Set(['.', '-', '/', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '\\', 't', 'n', 'd']);

/** A RegExp that accepts exactly the strings RE2 accepts for this pattern, or undefined when that is not certain. */
function nativeEquivalent(pattern: string): RegExp | undefined {
  let source = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(pattern.slice(i + 2, i + 4))) {
        source += pattern.slice(i, i + 4);
        i += 3;
      } else if (next !== undefined && SAME_ESCAPES.has(next)) {
        source += c + next;
        i++;
      } else {
        return undefined;
      }
    } else if (inClass) {
      if (c === '[') return undefined;
      if (c === ']') inClass = false;
      source += c;
    } else if (c === '[') {
      if (pattern[i + 1] === ']' || (pattern[i + 1] === '^' && pattern[i + 2] === ']')) return undefined;
      inClass = true;
      source += c;
    } else if (c === '(' && pattern[i + 1] === '?') {
      if (pattern[i + 2] !== ':') return undefined;
      source += '(?:';
      i += 2;
    } else if (c === '.') {
      // RE2's dot excludes only \n; the built-in one also excludes \r, U+2028 and U+2029.
      source += '[^\\n]';
    } else {
      source += c;
    }
  }
  if (inClass) return undefined;
  try {
    return new RegExp(source, 'u');
  } catch {
    return undefined;
  }
}
