/**
 * Listener × route hostname intersection. A wildcard `*.example.com` stands for one or more
 * labels in front of `example.com`, never for `example.com` itself.
 */

function isWildcard(host: string): boolean {
  return host.startsWith('*.');
}

/** Whether every name `host` (exact or wildcard) stands for is covered by `pattern` (exact or wildcard). */
function covers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!isWildcard(pattern)) return false;
  const suffix = pattern.slice(1);
  const name = isWildcard(host) ? host.slice(1) : host;
  return name.endsWith(suffix) && name.length > suffix.length;
}

/**
 * The hostnames a route serves on a listener, or undefined when they do not intersect.
 * An empty result means "any hostname" (neither side restricts).
 */
export function intersectHostnames(listenerHostname: string | undefined, routeHostnames: readonly string[]): string[] | undefined {
  const listener = listenerHostname?.toLowerCase();
  const routes = routeHostnames.map((h) => h.toLowerCase());
  if (routes.length === 0) return listener ? [listener] : [];
  if (!listener) return dedupe(routes);
  const result: string[] = [];
  for (const route of routes) {
    if (covers(listener, route)) result.push(route);
    else if (covers(route, listener)) result.push(listener);
  }
  return result.length > 0 ? dedupe(result) : undefined;
}

function dedupe(hosts: string[]): string[] {
  return [...new Set(hosts)];
}
