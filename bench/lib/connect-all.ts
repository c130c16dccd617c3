/** Opens many device connections with a bounded number of CONNECTs awaiting their CONNACK. */
import { type DeviceCredentials, LoadClient, type LoadClientOptions } from './load-client.ts';

export interface ConnectAllOptions extends Omit<LoadClientOptions, 'onSettled'> {
  readonly concurrency: number;
  readonly onProgress?: (connected: number, failed: number) => void;
}

/** Resolves with the clients that got CONNACK 0 (the others are already closed). */
export function connectAll(
  devices: readonly DeviceCredentials[],
  options: ConnectAllOptions,
): Promise<LoadClient[]> {
  const clients: LoadClient[] = [];
  let next = 0;
  let settled = 0;
  let failed = 0;
  return new Promise((resolve) => {
    if (devices.length === 0) resolve([]);
    const startOne = (): void => {
      const device = devices[next++];
      if (device === undefined) return;
      const client: LoadClient = new LoadClient(device, {
        ...options,
        onSettled: (ok) => {
          settled++;
          if (ok) clients.push(client);
          else failed++;
          options.onProgress?.(clients.length, failed);
          if (settled === devices.length) resolve(clients);
          else startOne();
        },
      });
    };
    for (let i = 0; i < Math.min(options.concurrency, devices.length); i++) startOne();
  });
}
