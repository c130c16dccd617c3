/**
 * Attestations a node holds, in memory: by block for the blocks it knows, and, bounded per member, those of
 * blocks it has not seen yet (they wait for their block; the oldest go first). The store keeps the first kind.
 */
import type { Attestation } from '../rules/attestation.ts';

export interface AttestationBook {
  /** The attestations of a known block, by member. */
  of(blockHash: string): Attestation[];
  has(blockHash: string, gatewayId: string): boolean;
  put(attestation: Attestation): void;
  /** Keeps an attestation of a block not known yet; returns false when it was already waiting. */
  pend(attestation: Attestation): boolean;
  isPending(blockHash: string, gatewayId: string): boolean;
  /** The waiting attestations of a block that just arrived, removed from the waiting list. */
  takePending(blockHash: string): Attestation[];
}

export function createAttestationBook(pendingPerMember: number): AttestationBook {
  const byBlock = new Map<string, Map<string, Attestation>>();
  // gatewayId → (blockHash → attestation), in arrival order.
  const pending = new Map<string, Map<string, Attestation>>();
  return {
    of: (blockHash) => [...(byBlock.get(blockHash)?.values() ?? [])],
    has: (blockHash, gatewayId) => byBlock.get(blockHash)?.has(gatewayId) ?? false,
    put(att) {
      const forBlock = byBlock.get(att.blockHash) ?? new Map<string, Attestation>();
      byBlock.set(att.blockHash, forBlock);
      forBlock.set(att.gatewayId, att);
    },
    pend(att) {
      const mine = pending.get(att.gatewayId) ?? new Map<string, Attestation>();
      pending.set(att.gatewayId, mine);
      if (mine.has(att.blockHash)) return false;
      if (mine.size >= pendingPerMember) mine.delete(mine.keys().next().value!);
      mine.set(att.blockHash, att);
      return true;
    },
    isPending: (blockHash, gatewayId) => pending.get(gatewayId)?.has(blockHash) ?? false,
    takePending(blockHash) {
      const out: Attestation[] = [];
      for (const mine of pending.values()) {
        const att = mine.get(blockHash);
        if (att !== undefined) {
          out.push(att);
          mine.delete(blockHash);
        }
      }
      return out;
    },
  };
}
