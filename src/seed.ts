/**
 * First start on an empty data dir with `demoSeed`: create demo devices and an admin token, print their
 * credentials once (docs/configuration.md). Secrets are stored hashed, so they cannot be printed again.
 */
import type { GatewayConfig } from './config/index.ts';
import { hashSecret } from './crypto/secret-hash.ts';
import { randomSecret, tokenDigest } from './crypto/tokens.ts';
import type { DeviceRegistry, Sublevels, TokenStore } from './store/index.ts';

export interface SeededCredentials {
  readonly adminToken: string;
  readonly devices: ReadonlyArray<{
    id: string;
    kind: 'wearable' | 'drone';
    patientId: string | null;
    secret: string;
  }>;
}

export async function seedDemo(
  config: GatewayConfig,
  components: {
    registry: DeviceRegistry;
    tokens: TokenStore;
    subs: Pick<Sublevels, 'meta'>;
    clock: () => number;
  },
): Promise<SeededCredentials | null> {
  const { registry, tokens, subs, clock } = components;
  if (!config.demoSeed || (await subs.meta.get('seeded')) !== undefined) return null;
  const devices: Array<SeededCredentials['devices'][number]> = [];
  const plan = [
    ...Array.from({ length: config.demoSeed.wearables }, (_, i) => ({
      id: `demo-wearable-${i + 1}`,
      kind: 'wearable' as const,
      patientId: `P-DEMO-${String(i + 1).padStart(3, '0')}`,
    })),
    ...Array.from({ length: config.demoSeed.drones }, (_, i) => ({
      id: `demo-drone-${i + 1}`,
      kind: 'drone' as const,
      patientId: null,
    })),
  ];
  for (const device of plan) {
    if (registry.get(device.id)) continue;
    const secret = randomSecret();
    const secretHash = await hashSecret(secret, config.security.secretHashLog2N);
    await registry.create({ ...device, secretHash, createdAt: clock(), revokedAt: null });
    devices.push({ ...device, secret });
  }
  const adminToken = randomSecret();
  await tokens.put(tokenDigest(adminToken), {
    name: 'demo-admin',
    role: 'admin',
    patients: [],
    createdAt: clock(),
  });
  await subs.meta.put('seeded', new Date(clock()).toISOString(), { sync: true } as never);
  return { adminToken, devices };
}

export function formatCredentials(c: SeededCredentials, mqttPort: number, httpPort: number): string {
  const lines = [
    'First start: demo credentials (shown once; only their hashes are stored)',
    `  admin token  ${c.adminToken}`,
    `  try: curl -H 'Authorization: Bearer ${c.adminToken}' http://127.0.0.1:${httpPort}/v1/devices`,
  ];
  for (const d of c.devices) {
    lines.push(
      `  ${d.kind.padEnd(8)} ${d.id}  secret ${d.secret}${d.patientId ? `  patient ${d.patientId}` : ''}`,
    );
  }
  const wearable = c.devices.find((d) => d.kind === 'wearable');
  if (wearable) {
    lines.push(
      `  try: mosquitto_pub -p ${mqttPort} -i ${wearable.id} -u ${wearable.id} -P '${wearable.secret}' -q 1 \\`,
      `       -t tele/${wearable.id}/vitals -m '{"seq":1,"ts":${Date.now()},"patientId":"${wearable.patientId}","vitals":{"heartRate":72}}'`,
    );
  }
  return lines.join('\n');
}
