/**
 * The device registry: kept in LevelDB and mirrored in memory, because the broker looks a device up on
 * every CONNECT and every PUBLISH and the registry is small (thousands of records).
 */
import { GatewayError } from '../errors.ts';
import type { DeviceRecord } from '../model/index.ts';
import type { Sublevels } from './db.ts';

export interface DeviceRegistry {
  get(id: string): DeviceRecord | undefined;
  list(): DeviceRecord[];
  create(record: DeviceRecord): Promise<void>;
  /** All of them in one synced write, or none (a duplicate id, here or already stored, refuses all). */
  createMany(records: readonly DeviceRecord[]): Promise<void>;
  revoke(id: string, at: number): Promise<DeviceRecord>;
  count(): number;
}

export async function createDeviceRegistry(components: {
  readonly subs: Pick<Sublevels, 'devices'>;
}): Promise<DeviceRegistry> {
  const { devices } = components.subs;
  const cache = new Map<string, DeviceRecord>();
  for await (const [id, record] of devices.iterator()) cache.set(id, record);

  return {
    get: (id) => cache.get(id),
    list: () => [...cache.values()],
    count: () => cache.size,
    async create(record) {
      if (cache.has(record.id)) throw new GatewayError('ERR_CONFLICT', `device ${record.id} already exists`);
      cache.set(record.id, record);
      try {
        await devices.put(record.id, record, { sync: true } as never);
      } catch (err) {
        cache.delete(record.id);
        throw err;
      }
    },
    async createMany(records) {
      const ids = new Set<string>();
      for (const [index, record] of records.entries()) {
        if (cache.has(record.id) || ids.has(record.id)) {
          throw new GatewayError('ERR_CONFLICT', `[${index}].id: device ${record.id} already exists`);
        }
        ids.add(record.id);
      }
      for (const record of records) cache.set(record.id, record);
      try {
        await devices.batch(
          records.map((record) => ({ type: 'put' as const, key: record.id, value: record })),
          { sync: true } as never,
        );
      } catch (err) {
        for (const record of records) cache.delete(record.id);
        throw err;
      }
    },
    async revoke(id, at) {
      const current = cache.get(id);
      if (!current) throw new GatewayError('ERR_NOT_FOUND', `device ${id} not found`);
      const revoked = { ...current, revokedAt: current.revokedAt ?? at };
      await devices.put(id, revoked, { sync: true } as never);
      cache.set(id, revoked);
      return revoked;
    },
  };
}

// The device's shape lives in src/model/; re-exported for the importers of this file.
export type { DeviceKind, DeviceRecord } from '../model/index.ts';
