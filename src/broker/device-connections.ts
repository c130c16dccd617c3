/**
 * At most `limit` connections per device (docs/limits.md). A connection with a client id the device
 * already uses takes that one over (aedes closes the old one), so it does not count twice.
 */
import type { Client } from 'aedes';

export interface DeviceConnections {
  /** Reserves a slot for `client` of `deviceId`; false when the device has none left. */
  admit(deviceId: string, client: Client): boolean;
  release(deviceId: string, client: Client): void;
  count(deviceId: string): number;
}

export function createDeviceConnections(limit: number): DeviceConnections {
  const byDevice = new Map<string, Set<Client>>();
  return {
    admit(deviceId, client) {
      const clients = byDevice.get(deviceId) ?? new Set<Client>();
      let others = 0;
      for (const c of clients) if (c.id !== client.id) others++;
      if (others >= limit) return false;
      clients.add(client);
      byDevice.set(deviceId, clients);
      return true;
    },
    release(deviceId, client) {
      const clients = byDevice.get(deviceId);
      if (!clients) return;
      clients.delete(client);
      if (clients.size === 0) byDevice.delete(deviceId);
    },
    count: (deviceId) => byDevice.get(deviceId)?.size ?? 0,
  };
}
