/** Store records as the API shows them: ISO times, proof status. */
import type { SignedMinuteRecord, StoredReading, WindowLookup, WindowRecord } from '../store/index.ts';

/** The block holding a sealed window's record, when it is mined (docs/api.md proof status `anchored`). */
export type AnchorLookup = (
  record: SignedMinuteRecord,
) => { readonly blockHash: string; readonly confirmations: number } | null;

const iso = (ms: number) => new Date(ms).toISOString();

export function presentReading(
  reading: StoredReading,
  sealed: { window: WindowRecord; index: number } | null,
  anchorOf: AnchorLookup = () => null,
) {
  const anchored = sealed ? anchorOf(sealed.window.record) : null;
  return {
    id: reading.id,
    deviceId: reading.deviceId,
    kind: reading.kind,
    ts: iso(reading.ts),
    receivedAt: iso(reading.receivedAt),
    data: reading.data as Record<string, unknown>,
    masked: false,
    proof: sealed
      ? {
          status: anchored ? ('anchored' as const) : ('sealed' as const),
          minute: sealed.window.record.minute,
          leafIndex: sealed.index,
          batchCid: sealed.window.record.batchCid,
          blockHash: anchored?.blockHash ?? null,
          confirmations: anchored?.confirmations ?? 0,
        }
      : {
          status: 'pending' as const,
          minute: null,
          leafIndex: null,
          batchCid: null,
          blockHash: null,
          confirmations: 0,
        },
  };
}

/** Presents a page, looking each reading's window up (consecutive readings mostly share one). */
export async function presentReadings(
  readings: readonly StoredReading[],
  windows: Pick<WindowLookup, 'ofReading'>,
  anchorOf?: AnchorLookup,
) {
  const out = [];
  for (const reading of readings) {
    out.push(presentReading(reading, await windows.ofReading(reading.id), anchorOf));
  }
  return out;
}
