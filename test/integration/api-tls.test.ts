/** `http.tls`: the API over HTTPS only, with a self-signed certificate made by openssl for the test. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, startTestGateway, type TestGateway, tempDir } from '../helpers/gateway.ts';
import { selfSignedCertificate } from '../helpers/tls.ts';

const dir = tempDir('medgate-https-');
let t: TestGateway;

before(async () => {
  const certificate = selfSignedCertificate(dir.path);
  t = await startTestGateway({
    overrides: { http: { tls: { ...certificate } } },
  });
});
after(async () => {
  await t.stop();
  dir.remove();
});

test('the API answers over HTTPS, verified against the certificate', async () => {
  const ca = readFileSync(`${dir.path}/cert.pem`);
  const { status, body, hsts } = await new Promise<{ status: number; body: string; hsts: unknown }>(
    (resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: t.gateway.httpPort(),
          path: '/v1/devices',
          ca,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode!, body, hsts: res.headers['strict-transport-security'] }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
  assert.equal(status, 200);
  assert.ok(Array.isArray(JSON.parse(body).devices));
  assert.ok(hsts);
});

test('plain HTTP to the TLS port gets no API response', async () => {
  const outcome = await new Promise<string>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port: t.gateway.httpPort(), path: '/healthz' }, (res) =>
      resolve(`status ${res.statusCode}`),
    );
    req.on('error', (err) => resolve(`error ${err.message}`));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
  assert.doesNotMatch(outcome, /status 200/);
});
