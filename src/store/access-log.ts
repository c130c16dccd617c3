/**
 * The access log of SPEC §5: every read of patient data, who, what, when and how many. Append-only,
 * keyed by a monotonic id so that it can be sealed and anchored like readings.
 */
import type { Role } from '../config/index.ts';
import type { Sublevels } from './db.ts';
import { formatId, parseId } from './keys.ts';

export interface AccessEntry {
  readonly id: string;
  readonly at: number;
  /** Token label (never the token). */
  readonly actor: string;
  readonly role: Role;
  readonly action: string;
  readonly patientId: string | null;
  readonly resource: string;
  readonly count: number;
}

export interface AccessLog {
  append(entry: Omit<AccessEntry, 'id'>): Promise<AccessEntry>;
  list(options: { afterId?: string; limit: number }): Promise<AccessEntry[]>;
}

export async function createAccessLog(components: {
  readonly subs: Pick<Sublevels, 'access'>;
}): Promise<AccessLog> {
  const { access } = components.subs;
  let last = 0;
  for await (const key of access.keys({ reverse: true, limit: 1 })) last = parseId(key) || 0;
  return {
    async append(entry) {
      const record = { id: formatId(++last), ...entry };
      await access.put(record.id, record, { sync: true } as never);
      return record;
    },
    async list({ afterId, limit }) {
      const range = afterId ? { gt: afterId, limit } : { limit };
      return access.values(range).all();
    },
  };
}
