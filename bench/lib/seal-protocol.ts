/** Messages between the sealing bench and its publisher process (IPC, JSON). */

import type { DeviceCredentials } from './load-client.ts';
import type { AckSummary } from './seal-acks.ts';

export interface PublisherJob {
  readonly port: number;
  readonly devices: readonly DeviceCredentials[];
  /** Readings per second over all devices. */
  readonly rate: number;
  /** Readings per QoS 1 PUBLISH (a JSON array when more than one). */
  readonly batch: number;
}

export interface Interval {
  readonly label: string;
  /** Epoch ms. */
  readonly from: number;
  readonly to: number;
}

export type ToPublisher =
  | { readonly type: 'start' }
  | { readonly type: 'summaries'; readonly intervals: readonly Interval[] }
  | { readonly type: 'stop' };

export interface PublisherTotals {
  /** PUBLISHes, not readings. */
  readonly sent: number;
  readonly acked: number;
  /** Publishes skipped because a device already had its cap of unacknowledged ones. */
  readonly skipped: number;
  readonly errors: Record<string, number>;
}

export type FromPublisher =
  | { readonly type: 'connected'; readonly connected: number; readonly errors: Record<string, number> }
  | { readonly type: 'tick'; readonly sent: number; readonly acked: number }
  | { readonly type: 'summaries'; readonly summaries: Record<string, AckSummary> }
  | { readonly type: 'stopped'; readonly totals: PublisherTotals };
