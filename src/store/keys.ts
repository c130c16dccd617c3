/**
 * Key encoding. Ids and times are fixed-width so that LevelDB's byte order is numeric order.
 * '!' separates parts: it sorts before every character allowed in ids ([A-Za-z0-9._-]).
 */

const ID_WIDTH = 16;
const TIME_WIDTH = 16;

export const formatId = (n: number): string => n.toString(16).padStart(ID_WIDTH, '0');
export const parseId = (id: string): number =>
  /^[0-9a-f]{16}$/.test(id) ? Number.parseInt(id, 16) : Number.NaN;
export const isId = (id: string): boolean => /^[0-9a-f]{16}$/.test(id);

export const formatTime = (ms: number): string =>
  Math.max(0, Math.floor(ms)).toString().padStart(TIME_WIDTH, '0');

export const dedupKey = (deviceId: string, seq: number): string => `${deviceId}!${formatTime(seq)}`;
export const timeIndexKey = (owner: string, ts: number, id: string): string =>
  `${owner}!${formatTime(ts)}!${id}`;
export const receiptIndexKey = (receivedAt: number, id: string): string => `${formatTime(receivedAt)}!${id}`;

/** Bounds `[gte, lt)` of an owner's time index between `from` (inclusive) and `to` (exclusive). */
export function timeRange(owner: string, from: number, to: number): { gte: string; lt: string } {
  return { gte: `${owner}!${formatTime(from)}`, lt: `${owner}!${formatTime(to)}` };
}
