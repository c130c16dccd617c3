/**
 * A gateway in-process for the sealing bench (LevelDB and helia in a temp dir, MQTT on a free port), with
 * an injectable clock, and wearables provisioned for the publisher.
 */
import { type Gateway, type GatewayOptions, startGateway } from '../../src/gateway.ts';
import { ADMIN_TOKEN, tempDir, testConfig } from '../../test/helpers/gateway.ts';
import type { DeviceCredentials } from './load-client.ts';

export interface SealGateway {
  readonly gateway: Gateway;
  provision(count: number): Promise<DeviceCredentials[]>;
  stop(): Promise<void>;
}

export interface SealGatewayOptions {
  readonly windowSeconds: number;
  readonly clock?: () => number;
  readonly scheduleSealing: boolean;
  readonly onSealed?: GatewayOptions['onSealed'];
}

export async function startSealGateway(options: SealGatewayOptions): Promise<SealGateway> {
  const dir = tempDir('medgate-bench-seal-');
  const gateway = await startGateway({
    config: testConfig(dir.path, { sealing: { windowSeconds: options.windowSeconds, graceSeconds: 2 } }),
    adminToken: ADMIN_TOKEN,
    log: () => {},
    apiLogLevel: 'silent',
    scheduleSealing: options.scheduleSealing,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onSealed ? { onSealed: options.onSealed } : {}),
  });
  return {
    gateway,
    async provision(count) {
      const out: DeviceCredentials[] = [];
      for (let i = 0; i < count; i++) {
        const n = String(i + 1).padStart(4, '0');
        const id = `seal-pub-${n}`;
        const patientId = `PP-${n}`;
        const res = await gateway.api.inject({
          method: 'POST',
          url: '/v1/devices',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          payload: { id, kind: 'wearable', patientId },
        });
        if (res.statusCode !== 201) throw new Error(`provision ${id}: ${res.statusCode} ${res.body}`);
        out.push({ id, patientId, password: res.json().secret, index: i });
      }
      return out;
    },
    async stop() {
      await gateway.stop();
      dir.remove();
    },
  };
}
