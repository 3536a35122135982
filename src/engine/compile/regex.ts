/**
 * Regular expressions of route matches. translate accepts a pattern when the ECMAScript engine
 * compiles it (see translate/matches.ts), so the data plane must run it with that same dialect:
 * any other engine would refuse some accepted routes or read them differently.
 * The pattern must match the whole value, as Envoy-based implementations do, so `/api/.*` does
 * not also match `/x/api/y`.
 */

export type ValueTest = (value: string) => boolean;

export function wholeValueRegex(pattern: string): ValueTest {
  const regex = new RegExp(`^(?:${pattern})$`);
  return (value) => regex.test(value);
}
