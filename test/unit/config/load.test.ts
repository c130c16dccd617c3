import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig, parseConfig } from '../../../src/config/index.ts';
import type { GatewayError } from '../../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'medgate-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('config', () => {
  test('no file: embedded defaults, with demo seeding', () => {
    const { config, source } = loadConfig({ env: {} });
    assert.equal(source, 'embedded defaults');
    assert.equal(config.mqtt.port, 1883);
    assert.equal(config.http.port, 8080);
    assert.equal(config.mqtt.maxPayloadBytes, 65_536);
    assert.equal(config.mqtt.backfillDays, 7);
    assert.deepEqual(config.demoSeed, { wearables: 2, drones: 1 });
  });

  test('a file without demoSeed does not seed demo devices', () => {
    const { config } = loadConfig({ file: file('plain.json', { gatewayId: 'gw-a' }), env: {} });
    assert.equal(config.gatewayId, 'gw-a');
    assert.equal(config.demoSeed, undefined);
  });

  test('NODE_ENV=production: embedded defaults without demo seeding', () => {
    const { config, source } = loadConfig({ env: { NODE_ENV: 'production' } });
    assert.equal(source, 'embedded defaults');
    assert.equal(config.demoSeed, undefined);
  });

  test('NODE_ENV=production refuses a file that asks for demo seeding', () => {
    const path = file('seeding.json', { demoSeed: {} });
    assert.throws(
      () => loadConfig({ file: path, env: { NODE_ENV: 'production' } }),
      (err: GatewayError) => err.code === 'ERR_CONFIG_INVALID' && /demoSeed/.test(err.message),
    );
    assert.ok(loadConfig({ file: path, env: {} }).config.demoSeed);
  });

  test('environment overrides win over the file', () => {
    const path = file('ports.json', { mqtt: { port: 1000 }, http: { port: 2000 } });
    const { config, adminToken } = loadConfig({
      env: {
        GATEWAY_CONFIG: path,
        GATEWAY_MQTT_PORT: '1884',
        GATEWAY_HTTP_PORT: '8081',
        GATEWAY_DATA_DIR: '/tmp/x',
        GATEWAY_ADMIN_TOKEN: 'a-long-enough-admin-token',
      },
    });
    assert.equal(config.mqtt.port, 1884);
    assert.equal(config.http.port, 8081);
    assert.equal(config.dataDir, '/tmp/x');
    assert.equal(adminToken, 'a-long-enough-admin-token');
  });

  test('every problem is listed with its path', () => {
    const path = file('bad.json', {
      gatewayId: '',
      mqtt: { port: -1, rateLimit: { burst: 0 } },
      security: { tokens: [{ name: 't', sha256: 'abc', role: 'root' }] },
      extra: 1,
    });
    assert.throws(
      () => loadConfig({ file: path, env: {} }),
      (err: GatewayError) => {
        assert.equal(err.code, 'ERR_CONFIG_INVALID');
        const paths = (err.details as Array<{ path: string }>).map((p) => p.path).sort();
        assert.deepEqual(paths, [
          'extra',
          'gatewayId',
          'mqtt.port',
          'mqtt.rateLimit.burst',
          'security.tokens.0.role',
          'security.tokens.0.sha256',
        ]);
        return true;
      },
    );
  });

  test('unreadable, non-JSON files and short admin tokens are errors', () => {
    assert.throws(() => loadConfig({ file: join(dir, 'missing.json'), env: {} }), /cannot read/);
    assert.throws(() => loadConfig({ file: file('broken.json', '{'), env: {} }), /not valid JSON/);
    assert.throws(() => loadConfig({ env: { GATEWAY_ADMIN_TOKEN: 'short' } }), /GATEWAY_ADMIN_TOKEN/);
  });

  test('the loaded config is frozen', () => {
    const config = parseConfig({});
    assert.throws(() => {
      (config.mqtt as { port: number }).port = 1;
    }, TypeError);
  });
});
