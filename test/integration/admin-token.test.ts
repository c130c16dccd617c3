/**
 * A start that seeds nothing and has no admin token at all says how to set one, and still starts: the
 * devices already provisioned keep reporting (docs/configuration.md, "Production starts").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startGateway } from '../../src/gateway.ts';
import { tempDir, testConfig } from '../helpers/gateway.ts';

async function startLogged(overrides: Record<string, unknown>, adminToken?: string) {
  const dir = tempDir();
  const lines: string[] = [];
  const gateway = await startGateway({
    config: testConfig(dir.path, overrides),
    adminToken,
    log: (level, message) => lines.push(`${level} ${message}`),
    apiLogLevel: 'silent',
  });
  await gateway.stop();
  dir.remove();
  return { lines, seeded: gateway.seeded };
}

test('no admin token anywhere: a warning with the command that makes one', async () => {
  const { lines, seeded } = await startLogged({});
  assert.equal(seeded, null);
  const warning = lines.find((l) => l.startsWith('warn') && l.includes('admin token'));
  assert.ok(warning, lines.join('\n'));
  assert.ok(warning.includes('GATEWAY_ADMIN_TOKEN=$(openssl rand -hex 24)'), warning);
});

test('an admin token from the environment or the config: no warning', async () => {
  const env = await startLogged({}, 'an-admin-token-from-the-environment');
  assert.ok(!env.lines.some((l) => l.includes('openssl rand')));
  const fromConfig = await startLogged({
    security: { secretHashLog2N: 10, tokens: [{ name: 'ops', sha256: 'a'.repeat(64), role: 'admin' }] },
  });
  assert.ok(!fromConfig.lines.some((l) => l.includes('openssl rand')));
});
