/** Messages between the bench and its load generator process (IPC, JSON). */
import type { DeviceCredentials } from './load-client.ts';
import type { LatencySummaryMs } from './load-stats.ts';

interface JobBase {
  readonly port: number;
  readonly devices: readonly DeviceCredentials[];
  /** CONNACKs awaited at once while connecting. */
  readonly connectConcurrency: number;
  readonly connectTimeoutMs: number;
}

/** Publish from every device with `window` in flight; record after the warm-up. */
export interface LoadJob extends JobBase {
  readonly mode: 'load';
  readonly window: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Connect every device and keep it idle (pinging) until told to stop. */
export interface IdleJob extends JobBase {
  readonly mode: 'idle';
}

export type Job = LoadJob | IdleJob;

export type ParentMessage = { readonly type: 'stop' };

export type ChildMessage =
  | {
      readonly type: 'connecting';
      readonly connected: number;
      readonly failed: number;
      readonly total: number;
    }
  | { readonly type: 'connected'; readonly connected: number; readonly errors: Record<string, number> }
  | { readonly type: 'stopping'; readonly open: number; readonly errors: Record<string, number> }
  | { readonly type: 'tick'; readonly phase: 'warmup' | 'measure' | 'drain'; readonly acked: number }
  | { readonly type: 'result'; readonly result: LoadResult };

export interface LoadResult {
  readonly clients: number;
  readonly connected: number;
  /** Acks received in the measured window, and its length. */
  readonly messages: number;
  readonly seconds: number;
  readonly rate: number;
  readonly latencyMs: LatencySummaryMs;
  readonly sent: number;
  readonly acked: number;
  /** Still unacknowledged after the drain at the end. */
  readonly unacked: number;
  readonly errors: Record<string, number>;
}
