/**
 * Data at rest (docs/limits.md, "HTTP API and data at rest"): the data dir and everything in it belong to
 * the gateway's user alone (0700 / 0600), and a start on a group- or world-readable data dir or key file is
 * refused with the chmod to run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isGatewayError } from '../../src/errors.ts';
import { startTestGateway, tempDir } from '../helpers/gateway.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(path);
    if (entry.isDirectory()) walk(path, out);
  }
  return out;
}

test('a first start creates the data dir 0700 and every file in it 0600', async () => {
  const root = tempDir();
  try {
    const dataDir = join(root.path, 'data');
    const t = await startTestGateway({ dataDir });
    await t.provision('w-perm', 'wearable', 'P-PERM');
    await t.stop({ keepData: true });
    assert.equal(mode(dataDir).toString(8), '700');
    const entries = walk(dataDir);
    assert.ok(entries.some((p) => p.endsWith('.key')));
    assert.ok(entries.some((p) => /\.(ldb|log)$/.test(p)));
    for (const path of entries) {
      const expected = statSync(path).isDirectory() ? '700' : '600';
      assert.equal(mode(path).toString(8), expected, path);
    }
  } finally {
    root.remove();
  }
});

test('files left readable by others in a private data dir are made private at start', async () => {
  const root = tempDir();
  try {
    const dataDir = join(root.path, 'data');
    await (await startTestGateway({ dataDir })).stop({ keepData: true });
    const store = join(dataDir, 'store');
    // LOCK is opened again, not rewritten: its mode is what the start left it.
    const file = 'LOCK';
    chmodSync(join(store, file), 0o644);
    chmodSync(store, 0o755);
    await (await startTestGateway({ dataDir })).stop({ keepData: true });
    assert.equal(mode(join(store, file)).toString(8), '600');
    assert.equal(mode(store).toString(8), '700');
  } finally {
    root.remove();
  }
});

test('batch files left readable in a batches dir opened to others are made private at start', async () => {
  const root = tempDir();
  try {
    const dataDir = join(root.path, 'data');
    await (await startTestGateway({ dataDir })).stop({ keepData: true });
    const day = join(dataDir, 'batches', '2026-11-27');
    mkdirSync(day, { recursive: true });
    const file = join(day, '10-00-00.000.car');
    writeFileSync(file, 'not a real batch');
    chmodSync(file, 0o644);
    chmodSync(day, 0o755);
    chmodSync(join(dataDir, 'batches'), 0o755);
    await (await startTestGateway({ dataDir })).stop({ keepData: true });
    assert.equal(mode(join(dataDir, 'batches')).toString(8), '700');
    assert.equal(mode(day).toString(8), '700');
    assert.equal(mode(file).toString(8), '600');
  } finally {
    root.remove();
  }
});

test('a start on a 0755 data dir is refused with the chmod to run', async () => {
  const root = tempDir();
  try {
    const dataDir = join(root.path, 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    await assert.rejects(startTestGateway({ dataDir }), (err: unknown) => {
      assert.ok(isGatewayError(err));
      assert.equal(err.code, 'ERR_INSECURE_PERMISSIONS');
      assert.ok(err.message.includes(`chmod 700 ${dataDir}`), err.message);
      return true;
    });
    assert.deepEqual(readdirSync(dataDir), [], 'nothing written');
  } finally {
    root.remove();
  }
});

test('a start with a group-readable key file is refused with the chmod to run', async () => {
  const root = tempDir();
  try {
    const keyFile = join(root.path, 'signing.key');
    writeFileSync(keyFile, `${'ab'.repeat(32)}\n`);
    chmodSync(keyFile, 0o640);
    await assert.rejects(
      startTestGateway({
        dataDir: join(root.path, 'data'),
        overrides: { keys: { signingKeyFile: keyFile } },
      }),
      (err: unknown) =>
        isGatewayError(err) &&
        err.code === 'ERR_INSECURE_PERMISSIONS' &&
        err.message.includes(`chmod 600 ${keyFile}`),
    );
  } finally {
    root.remove();
  }
});

test('a start with a TLS private key readable by others is refused', async () => {
  const root = tempDir();
  try {
    const keyFile = join(root.path, 'tls-key.pem');
    const certFile = join(root.path, 'tls-cert.pem');
    writeFileSync(keyFile, 'not read: the mode is checked first\n');
    writeFileSync(certFile, 'certificates are public\n');
    chmodSync(keyFile, 0o644);
    chmodSync(certFile, 0o644);
    for (const section of ['http', 'mqtt']) {
      await assert.rejects(
        startTestGateway({
          dataDir: join(root.path, `data-${section}`),
          overrides: { [section]: { tls: { certFile, keyFile } } },
        }),
        (err: unknown) =>
          isGatewayError(err) &&
          err.code === 'ERR_INSECURE_PERMISSIONS' &&
          err.message.includes(`chmod 600 ${keyFile}`),
        section,
      );
    }
  } finally {
    root.remove();
  }
});

test('`gateway start` on a world-readable data dir exits 78 and says what to run', () => {
  const root = tempDir();
  try {
    const dataDir = join(root.path, 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const run = spawnSync(process.execPath, ['src/main.ts', 'start'], {
      env: { ...process.env, GATEWAY_DATA_DIR: dataDir, GATEWAY_MQTT_PORT: '0', GATEWAY_HTTP_PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 78, run.stderr);
    assert.match(run.stderr, new RegExp(`chmod 700 ${dataDir}`));
  } finally {
    root.remove();
  }
});
