/** A broker under test, started by the bench on 127.0.0.1. */
import type { DeviceCredentials } from './load-client.ts';
import type { Stopped } from './procs.ts';

export interface Target {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** The HTTP API's port, for brokers that have one (the gateway). */
  readonly httpPort?: number;
  /** Credentials of the first `count` bench devices, provisioning them if the broker needs it. */
  devices(count: number, onProgress?: (done: number, total: number) => void): Promise<DeviceCredentials[]>;
  stop(): Promise<Stopped>;
}

/** A target that could not be started; the bench reports why and goes on with the others. */
export class TargetSkipped extends Error {
  override name = 'TargetSkipped';
}
