/**
 * A real gateway as member gw-a of the test consortium (test/unit/ledger/helpers.ts), mining off: blocks,
 * records and attestations arrive over its HTTP API. Returns the start function (a test can restart it on the
 * same data dir) and the consortium file it reads (a test can retire a member in it).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../../src/ledger/index.ts';
import { consortiumFile, KEYS } from '../unit/ledger/helpers.ts';
import { startTestGateway, type TestGateway } from './gateway.ts';

export function ledgerMemberA(dir: string): { start: () => Promise<TestGateway>; file: string } {
  const file = join(dir, 'consortium.json');
  writeFileSync(file, JSON.stringify(consortiumFile()));
  const keyFile = join(dir, 'a.key');
  writeFileSync(keyFile, `${toHex(KEYS.a.secretKey)}\n`, { mode: 0o600 });
  const start = () =>
    startTestGateway({
      dataDir: join(dir, 'gw'),
      overrides: {
        gatewayId: 'gw-a',
        keys: { signingKeyFile: keyFile },
        ledger: { consortiumFile: file },
        anchoring: { enabled: false },
      },
    });
  return { start, file };
}
