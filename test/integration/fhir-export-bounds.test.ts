/**
 * Bounds of the bulk export (docs/limits.md, "FHIR"): a job that writes past fhir.export.maxJobBytes fails
 * and leaves no files; with less free disk than fhir.export.minFreeBytes no export starts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectDevice, startTestGateway } from '../helpers/gateway.ts';

async function gatewayWithReadings(exportOverrides: Record<string, unknown>) {
  const t = await startTestGateway({ overrides: { fhir: { export: exportOverrides } } });
  const secret = await t.provision('bw-1', 'wearable', 'P-B1');
  const c = await connectDevice(t.mqttUrl, { username: 'bw-1', password: secret, clientId: 'bw-1' });
  const batch = Array.from({ length: 20 }, (_, i) => ({
    seq: i + 1,
    ts: Date.now() - 10_000 + i,
    patientId: 'P-B1',
    vitals: { heartRate: 70 },
  }));
  await c.publishAsync('tele/bw-1/vitals', JSON.stringify(batch), { qos: 1 });
  await c.endAsync();
  return t;
}

const kickOff = (t: Awaited<ReturnType<typeof gatewayWithReadings>>) =>
  t.gateway.api.inject({
    method: 'GET',
    url: '/fhir/Patient/P-B1/$export',
    headers: { authorization: 'Bearer test-admin-token-0123456789abcdef', prefer: 'respond-async' },
  });

test('a job past fhir.export.maxJobBytes fails with an OperationOutcome and leaves no files', async () => {
  const t = await gatewayWithReadings({ maxJobBytes: 2048 });
  try {
    const res = await kickOff(t);
    assert.equal(res.statusCode, 202);
    const status = new URL(res.headers['content-location'] as string).pathname;
    let final = await t.api('GET', status);
    for (let i = 0; i < 200 && final.statusCode === 202; i++) {
      await new Promise((r) => setTimeout(r, 20));
      final = await t.api('GET', status);
    }
    assert.equal(final.statusCode, 500);
    assert.equal(final.body.resourceType, 'OperationOutcome');
    assert.match(final.body.issue[0].diagnostics, /2048 bytes/);
    assert.equal(existsSync(join(t.dataDir, 'exports', status.split('/').pop()!)), false);
    const metric = await t.gateway.metrics.registry.getSingleMetricAsString('medgate_fhir_export_jobs_total');
    assert.match(metric, /outcome="failed"} 1/);
  } finally {
    await t.stop();
  }
});

test('with less free disk than fhir.export.minFreeBytes, a kick-off gets 507 and nothing starts', async () => {
  const t = await gatewayWithReadings({ minFreeBytes: 1_125_899_906_842_624 });
  try {
    const res = await kickOff(t);
    assert.equal(res.statusCode, 507);
    assert.equal(res.json().resourceType, 'OperationOutcome');
    assert.ok(res.headers['retry-after']);
    const metric = await t.gateway.metrics.registry.getSingleMetricAsString(
      'medgate_fhir_exports_refused_total',
    );
    assert.match(metric, /reason="disk"} 1/);
  } finally {
    await t.stop();
  }
});
