/** Provisioning through the admin API (SPEC §5): `POST {api}/v1/devices` → `{id, secret}`. */

export interface DeviceSpec {
  readonly id: string;
  readonly kind: 'wearable' | 'drone';
  readonly patientId?: string;
}

export interface ProvisionOptions {
  readonly api: string;
  readonly adminToken: string;
  /** Requests in parallel; the gateway hashes each secret slowly, so more does not help much. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number) => void;
}

export class ProvisionError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'ProvisionError';
    this.status = status;
  }
}

export async function provisionDevices(
  specs: readonly DeviceSpec[],
  options: ProvisionOptions,
): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  const url = new URL('/v1/devices', options.api).toString();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < specs.length) {
      options.signal?.throwIfAborted();
      const spec = specs[next++]!;
      secrets.set(spec.id, await provisionOne(url, spec, options));
      options.onProgress?.(secrets.size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, specs.length) }, worker));
  return secrets;
}

async function provisionOne(url: string, spec: DeviceSpec, options: ProvisionOptions): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.adminToken}` },
      // Only the fields of the API: callers may pass richer objects.
      body: JSON.stringify(
        spec.patientId === undefined
          ? { id: spec.id, kind: spec.kind }
          : { id: spec.id, kind: spec.kind, patientId: spec.patientId },
      ),
      signal: options.signal,
    });
    const text = await res.text();
    if (res.ok) {
      const body = JSON.parse(text) as { id?: unknown; secret?: unknown };
      if (typeof body.secret !== 'string')
        throw new ProvisionError(`${url}: no secret in ${text}`, res.status);
      return body.secret;
    }
    // Busy or briefly unavailable: back off and retry a few times.
    if ((res.status === 429 || res.status === 503) && attempt < 5) {
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      continue;
    }
    throw new ProvisionError(`provisioning ${spec.id}: HTTP ${res.status} ${text.slice(0, 300)}`, res.status);
  }
}
