/**
 * The order of routes on a listener: the older wins, then namespace/name in alphabetical order.
 * A route without creationTimestamp has not been created yet, so it is younger than every route
 * that has one. Routes of different kinds may share a name; the order of ROUTE_KINDS settles
 * that last tie, so the order is total and the same however the routes were collected.
 */
import { RouteIR } from './ir';
import { ROUTE_KINDS } from './snapshot';

/** Milliseconds since the epoch of the route's creationTimestamp; +Infinity when it has none. */
export function routeAge(route: RouteIR): number {
  const t = route.creationTimestamp ? Date.parse(route.creationTimestamp) : NaN;
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/** `namespace/name`, the second key of precedence. */
export function routeName(route: RouteIR): string {
  return `${route.namespace}/${route.name}`;
}

/** Orders (age, name) pairs: ages first, where two routes without a timestamp tie. */
export function comparePrecedenceKeys(ageA: number, nameA: string, ageB: number, nameB: string): number {
  if (ageA !== ageB) return ageA < ageB ? -1 : 1;
  return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}

export function compareRoutePrecedence(a: RouteIR, b: RouteIR): number {
  return comparePrecedenceKeys(routeAge(a), routeName(a), routeAge(b), routeName(b))
    || ROUTE_KINDS.indexOf(a.kind) - ROUTE_KINDS.indexOf(b.kind);
}

/** The routes in order of precedence, as a new array; each key is computed once, not per comparison. */
export function sortByPrecedence(routes: Iterable<RouteIR>): RouteIR[] {
  const keyed = [...routes].map((route) => ({ route, age: routeAge(route), name: routeName(route), kind: ROUTE_KINDS.indexOf(route.kind) }));
  keyed.sort((a, b) => comparePrecedenceKeys(a.age, a.name, b.age, b.name) || a.kind - b.kind);
  return keyed.map((k) => k.route);
}
