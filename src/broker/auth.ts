/**
 * CONNECT authentication (docs/limits.md, "Connections and devices"): username = device id, password =
 * its secret, clientId = the device id or `{deviceId}:{suffix}`.
 *
 * - A secret that passed scrypt once is remembered as its SHA-256, so reconnects do not pay the slow hash
 *   again; revocation forgets it.
 * - Slow hashes run in bounded slots behind a bounded queue; beyond it the attempt gets CONNACK 3.
 * - An unknown device id is hashed against a dummy hash, and the secret is checked before the client id
 *   or the revocation, so neither the time nor the return code tells which device ids exist.
 * - Failures are counted per address and per device id before the hash runs (a burst of concurrent
 *   attempts is counted as it arrives). A locked-out key still accepts the right secret (devices share
 *   NAT addresses), but gets one slow hash at a time (the others wait for it), so it cannot occupy the
 *   slots.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthenticateError, Client } from 'aedes';
import { verifySecret } from '../crypto/secret-hash.ts';
import { connackReturnCode, type ErrorCode, GatewayError } from '../errors.ts';
import type { DeviceRecord, DeviceRegistry } from '../store/index.ts';
import type { HashSlots } from './hash-slots.ts';
import type { RateLimiter } from './rate-limit.ts';

export type RefusalReason =
  | 'unknown_device'
  | 'bad_secret'
  | 'revoked'
  | 'client_id'
  | 'locked_out'
  | 'auth_busy'
  | 'connections_per_device';

export interface AuthenticatorComponents {
  readonly registry: Pick<DeviceRegistry, 'get'>;
  readonly limiter: RateLimiter;
  readonly sessions: WeakMap<Client, DeviceRecord>;
  readonly slots: HashSlots;
  /** A valid hash of a secret nobody knows, with the cost of real ones: unknown ids are checked against it. */
  readonly dummyHash: string;
  /** Reserves a connection slot of the device for this client; false when the device has no slot left. */
  readonly admitDevice?: (client: Client, device: DeviceRecord) => boolean;
  readonly onRefused?: (reason: RefusalReason, client: Client) => void;
  /** A slow hash finished (counted in /metrics: unknown ids cost one as well). */
  readonly onHash?: (outcome: 'ok' | 'fail') => void;
  readonly now?: () => number;
}

type Done = (error: AuthenticateError | null, success: boolean | null) => void;

export interface Authenticator {
  authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: Done): void;
  forget(deviceId: string): void;
}

export function clientIdAllowed(clientId: string, deviceId: string): boolean {
  return (
    clientId === deviceId || (clientId.startsWith(`${deviceId}:`) && clientId.length > deviceId.length + 1)
  );
}

/**
 * The registry's error for each refusal (docs/errors.md): its MQTT outcome gives the CONNACK return code. The
 * reason stays the label of the refusal metric.
 */
const REFUSALS = {
  unknown_device: 'ERR_BAD_CREDENTIALS',
  bad_secret: 'ERR_BAD_CREDENTIALS',
  revoked: 'ERR_NOT_AUTHORIZED',
  client_id: 'ERR_CLIENT_ID',
  locked_out: 'ERR_LOCKED_OUT',
  auth_busy: 'ERR_AUTH_BUSY',
  connections_per_device: 'ERR_TOO_MANY_CONNECTIONS',
} as const satisfies Record<RefusalReason, ErrorCode>;

export function createAuthenticator(components: AuthenticatorComponents): Authenticator {
  const { registry, limiter, sessions, slots } = components;
  const now = components.now ?? Date.now;
  const verified = new Map<string, Buffer>();
  /** Locked-out keys with a slow hash running: one at a time each, the others wait for it. */
  const lockedHashing = new Map<string, Promise<void>>();
  const digest = (secret: Buffer) => createHash('sha256').update(secret).digest();

  function refuse(client: Client, reason: RefusalReason, done: Done) {
    components.onRefused?.(reason, client);
    const code = REFUSALS[reason];
    const error = Object.assign(new GatewayError(code, `connection refused: ${reason}`), {
      returnCode: connackReturnCode(code),
    });
    done(error as unknown as AuthenticateError, null);
  }

  /** Checks that follow a verified secret: revocation (again: the registry may have changed), client id, slots. */
  function accept(client: Client, deviceId: string, done: Done) {
    const device = registry.get(deviceId);
    if (!device || device.revokedAt !== null) return refuse(client, 'revoked', done);
    if (!clientIdAllowed(client.id, device.id)) return refuse(client, 'client_id', done);
    if (components.admitDevice && !components.admitDevice(client, device))
      return refuse(client, 'connections_per_device', done);
    sessions.set(client, device);
    done(null, true);
  }

  const authenticator: Authenticator = {
    authenticate(client, username, password, answer) {
      // The secret is wiped once judged: aedes' parser keeps the CONNECT packet, this buffer included, for
      // as long as the connection lasts, and a heap dump would show it.
      const done: Done = (error, ok) => {
        password?.fill(0);
        answer(error, ok);
      };
      const device = username ? registry.get(username) : undefined;
      const presented = password ?? Buffer.alloc(0);
      const known = device ? verified.get(device.id) : undefined;
      if (device && known && timingSafeEqual(known, digest(presented)))
        return accept(client, device.id, done);

      const t = now();
      const keys = [`address:${remoteAddress(client)}`];
      if (username) keys.push(`device:${username}`);
      const locked = keys.filter((key) => limiter.isLockedOut(key, t));
      const busy = locked.map((key) => lockedHashing.get(key)).find((p) => p !== undefined);
      // Wait for it, then start over: the right secret may be known by then, without a hash.
      if (busy) return void busy.then(() => authenticator.authenticate(client, username, password, answer));
      for (const key of keys) limiter.recordFailedAuth(key, t);

      const check = slots.run(() =>
        verifySecret(presented.toString('utf8'), device?.secretHash ?? components.dummyHash),
      );
      if (!check) {
        for (const key of keys) limiter.forgiveFailedAuth(key);
        return refuse(client, 'auth_busy', done);
      }
      const hashed = check.then(
        () => {},
        () => {},
      );
      for (const key of locked) lockedHashing.set(key, hashed);
      const settle = (ok: boolean) => {
        components.onHash?.(ok ? 'ok' : 'fail');
        for (const key of locked) if (lockedHashing.get(key) === hashed) lockedHashing.delete(key);
        if (ok && device) {
          for (const key of keys) limiter.forgiveFailedAuth(key);
          verified.set(device.id, digest(presented));
          return accept(client, device.id, done);
        }
        refuse(client, locked.length > 0 ? 'locked_out' : device ? 'bad_secret' : 'unknown_device', done);
      };
      check.then(settle, () => settle(false));
    },
    forget(deviceId) {
      verified.delete(deviceId);
    },
  };
  return authenticator;
}

export function remoteAddress(client: Client): string {
  const conn = client.conn as { remoteAddress?: string };
  return conn.remoteAddress ?? 'unknown';
}
