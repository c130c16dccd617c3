/** docs/architecture.md, "Parts and their lifecycle": a start that fails stops what it had started. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startGateway } from '../../src/gateway.ts';
import { openDb } from '../../src/store/index.ts';
import { ADMIN_TOKEN, startTestGateway, tempDir, testConfig } from '../helpers/gateway.ts';

const dir = tempDir('medgate-parts-');
after(() => dir.remove());

test('a start that fails while building the ledger releases the store, and the next start works', async () => {
  const dataDir = join(dir.path, 'data');
  const consortiumFile = join(dir.path, 'consortium.json');
  writeFileSync(consortiumFile, '{ not json');
  await assert.rejects(
    startGateway({
      config: testConfig(dataDir, { ledger: { consortiumFile } }),
      adminToken: ADMIN_TOKEN,
      log: () => {},
      apiLogLevel: 'silent',
    }),
  );
  // LevelDB holds a lock while open: this open fails if the failed start left the store open.
  const db = openDb(join(dataDir, 'store'));
  await db.open();
  await db.close();
  const gateway = await startTestGateway({ dataDir });
  try {
    assert.equal((await gateway.api('GET', '/healthz')).statusCode, 200);
  } finally {
    await gateway.stop({ keepData: true });
  }
});
