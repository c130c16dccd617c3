/**
 * The opaque `_cursor` of a search's `next` link: where the page stopped (the index key of the last reading
 * fully returned, and how many Observations of the next reading were), bound to the patient and the sort
 * order so that it cannot be replayed on another search. Pure.
 */
import { GatewayError } from '../errors.ts';

export interface PagePosition {
  /** Index key to resume after ('' = from the start). */
  readonly key: string;
  /** Observations of the next reading already returned. */
  readonly skip: number;
}

interface Body {
  readonly v: 1;
  /** The resource type searched. */
  readonly t: string;
  readonly p: string;
  readonly d: boolean;
  readonly k: string;
  readonly s: number;
}

export function encodePageCursor(
  type: string,
  patientId: string,
  descending: boolean,
  at: PagePosition,
): string {
  const body: Body = { v: 1, t: type, p: patientId, d: descending, k: at.key, s: at.skip };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodePageCursor(
  cursor: string,
  type: string,
  patientId: string,
  descending: boolean,
): PagePosition {
  let body: Partial<Body> | null = null;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Body>;
  } catch {}
  const ok =
    body !== null &&
    typeof body === 'object' &&
    body.v === 1 &&
    typeof body.k === 'string' &&
    Number.isInteger(body.s) &&
    (body.s ?? -1) >= 0 &&
    (body.s ?? 99) < 16;
  if (!ok) throw new GatewayError('ERR_BAD_CURSOR', '_cursor is not one this gateway issued');
  if (
    body!.t !== type ||
    body!.p !== patientId ||
    body!.d !== descending ||
    (body!.k !== '' && !body!.k!.startsWith(`${patientId}!`))
  )
    throw new GatewayError('ERR_BAD_CURSOR', '_cursor belongs to another search');
  return { key: body!.k!, skip: body!.s! };
}
