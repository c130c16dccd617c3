/**
 * What follows a sealed window (docs/ledger.md, "The ledger in a running gateway"): receipt times move past
 * it, the metrics count it, its signed record goes to the ledger pool and the peers, and a live event says
 * so. Called after the window is durable.
 */

import type { AlarmStore } from '../alarms/store.ts';
import type { EventBus } from '../events/bus.ts';
import type { Log } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { ReceiptClock } from '../receipt-clock.ts';
import type { WindowRecord } from '../store/index.ts';
import type { LedgerService } from './ledger-service.ts';

export interface WindowSealedComponents {
  readonly receiptClock: Pick<ReceiptClock, 'raiseFloor'>;
  /** Alarm events are sealed like readings: their floor moves past the window too. */
  readonly alarmLog: Pick<AlarmStore, 'raiseFloor'>;
  readonly metrics: Pick<Metrics, 'windowsSealed' | 'sealedLeaves' | 'readingsUnsealable'>;
  readonly log: Log;
  readonly ledger: Pick<LedgerService, 'recordSealed'>;
  readonly events: Pick<EventBus, 'publish'>;
  readonly onSealed?: ((window: WindowRecord) => void) | undefined;
}

export function onWindowSealed(components: WindowSealedComponents): (window: WindowRecord) => void {
  const { receiptClock, alarmLog, metrics, log, ledger, events } = components;
  return (window) => {
    receiptClock.raiseFloor(window.end);
    alarmLog.raiseFloor(window.end);
    metrics.windowsSealed.inc();
    metrics.sealedLeaves.inc(window.record.count);
    if (window.skipped) {
      metrics.readingsUnsealable.inc(window.skipped.length);
      log('error', `window ${window.record.minute}: ${window.skipped.length} reading(s) moved to quarantine`);
    }
    ledger
      .recordSealed(window.record)
      .catch((err: Error) =>
        log('error', `ledger: record ${window.record.minute} not pooled: ${err.message}`),
      );
    const { minute, count, root, batchCid } = window.record;
    events.publish({ type: 'window', minute, count, root, batchCid });
    components.onSealed?.(window);
  };
}
