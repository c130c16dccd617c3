import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCli } from '../../../device-sim/cli-args.ts';

describe('device-sim flags', () => {
  it('reads every flag of docs/configuration.md', () => {
    const r = parseCli(
      [
        '--mqtt',
        'mqtt://gw:1883',
        '--api',
        'http://gw:8080',
        '--admin-token',
        'T0KEN',
        '--wearables',
        '5000',
        '--drones',
        '12',
        '--rate',
        '0.5',
        '--duration',
        '60',
        '--bad-ratio',
        '0.1',
        '--disconnect-ratio',
        '0.2',
        '--seed',
        '7',
        '--json',
        '--progress',
      ],
      {},
    );
    assert.ok(r.ok && !r.help);
    assert.deepEqual(r.options, {
      json: true,
      progress: true,
      fleet: {
        mqtt: 'mqtt://gw:1883',
        api: 'http://gw:8080',
        adminToken: 'T0KEN',
        wearables: 5000,
        drones: 12,
        rateHz: 0.5,
        durationS: 60,
        badRatio: 0.1,
        disconnectRatio: 0.2,
        seed: 7,
        rampPerSec: 150,
      },
    });
  });

  it('takes the admin token from the environment', () => {
    const r = parseCli([], { GATEWAY_ADMIN_TOKEN: 'from-env' });
    assert.ok(r.ok && !r.help && r.options.fleet.adminToken === 'from-env');
  });

  it('lists every problem at once', () => {
    const r = parseCli(
      ['--rate', '0', '--bad-ratio', '2', '--frobnicate', '--seed', 'x', '--json=yes', 'stray'],
      {},
    );
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.sort(), [
      '--admin-token is required (or set GATEWAY_ADMIN_TOKEN)',
      '--bad-ratio must be in 0..1, got "2"',
      '--json takes no value',
      '--rate must be a number in (0, 1000], got "0"',
      '--seed must be an integer, got "x"',
      'unexpected argument: stray',
      'unknown flag: --frobnicate',
    ]);
  });

  it('refuses bad URLs and an empty fleet', () => {
    const r = parseCli(
      ['--mqtt', 'http://x', '--api', 'nope', '--wearables', '0', '--drones', '0', '--admin-token', 't'],
      {},
    );
    assert.ok(!r.ok);
    assert.equal(r.problems.length, 2, r.problems.join('; '));
    const empty = parseCli(['--wearables', '0', '--drones', '0', '--admin-token', 't'], {});
    assert.ok(!empty.ok && empty.problems[0]!.startsWith('no devices'));
  });

  it('--lean selects the lean path, without drops or spoiled readings', () => {
    const r = parseCli(['--lean', '--wearables', '10000', '--admin-token', 't'], {});
    assert.ok(r.ok && !r.help);
    assert.equal(r.options.fleet.lean, true);
    assert.equal(r.options.fleet.wearables, 10_000);
    const plain = parseCli(['--admin-token', 't'], {});
    assert.ok(plain.ok && !plain.help && plain.options.fleet.lean === undefined);
    const bad = parseCli(
      ['--lean', '--disconnect-ratio', '0.1', '--mqtt', 'ws://x', '--admin-token', 't'],
      {},
    );
    assert.ok(!bad.ok);
    assert.match(bad.problems.join('; '), /--lean simulates no spoiled readings nor drops/);
    assert.match(bad.problems.join('; '), /--lean speaks plain MQTT over TCP only/);
  });

  it('--help wins', () => {
    assert.deepEqual(parseCli(['--help', '--bogus'], {}), { ok: true, help: true });
  });
});
