/** The dashboard's files (docs/dashboard.md): served by the gateway, gzipped when accepted, revalidated by etag. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
before(async () => {
  t = await startTestGateway();
});
after(() => t.stop());

const get = (url: string, headers: Record<string, string> = {}) =>
  t.gateway.api.inject({ method: 'GET', url, headers });

test('the page, its modules and uPlot come from the gateway, under its content security policy', async () => {
  for (const url of ['/ui', '/ui/']) {
    const page = await get(url);
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.match(page.body, /<script type="module" src="\/ui\/app.js">/);
    assert.match(page.headers['content-security-policy'] as string, /script-src 'self'/);
  }
  // Every file the page names is served, none from another host.
  const page = (await get('/ui/')).body;
  const refs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)]
    .map((m) => m[1]!)
    .filter((r) => !r.startsWith('data:') && !r.startsWith('#'));
  assert.ok(refs.length >= 4);
  for (const ref of refs) {
    assert.ok(ref.startsWith('/ui/'), `${ref} is served by the gateway`);
    assert.equal((await get(ref)).statusCode, 200, ref);
  }
  assert.equal((await get('/ui/vendor/uPlot.iife.min.js')).statusCode, 200);
  assert.equal((await get('/ui/../package.json')).statusCode, 404);
  assert.equal((await get('/ui/nothing.js')).statusCode, 404);
});

test('gzip when the client accepts it; 304 when its copy is current', async () => {
  const plain = await get('/ui/app.js');
  const zipped = await get('/ui/app.js', { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.ok(zipped.rawPayload.length < plain.rawPayload.length / 2);
  assert.deepEqual(gunzipSync(zipped.rawPayload), plain.rawPayload);
  const again = await get('/ui/app.js', { 'if-none-match': plain.headers.etag as string });
  assert.equal(again.statusCode, 304);
});
