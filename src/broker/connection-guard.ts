/**
 * Sockets before and after CONNECT (docs/limits.md): open MQTT sockets in all, and sockets still waiting
 * for their CONNACK in all and per remote address. A socket over the total or the per-address cap is
 * closed as soon as it is accepted, before aedes sees it, so a flood costs one accept and one close per
 * socket. When every slot awaiting CONNACK is taken, the oldest waiting socket is closed to make room:
 * a device that sends its CONNECT at once gets through a flood of sockets that stall.
 */

export interface ConnectionGuardOptions {
  readonly maxConnections: number;
  readonly pendingConnections: number;
  readonly pendingPerAddress: number;
}

export type AdmitRefusal = 'max_connections' | 'pending_per_address';

export interface Admission {
  /** The socket got its CONNACK (accepted or refused): it no longer counts as pending. */
  answered(): void;
  /** The socket closed. Idempotent. */
  closed(): void;
}

export interface ConnectionGuard {
  /** `evict` closes the socket, should it be the oldest one waiting when room is needed. */
  admit(address: string, evict: () => void): Admission | AdmitRefusal;
  open(): number;
  pending(): number;
}

interface Waiting {
  readonly address: string;
  readonly evict: () => void;
  /** Releases the socket's slots; idempotent. */
  readonly close: () => void;
}

export function createConnectionGuard(
  options: ConnectionGuardOptions,
  onEvicted: () => void = () => {},
): ConnectionGuard {
  let open = 0;
  // Insertion order is age: the first entry is the oldest socket waiting for its CONNACK.
  const waiting = new Set<Waiting>();
  const pendingByAddress = new Map<string, number>();

  function release(entry: Waiting): void {
    if (!waiting.delete(entry)) return;
    const n = (pendingByAddress.get(entry.address) ?? 1) - 1;
    if (n <= 0) pendingByAddress.delete(entry.address);
    else pendingByAddress.set(entry.address, n);
  }

  return {
    admit(address, evict) {
      const mine = pendingByAddress.get(address) ?? 0;
      if (mine >= options.pendingPerAddress) return 'pending_per_address';
      const full = waiting.size >= options.pendingConnections || open >= options.maxConnections;
      const oldest = full ? waiting.values().next().value : undefined;
      if (oldest) {
        oldest.close();
        onEvicted();
        oldest.evict();
      }
      if (open >= options.maxConnections) return 'max_connections';
      let isOpen = true;
      const entry: Waiting = {
        address,
        evict,
        close() {
          release(entry);
          if (!isOpen) return;
          isOpen = false;
          open--;
        },
      };
      open++;
      waiting.add(entry);
      pendingByAddress.set(address, mine + 1);
      return { answered: () => release(entry), closed: entry.close };
    },
    open: () => open,
    pending: () => waiting.size,
  };
}
