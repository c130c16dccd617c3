/** Test fixtures: a real gateway (LevelDB in a temp dir, aedes and fastify on 127.0.0.1 port 0). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type ConfigInput, parseConfig } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/gateway.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export function tempDir(prefix = 'medgate-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly dataDir: string;
  readonly mqttUrl: string;
  readonly httpUrl: string;
  provision(id: string, kind: 'wearable' | 'drone', patientId?: string): Promise<string>;
  api(method: string, url: string, options?: { token?: string | null; body?: unknown }): Promise<ApiResponse>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly body: any;
}

export function testConfig(dataDir: string, overrides: Record<string, unknown> = {}) {
  const base: ConfigInput = {
    gatewayId: 'gw-test',
    dataDir,
    mqtt: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    security: { secretHashLog2N: 10 },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] =
      current && typeof current === 'object' && value && typeof value === 'object' && !Array.isArray(value)
        ? { ...current, ...value }
        : value;
  }
  return parseConfig(merged);
}

export async function startTestGateway(
  options: {
    dataDir?: string;
    overrides?: Record<string, unknown>;
    clock?: () => number;
    log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  } = {},
): Promise<TestGateway> {
  const dir = options.dataDir ? null : tempDir();
  const dataDir = options.dataDir ?? dir!.path;
  const gateway = await startGateway({
    config: testConfig(dataDir, options.overrides),
    adminToken: ADMIN_TOKEN,
    log: options.log ?? (() => {}),
    apiLogLevel: 'silent',
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const api: TestGateway['api'] = async (method, url, opts = {}) => {
    const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
    const response = await gateway.api.inject({
      method: method as 'GET',
      url,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
      ...(opts.body === undefined ? {} : { payload: opts.body as object }),
    });
    let body: unknown = response.body;
    try {
      body = response.json();
    } catch {}
    return { statusCode: response.statusCode, body };
  };
  return {
    gateway,
    dataDir,
    mqttUrl: `mqtt://127.0.0.1:${gateway.mqttPort()}`,
    httpUrl: `http://127.0.0.1:${gateway.httpPort()}`,
    api,
    async provision(id, kind, patientId) {
      const res = await api('POST', '/v1/devices', {
        body: { id, kind, ...(patientId ? { patientId } : {}) },
      });
      if (res.statusCode !== 201)
        throw new Error(`provision ${id}: ${res.statusCode} ${JSON.stringify(res.body)}`);
      return res.body.secret as string;
    },
    async stop(stopOptions = {}) {
      await gateway.stop();
      if (!stopOptions.keepData) dir?.remove();
    },
  };
}

/** Connects an mqtt.js client; rejects with the CONNACK error when the broker refuses. */
export function connectDevice(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

/** Waits for the connection to close (the broker closed it). */
export function closed(client: MqttClient, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected) return resolve();
    const timer = setTimeout(() => reject(new Error('connection still open')), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

let seqCounter = 1;
export function vitals(patientId: string, overrides: Record<string, unknown> = {}) {
  return {
    seq: seqCounter++,
    ts: new Date().toISOString(),
    patientId,
    vitals: { heartRate: 72, spo2: 97, systolic: 120, diastolic: 80, temperature: 36.8 },
    ...overrides,
  };
}

/** All readings of a patient, following cursors. */
export async function allReadings(
  t: TestGateway,
  patientId: string,
  query = '',
  token?: string,
): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `limit=1000${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await t.api('GET', `/v1/patients/${patientId}/readings?${q}`, token ? { token } : {});
    if (res.statusCode !== 200) throw new Error(`readings: ${res.statusCode} ${JSON.stringify(res.body)}`);
    out.push(...res.body.readings);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}
