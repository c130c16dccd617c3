/** The patient-data context (src/api/patient-data.ts) on a real fastify instance. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import type { ApiContext } from '../../../src/api/context.ts';
import { patientDataContext } from '../../../src/api/patient-data.ts';
import { createMetrics } from '../../../src/metrics.ts';

function context(append: (entry: unknown) => Promise<unknown>) {
  return { metrics: createMetrics(), accessLog: { append } } as unknown as ApiContext;
}

test('a route in the patient-data context without an access-log action is refused at start', async () => {
  const app = Fastify();
  app.register(
    patientDataContext(
      context(async () => ({})),
      [(scope) => scope.get('/unlogged', async () => ({ secret: 1 }))],
    ),
  );
  await assert.rejects(async () => {
    await app.ready();
  }, /must name its access-log action/);
  await app.close();
});

test('the reads a response discloses are logged before it leaves; a failed log sends no data', async () => {
  const entries: unknown[] = [];
  let fail = false;
  const app = Fastify();
  app.addHook('onRequest', async (request) => {
    request.principal = { name: 'nurse', role: 'clinician', patients: ['P-1'] };
  });
  await app.register(
    patientDataContext(
      context(async (entry) => {
        if (fail) throw new Error('disk full');
        entries.push(entry);
        return entry;
      }),
      [
        (scope) =>
          scope.get('/p', { config: { access: 'test.read' } }, async (request) => {
            request.disclosed('P-1', 2);
            return { data: 'P-1 heart rate' };
          }),
      ],
    ),
  );
  const ok = await app.inject({ method: 'GET', url: '/p?x=1' });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(entries, [
    {
      actor: 'nurse',
      role: 'clinician',
      action: 'test.read',
      patientId: 'P-1',
      resource: '/p?x=1',
      count: 2,
    },
  ]);
  fail = true;
  const refused = await app.inject({ method: 'GET', url: '/p' });
  assert.equal(refused.statusCode, 500);
  assert.doesNotMatch(refused.body, /heart rate/);
  await app.close();
});
