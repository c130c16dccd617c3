/**
 * Opaque pagination cursors: base64url JSON bound to the resource they page through, so a cursor of one
 * patient cannot be replayed on another. A cursor that does not decode, or belongs elsewhere, is a 400.
 */
import { GatewayError } from '../errors.ts';

interface CursorBody {
  readonly v: 1;
  /** The resource (e.g. `patient:P-1`). */
  readonly r: string;
  /** Index key to resume after. */
  readonly a: string;
}

export function encodeCursor(resource: string, after: string): string {
  const body: CursorBody = { v: 1, r: resource, a: after };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeCursor(cursor: string, resource: string): string {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new GatewayError('ERR_BAD_CURSOR', 'cursor is not one this gateway issued');
  }
  const b = body as Partial<CursorBody> | null;
  if (b?.v !== 1 || typeof b.a !== 'string' || typeof b.r !== 'string') {
    throw new GatewayError('ERR_BAD_CURSOR', 'cursor is not one this gateway issued');
  }
  if (b.r !== resource) throw new GatewayError('ERR_BAD_CURSOR', 'cursor belongs to another query');
  if (!b.a.startsWith(`${resource.slice(resource.indexOf(':') + 1)}!`)) {
    throw new GatewayError('ERR_BAD_CURSOR', 'cursor is not one this gateway issued');
  }
  return b.a;
}
