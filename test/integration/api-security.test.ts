/**
 * The API facing strangers (docs/limits.md, "HTTP API and data at rest"): failed authentication limited per
 * address without locking out valid tokens behind the same address, security headers that leave /docs
 * working, and no shared caching of authenticated /ipfs responses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_TOKEN,
  connectDevice,
  startTestGateway,
  type TestGateway,
  vitals,
} from '../helpers/gateway.ts';

describe('API security', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      overrides: { http: { failedAuth: { limit: 5, windowSeconds: 60, maxAddresses: 100 } } },
    });
  });
  after(() => t.stop());

  const get = (url: string, token: string | null, remoteAddress: string) =>
    t.gateway.api.inject({
      method: 'GET',
      url,
      remoteAddress,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });

  test('bad tokens from one address get 429 with Retry-After after the limit; valid tokens still work', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof get>> | null = null;
    for (let i = 0; i < 40; i++) {
      last = await get('/v1/devices', `guess-${i}-0123456789abcdef`, '10.1.1.1');
      statuses.push(last.statusCode);
    }
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(
      statuses.slice(5).every((s) => s === 429),
      statuses.join(','),
    );
    assert.equal(last!.json().code, 'ERR_AUTH_RATE_LIMITED');
    const retryAfter = Number(last!.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${last!.headers['retry-after']}`);
    // A hospital behind the same NAT address with a valid token is not locked out.
    assert.equal((await get('/v1/devices', ADMIN_TOKEN, '10.1.1.1')).statusCode, 200);
    // Another address is not affected.
    assert.equal((await get('/v1/devices', 'guess-other-0123456789abcdef', '10.2.2.2')).statusCode, 401);
    const metrics = await get('/metrics', null, '127.0.0.1');
    assert.match(metrics.body, /medgate_api_auth_failures_total\{outcome="rate_limited"\} 35/);
    assert.match(metrics.body, /medgate_api_auth_failures_total\{outcome="unauthorized"\} 6/);
  });

  test('responses carry the usual security headers', async () => {
    const res = await get('/v1/devices', ADMIN_TOKEN, '127.0.0.1');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    assert.ok(res.headers['strict-transport-security']);
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(res.headers['x-powered-by'], undefined);
  });

  test('/docs still works under the content security policy: no inline script, scripts from self', async () => {
    const page = await get('/docs', null, '127.0.0.1');
    assert.equal(page.statusCode, 200);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length > 0);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs!, /src="/, 'every script is a file');
      assert.equal(body!.trim(), '', 'no inline script');
      const src = /src="([^"]+)"/.exec(attrs!)![1]!;
      assert.ok(!/^(https?:)?\/\//.test(src), `same origin: ${src}`);
      const file = await get(new URL(src, 'http://x/docs').pathname, null, '127.0.0.1');
      assert.equal(file.statusCode, 200, src);
    }
    assert.equal((await get('/docs/json', null, '127.0.0.1')).statusCode, 200);
  });

  test('authenticated /ipfs responses are not marked for shared caches', async () => {
    const secret = await t.provision('w-sec', 'wearable', 'P-SEC');
    const c = await connectDevice(t.mqttUrl, { username: 'w-sec', password: secret, clientId: 'w-sec' });
    await c.publishAsync('tele/w-sec/vitals', JSON.stringify(vitals('P-SEC')), { qos: 1 });
    await c.endAsync();
    const [window] = await t.gateway.sealer.sealOpen();
    assert.ok(window);
    for (const format of ['raw', 'car']) {
      const res = await get(`/ipfs/${window.record.batchCid}?format=${format}`, ADMIN_TOKEN, '127.0.0.1');
      assert.equal(res.statusCode, 200);
      const cache = String(res.headers['cache-control']);
      assert.doesNotMatch(cache, /public/);
      assert.match(cache, /private/);
    }
  });
});
