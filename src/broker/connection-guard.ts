/**
 * Sockets before and after CONNECT (docs/limits.md): open MQTT sockets in all, and sockets still waiting
 * for their CONNACK in all and per remote address. A socket over a cap is closed as soon as it is
 * accepted, before aedes sees it, so a flood costs one accept and one close per socket.
 */

export interface ConnectionGuardOptions {
  readonly maxConnections: number;
  readonly pendingConnections: number;
  readonly pendingPerAddress: number;
}

export type AdmitRefusal = 'max_connections' | 'pending_connections' | 'pending_per_address';

export interface Admission {
  /** The socket got its CONNACK (accepted or refused): it no longer counts as pending. */
  answered(): void;
  /** The socket closed. Idempotent. */
  closed(): void;
}

export interface ConnectionGuard {
  admit(address: string): Admission | AdmitRefusal;
  open(): number;
  pending(): number;
}

export function createConnectionGuard(options: ConnectionGuardOptions): ConnectionGuard {
  let open = 0;
  let pending = 0;
  const pendingByAddress = new Map<string, number>();

  function release(address: string): void {
    pending--;
    const n = (pendingByAddress.get(address) ?? 1) - 1;
    if (n <= 0) pendingByAddress.delete(address);
    else pendingByAddress.set(address, n);
  }

  return {
    admit(address) {
      if (open >= options.maxConnections) return 'max_connections';
      if (pending >= options.pendingConnections) return 'pending_connections';
      const mine = pendingByAddress.get(address) ?? 0;
      if (mine >= options.pendingPerAddress) return 'pending_per_address';
      open++;
      pending++;
      pendingByAddress.set(address, mine + 1);
      let isPending = true;
      let isOpen = true;
      const answered = () => {
        if (!isPending) return;
        isPending = false;
        release(address);
      };
      return {
        answered,
        closed() {
          answered();
          if (!isOpen) return;
          isOpen = false;
          open--;
        },
      };
    },
    open: () => open,
    pending: () => pending,
  };
}
