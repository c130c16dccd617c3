/**
 * CONNECT refusals are the registry's errors (docs/errors.md): each refusal carries its code, and the CONNACK
 * return code aedes sends is the one the code's MQTT outcome names. Real device registry on LevelDB, real
 * scrypt hashes, real rate limiter.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Client } from 'aedes';
import { createAuthenticator } from '../../../src/broker/auth.ts';
import { createHashSlots } from '../../../src/broker/hash-slots.ts';
import { createRateLimiter } from '../../../src/broker/rate-limit.ts';
import { hashSecret } from '../../../src/crypto/secret-hash.ts';
import { connackReturnCode, ERRORS, type ErrorCode, isGatewayError } from '../../../src/errors.ts';
import { createDeviceRegistry, type DeviceRecord, openDb, sublevels } from '../../../src/store/index.ts';
import { tempDir } from '../../helpers/gateway.ts';

const dir = tempDir('medgate-auth-');
after(() => dir.remove());

async function authenticator() {
  const db = openDb(`${dir.path}/${Math.random().toString(36).slice(2)}`);
  await db.open();
  const registry = await createDeviceRegistry({ subs: sublevels(db) });
  const secretHash = await hashSecret('s3cret', 10);
  await registry.create({
    id: 'w1',
    kind: 'wearable',
    patientId: 'P-1',
    secretHash,
    createdAt: 0,
    revokedAt: null,
  });
  await registry.create({
    id: 'w2',
    kind: 'wearable',
    patientId: 'P-2',
    secretHash,
    createdAt: 0,
    revokedAt: 5,
  });
  const limiter = createRateLimiter({
    connectsPerSecond: 100,
    burst: 100,
    failedAuthLimit: 3,
    failedAuthWindowSeconds: 60,
  });
  const auth = createAuthenticator({
    registry,
    limiter,
    sessions: new WeakMap<Client, DeviceRecord>(),
    slots: createHashSlots({ concurrency: 2, queue: 10 }),
    dummyHash: await hashSecret('nobody knows this', 10),
    // One connection per device here: the second is refused.
    admitDevice: (client) => client.id !== 'w1:second',
  });
  const connect = (clientId: string, username: string, password: string, address = '10.0.0.1') =>
    new Promise<unknown>((resolve) => {
      const client = { id: clientId, conn: { remoteAddress: address } } as unknown as Client;
      auth.authenticate(client, username, Buffer.from(password), (error) => resolve(error));
    });
  /** The password buffer as aedes hands it over (and keeps it, in the parser's copy of the CONNECT packet). */
  const connectKeeping = (clientId: string, username: string, password: Buffer) =>
    new Promise<unknown>((resolve) => {
      const client = { id: clientId, conn: { remoteAddress: '10.0.0.2' } } as unknown as Client;
      auth.authenticate(client, username, password, (error) => resolve(error));
    });
  return { connect, connectKeeping, close: () => db.close() };
}

function assertRefused(error: unknown, code: ErrorCode) {
  assert.ok(isGatewayError(error), `a registry error, got ${String(error)}`);
  assert.equal(error.code, code);
  assert.equal((error as unknown as { returnCode: number }).returnCode, connackReturnCode(code));
}

test('each refusal of a CONNECT is a registry error with the CONNACK code of its MQTT outcome', async () => {
  const { connect, close } = await authenticator();
  try {
    assert.equal(await connect('w1', 'w1', 's3cret'), null, 'the right secret is accepted');
    assertRefused(await connect('w1', 'w1', 'wrong'), 'ERR_BAD_CREDENTIALS');
    assertRefused(await connect('nobody', 'nobody', 's3cret'), 'ERR_BAD_CREDENTIALS');
    assertRefused(await connect('w2', 'w2', 's3cret'), 'ERR_NOT_AUTHORIZED');
    assertRefused(await connect('someone-else', 'w1', 's3cret'), 'ERR_CLIENT_ID');
    assertRefused(await connect('w1:second', 'w1', 's3cret'), 'ERR_TOO_MANY_CONNECTIONS');
    for (let i = 0; i < 3; i++) await connect('w1', 'w1', 'wrong', '10.0.0.9');
    assertRefused(await connect('w1', 'w1', 'wrong', '10.0.0.9'), 'ERR_LOCKED_OUT');
  } finally {
    await close();
  }
});

test('the CONNACK return code comes from the MQTT outcome; other codes do not refuse a CONNECT', () => {
  for (const [code, spec] of Object.entries(ERRORS) as Array<[ErrorCode, (typeof ERRORS)[ErrorCode]]>) {
    if (spec.mqtt === 'connack-3') assert.equal(connackReturnCode(code), 3);
    else if (spec.mqtt === 'connack-4') assert.equal(connackReturnCode(code), 4);
    else if (spec.mqtt === 'connack-5') assert.equal(connackReturnCode(code), 5);
    else assert.throws(() => connackReturnCode(code), RangeError);
  }
});

test('the secret a device presented is wiped once judged, accepted or refused', async () => {
  const { connectKeeping, close } = await authenticator();
  try {
    const cases: Array<[string, string, ErrorCode | null]> = [
      ['s3cret', 'first login: the slow hash', null],
      ['s3cret', 'next login: the verified cache', null],
      ['wrong', 'a wrong secret', 'ERR_BAD_CREDENTIALS'],
    ];
    for (const [secret, what, code] of cases) {
      const password = Buffer.from(secret);
      const error = await connectKeeping('w1', 'w1', password);
      if (code === null) assert.equal(error, null, what);
      else assertRefused(error, code);
      assert.ok(
        password.every((b) => b === 0),
        `${what}: the password buffer still holds ${password.length} bytes of the secret`,
      );
    }
  } finally {
    await close();
  }
});
