/**
 * CONNECT authentication (SPEC §1): username = device id, password = its secret, clientId = the device id
 * or `{deviceId}:{suffix}`. A secret that passed scrypt once is remembered as its SHA-256 so that
 * reconnects do not pay the slow hash again; revocation forgets it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthenticateError, Client } from 'aedes';
import { verifySecret } from '../crypto/secret-hash.ts';
import { connackReturnCode, type ErrorCode, GatewayError } from '../errors.ts';
import type { DeviceRecord, DeviceRegistry } from '../store/index.ts';
import type { RateLimiter } from './rate-limit.ts';

export type RefusalReason = 'unknown_device' | 'bad_secret' | 'revoked' | 'client_id' | 'locked_out';

/**
 * The registry's error for each refusal (docs/errors.md): its MQTT outcome gives the CONNACK return code. The
 * reason stays the label of the refusal metric.
 */
const REFUSALS = {
  unknown_device: 'ERR_BAD_CREDENTIALS',
  bad_secret: 'ERR_BAD_CREDENTIALS',
  revoked: 'ERR_NOT_AUTHORIZED',
  client_id: 'ERR_CLIENT_ID',
  locked_out: 'ERR_RATE_LIMITED',
} as const satisfies Record<RefusalReason, ErrorCode>;

export interface AuthenticatorComponents {
  readonly registry: Pick<DeviceRegistry, 'get'>;
  readonly limiter: RateLimiter;
  readonly sessions: WeakMap<Client, DeviceRecord>;
  readonly onRefused?: (reason: RefusalReason, client: Client) => void;
  readonly now?: () => number;
}

export interface Authenticator {
  authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void;
  forget(deviceId: string): void;
}

export function clientIdAllowed(clientId: string, deviceId: string): boolean {
  return (
    clientId === deviceId || (clientId.startsWith(`${deviceId}:`) && clientId.length > deviceId.length + 1)
  );
}

export function createAuthenticator(components: AuthenticatorComponents): Authenticator {
  const { registry, limiter, sessions } = components;
  const now = components.now ?? Date.now;
  const verified = new Map<string, Buffer>();
  const digest = (secret: Buffer) => createHash('sha256').update(secret).digest();

  function refuse(client: Client, reason: RefusalReason, done: (e: AuthenticateError, s: null) => void) {
    const address = remoteAddress(client);
    if (reason === 'bad_secret' || reason === 'unknown_device') limiter.recordFailedAuth(address, now());
    components.onRefused?.(reason, client);
    const code = REFUSALS[reason];
    const error = Object.assign(new GatewayError(code, `connection refused: ${reason}`), {
      returnCode: connackReturnCode(code),
    });
    done(error as unknown as AuthenticateError, null);
  }

  return {
    authenticate(client, username, password, done) {
      const address = remoteAddress(client);
      if (limiter.isLockedOut(address, now())) return refuse(client, 'locked_out', done);
      const device = username ? registry.get(username) : undefined;
      if (!device || !password) return refuse(client, 'unknown_device', done);
      if (device.revokedAt !== null) return refuse(client, 'revoked', done);
      if (!clientIdAllowed(client.id, device.id)) return refuse(client, 'client_id', done);
      const accept = () => {
        // The registry may have changed while scrypt ran.
        const current = registry.get(device.id);
        if (!current || current.revokedAt !== null) return refuse(client, 'revoked', done);
        sessions.set(client, current);
        done(null, true);
      };
      const known = verified.get(device.id);
      const presented = digest(password);
      if (known && timingSafeEqual(known, presented)) return accept();
      verifySecret(password.toString('utf8'), device.secretHash).then(
        (ok) => {
          if (!ok) return refuse(client, 'bad_secret', done);
          verified.set(device.id, presented);
          accept();
        },
        () => refuse(client, 'bad_secret', done),
      );
    },
    forget(deviceId) {
      verified.delete(deviceId);
    },
  };
}

export function remoteAddress(client: Client): string {
  const conn = client.conn as { remoteAddress?: string };
  return conn.remoteAddress ?? 'unknown';
}
