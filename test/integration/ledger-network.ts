/**
 * A consortium of gateways as child processes on 127.0.0.1 for the ledger tests: keys, a consortium file at
 * trivial difficulty, peer tokens, and a config per member that lists the others as peers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKey } from '../../src/crypto/signing.ts';
import { tokenDigest } from '../../src/crypto/tokens.ts';
import { toHex } from '../../src/ledger/index.ts';
import { ADMIN_TOKEN, connectDevice, vitals } from '../helpers/gateway.ts';
import { freePort, type GatewayProcess, spawnGateway } from '../helpers/process.ts';

export interface Member {
  readonly name: string;
  readonly gatewayId: string;
  readonly dataDir: string;
  readonly httpPort: number;
  readonly mqttPort: number;
  readonly url: string;
  proc: GatewayProcess | null;
}

export interface Network {
  readonly members: Member[];
  readonly consortiumFile: string;
  readonly peerToken: string;
  /** Starts a member; `peers` defaults to every other member. */
  start(name: string, options?: { peers?: string[]; config?: Record<string, unknown> }): Promise<Member>;
  stop(name: string): Promise<void>;
  stopAll(): Promise<void>;
  member(name: string): Member;
}

/** Easy work (1 hash in 16), no retarget within a test. */
export const TEST_PARAMS = {
  targetIntervalMs: 1000,
  retargetInterval: 10_000,
  genesisTarget: `0${'f'.repeat(63)}`,
  maxTarget: `0${'f'.repeat(63)}`,
};

export function createNetwork(root: string, names: readonly string[]): Promise<Network> {
  return (async () => {
    const keys = new Map(names.map((n) => [n, generateSigningKey()]));
    const members: Member[] = [];
    for (const name of names) {
      const dataDir = join(root, name);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(root, `${name}.key`), `${toHex(keys.get(name)!.secretKey)}\n`, { mode: 0o600 });
      const httpPort = await freePort();
      members.push({
        name,
        gatewayId: `gw-${name}`,
        dataDir,
        httpPort,
        mqttPort: await freePort(),
        url: `http://127.0.0.1:${httpPort}`,
        proc: null,
      });
    }
    const consortiumFile = join(root, 'consortium.json');
    writeFileSync(
      consortiumFile,
      JSON.stringify({
        name: 'test-net',
        members: names.map((n) => ({ gatewayId: `gw-${n}`, publicKey: toHex(keys.get(n)!.publicKey) })),
        params: TEST_PARAMS,
        genesis: { timestamp: Date.now() - 60_000 },
      }),
    );
    // One peer token shared by the test network (each member accepts it with the peer role).
    const peerToken = 'peer-token-0123456789abcdef';
    const member = (name: string) => {
      const m = members.find((x) => x.name === name);
      if (!m) throw new Error(`no member ${name}`);
      return m;
    };
    const network: Network = {
      members,
      consortiumFile,
      peerToken,
      member,
      async start(name, options = {}) {
        const m = member(name);
        const peers = options.peers ?? members.filter((x) => x.name !== name).map((x) => x.name);
        m.proc = await spawnGateway(m.dataDir, {
          httpPort: m.httpPort,
          mqttPort: m.mqttPort,
          config: {
            gatewayId: m.gatewayId,
            security: {
              secretHashLog2N: 10,
              tokens: [{ name: 'peers', sha256: tokenDigest(peerToken), role: 'peer' }],
            },
            keys: { signingKeyFile: join(root, `${name}.key`) },
            sealing: { windowSeconds: 1, graceSeconds: 0 },
            ledger: {
              consortiumFile,
              peers: peers.map((p) => member(p).url),
              peerToken,
              syncIntervalSeconds: 0.3,
              maxBackoffSeconds: 1,
            },
            anchoring: { enabled: false },
            ...options.config,
          },
        });
        return m;
      },
      async stop(name) {
        const m = member(name);
        if (!m.proc) return;
        m.proc.child.kill('SIGTERM');
        await m.proc.exited;
        m.proc = null;
      },
      async stopAll() {
        await Promise.all(members.map((m) => network.stop(m.name)));
      },
    };
    return network;
  })();
}

/** Provisions a wearable on the member and sends one reading (QoS 1); returns the patient id. */
export async function sendReading(m: Member, patientId: string): Promise<void> {
  const device = `w-${patientId}`;
  const created = await m.proc!.api('POST', '/v1/devices', { id: device, kind: 'wearable', patientId });
  if (created.status !== 201 && created.status !== 409) throw new Error(`provision: ${created.status}`);
  const secret = created.body.secret as string;
  const client = await connectDevice(`mqtt://127.0.0.1:${m.mqttPort}`, {
    clientId: device,
    username: device,
    password: secret,
  });
  await client.publishAsync(`tele/${device}/vitals`, JSON.stringify(vitals(patientId)), { qos: 1 });
  await client.endAsync();
}

export async function api(m: Member, method: string, path: string, body?: unknown) {
  return m.proc!.api(method, path, body);
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  ms = 20_000,
) {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first reading of a patient on a member, with its proof status. */
export async function firstReading(m: Member, patientId: string) {
  const res = await api(m, 'GET', `/v1/patients/${patientId}/readings?limit=10`);
  return res.body.readings?.[0] as
    | { id: string; proof: { status: string; blockHash: string | null } }
    | undefined;
}

export { ADMIN_TOKEN };
