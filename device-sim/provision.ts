/** Provisioning through the admin API in bulk: `POST {api}/v1/devices [...]` → `{devices: [{id, secret}]}`. */

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
  /** Devices per request (default 500, the gateway's http.devices.maxPerRequest). */
  readonly bulk?: number;
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
  // In bulk (docs/devices.md): arrays of `bulk` devices, all or none each; two requests in parallel keep
  // the gateway's hashing busy without queueing behind one another.
  let bulk = options.bulk ?? 500;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < specs.length) {
      options.signal?.throwIfAborted();
      const chunk = specs.slice(next, next + bulk);
      next += chunk.length;
      try {
        for (const [id, secret] of await provisionMany(url, chunk, options)) secrets.set(id, secret);
      } catch (err) {
        // A gateway with a smaller http.devices.maxPerRequest: halve the arrays and send this one again.
        if (!(err instanceof ProvisionError && err.status === 413 && chunk.length > 1)) throw err;
        bulk = Math.max(1, Math.floor(chunk.length / 2));
        for (let i = 0; i < chunk.length; i += bulk) {
          for (const [id, secret] of await provisionMany(url, chunk.slice(i, i + bulk), options)) {
            secrets.set(id, secret);
          }
        }
      }
      options.onProgress?.(secrets.size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 2, specs.length) }, worker));
  return secrets;
}

async function provisionMany(
  url: string,
  specs: readonly DeviceSpec[],
  options: ProvisionOptions,
): Promise<Array<[string, string]>> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.adminToken}` },
      // Only the fields of the API: callers may pass richer objects.
      body: JSON.stringify(
        specs.map((spec) =>
          spec.patientId === undefined
            ? { id: spec.id, kind: spec.kind }
            : { id: spec.id, kind: spec.kind, patientId: spec.patientId },
        ),
      ),
      signal: options.signal,
    });
    const text = await res.text();
    if (res.ok) {
      const body = JSON.parse(text) as { devices?: Array<{ id?: unknown; secret?: unknown }> };
      const out = (body.devices ?? []).flatMap((d) =>
        typeof d.id === 'string' && typeof d.secret === 'string'
          ? [[d.id, d.secret] as [string, string]]
          : [],
      );
      if (out.length !== specs.length)
        throw new ProvisionError(`${url}: not every secret in ${text.slice(0, 300)}`, res.status);
      return out;
    }
    // Busy or briefly unavailable: back off and retry a few times.
    if ((res.status === 429 || res.status === 503) && attempt < 5) {
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      continue;
    }
    const first = specs[0]?.id ?? '';
    throw new ProvisionError(
      `provisioning ${specs.length} devices from ${first}: HTTP ${res.status} ${text.slice(0, 300)}`,
      res.status,
    );
  }
}
