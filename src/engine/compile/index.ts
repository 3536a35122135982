/**
 * compile: the Gateways translate produced → the route table the data plane serves. Pure; all
 * the sorting and indexing happens here so that a lookup costs the same with ten routes or ten
 * thousand.
 */
import { CompiledHttpPort } from './http-port';
import { CompiledGateway, RouteTable } from './types';
import { GatewayIR, ListenerIR } from '../translate';

export type { CompiledGateway, HttpMatchResult, HttpPortTable, MatchTrace, RequestFacts, RouteTable, TraceStep } from './types';
export { CompiledHttpPort } from './http-port';
export * from './filters';
export * from './outcome';

export function compile(gateways: readonly GatewayIR[]): RouteTable {
  const compiled = new Map<string, CompiledGateway>();
  for (const gateway of gateways) compiled.set(gatewayKey(gateway), compileGateway(gateway));
  return { gateways: compiled };
}

/** The key of a Gateway in `RouteTable.gateways`. */
export function gatewayKey(gateway: { readonly namespace: string; readonly name: string }): string {
  return `${gateway.namespace}/${gateway.name}`;
}

/**
 * `previous`: the Gateway compiled before (from an earlier IR of the same Gateway), whose
 * tables are reused where only routes changed (see CompiledHttpPort); it stays valid.
 */
export function compileGateway(gateway: GatewayIR, previous?: CompiledGateway): CompiledGateway {
  if (previous?.gateway === gateway) return previous;
  const byPort = new Map<number, ListenerIR[]>();
  if (gateway.programmed) {
    for (const listener of gateway.listeners) {
      if (!listener.programmed || (listener.protocol !== 'HTTP' && listener.protocol !== 'HTTPS')) continue;
      const list = byPort.get(listener.port);
      if (list) list.push(listener); else byPort.set(listener.port, [listener]);
    }
  }
  const httpPorts = new Map<number, CompiledHttpPort>();
  for (const [port, listeners] of byPort) {
    // HTTP and HTTPS on one port conflict and are never programmed; keep the table single-protocol regardless.
    const protocol = listeners[0].protocol as 'HTTP' | 'HTTPS';
    const before = previous?.httpPorts.get(port);
    httpPorts.set(port, new CompiledHttpPort(port, protocol, listeners.filter((l) => l.protocol === protocol),
      before instanceof CompiledHttpPort ? before : undefined));
  }
  return { gateway, httpPorts };
}
export * from './request';
