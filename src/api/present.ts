/** Store records as the API shows them: ISO times, proof status. */
import type { StoredReading } from '../store/index.ts';
import { minuteOf } from '../store/index.ts';

export function presentReading(reading: StoredReading) {
  return {
    id: reading.id,
    deviceId: reading.deviceId,
    kind: reading.kind,
    ts: new Date(reading.ts).toISOString(),
    receivedAt: new Date(reading.receivedAt).toISOString(),
    data: reading.data,
    // Sealing and anchoring fill these in; until then every reading is pending.
    proof: {
      status: 'pending' as const,
      minute: new Date(minuteOf(reading.receivedAt)).toISOString(),
      batchCid: null,
      blockHash: null,
      confirmations: 0,
    },
  };
}
