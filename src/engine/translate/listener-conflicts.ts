/**
 * Distinctness of the listeners of one Gateway. Listeners sharing a port must be able to tell
 * their traffic apart: HTTP listeners by Host, HTTPS and TLS listeners (which may share a port)
 * by SNI, so their hostnames must differ; a TCP listener cannot share its port with anything,
 * and UDP listeners, which live in a separate port space, not with another UDP listener.
 * Every listener of an indistinct group is conflicted: none of them can be preferred.
 *
 * Listeners that ListenerSets add to a Gateway are different: there is an order of precedence
 * (the Gateway's own listeners, then the sets oldest first, then by namespace/name), and a
 * listener loses only to listeners of objects that come before its own.
 */
import { Issue } from './finding';
import { isSupportedProtocol, ListenerNode } from './listener';

/** Listeners that can tell traffic apart when sharing a port, by family. */
const FAMILY: Record<string, string> = { HTTP: 'HTTP', HTTPS: 'TLS', TLS: 'TLS', TCP: 'TCP', UDP: 'UDP' };

export function markConflicts(listeners: readonly ListenerNode[]): { listener: ListenerNode; issue: Issue }[] {
  const marked: { listener: ListenerNode; issue: Issue }[] = [];
  const mark = (listener: ListenerNode, reason: string, message: string, hint: string) => {
    if (listener.conflict) return;
    listener.conflict = { reason, message };
    marked.push({ listener, issue: { path: listener.path, reason, message, hint } });
  };

  const byPort = new Map<string, ListenerNode[]>();
  for (const listener of listeners) {
    if (!isSupportedProtocol(listener.protocol)) continue;
    const space = listener.protocol === 'UDP' ? 'udp' : 'stream';
    const key = `${space}/${listener.port}`;
    byPort.set(key, [...(byPort.get(key) ?? []), listener]);
  }

  for (const group of byPort.values()) {
    if (group.length < 2) continue;
    const families = new Set(group.map((l) => FAMILY[l.protocol]));
    if (families.size > 1 || families.has('TCP') || families.has('UDP')) {
      const names = group.map((l) => `${l.name} (${l.protocol})`).join(', ');
      for (const listener of group) {
        mark(listener, 'ProtocolConflict',
          `listeners ${names} share port ${listener.port} but their protocols cannot share a port`,
          `give listener ${listener.name} its own port`);
      }
      continue;
    }
    const byHostname = new Map<string, ListenerNode[]>();
    for (const listener of group) {
      const host = listener.hostname ?? '';
      byHostname.set(host, [...(byHostname.get(host) ?? []), listener]);
    }
    for (const [host, same] of byHostname) {
      if (same.length < 2) continue;
      const names = same.map((l) => l.name).join(', ');
      for (const listener of same) {
        mark(listener, 'HostnameConflict',
          `listeners ${names} on port ${listener.port} have the same hostname ${host || '(none)'}`,
          `give listener ${listener.name} a distinct hostname or its own port`);
      }
    }
  }
  return marked;
}

/**
 * Why two listeners cannot share the Gateway's ports, or undefined when they can tell their
 * traffic apart.
 */
function conflictBetween(a: ListenerNode, b: ListenerNode): 'ProtocolConflict' | 'HostnameConflict' | undefined {
  const space = (l: ListenerNode) => (l.protocol === 'UDP' ? 'udp' : 'stream');
  if (space(a) !== space(b) || a.port !== b.port) return undefined;
  const family = FAMILY[a.protocol];
  if (family !== FAMILY[b.protocol] || family === 'TCP' || family === 'UDP') return 'ProtocolConflict';
  return (a.hostname ?? '') === (b.hostname ?? '') ? 'HostnameConflict' : undefined;
}

function describeOrigin(listener: ListenerNode): string {
  const set = listener.listenerSet;
  return set ? `listener ${listener.name} of ListenerSet ${set.namespace}/${set.name}` : `listener ${listener.name} of the Gateway`;
}

/**
 * Marks each of `listeners` (one ListenerSet) that is indistinct from one of `precedent`, the
 * listeners that take precedence over them. Listeners already conflicted hold no port, so they
 * take nothing from later ones; the set's own listeners are checked among themselves after this.
 */
export function markConflictsAgainst(
  listeners: readonly ListenerNode[], precedent: readonly ListenerNode[],
): { listener: ListenerNode; issue: Issue }[] {
  const marked: { listener: ListenerNode; issue: Issue }[] = [];
  const candidates = precedent.filter((l) => isSupportedProtocol(l.protocol) && !l.conflict);
  for (const listener of listeners) {
    if (listener.conflict || !isSupportedProtocol(listener.protocol)) continue;
    for (const other of candidates) {
      const reason = conflictBetween(listener, other);
      if (!reason) continue;
      const what = reason === 'ProtocolConflict'
        ? `uses port ${listener.port} with protocol ${listener.protocol}, which cannot share it with ${other.protocol}`
        : `has the same port ${listener.port} and hostname ${listener.hostname ?? '(none)'}`;
      const message = `listener ${listener.name} ${what} as ${describeOrigin(other)}, which takes precedence`;
      listener.conflict = { reason, message };
      marked.push({
        listener,
        issue: {
          path: listener.path,
          reason,
          message,
          hint: reason === 'ProtocolConflict'
            ? `give listener ${listener.name} a port no listener with precedence uses`
            : `give listener ${listener.name} a distinct hostname or its own port`,
        },
      });
      break;
    }
  }
  return marked;
}
