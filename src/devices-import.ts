/**
 * `gateway devices import FILE.csv` (docs/devices.md): provisions a fleet through the HTTP API, in requests
 * of at most `--batch` devices, and writes each device's secret once, as CSV on stdout. The whole file is
 * checked before anything is sent, so a bad row provisions nothing and is named by its line.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { createDeviceBody } from './api/schemas.ts';

export const IMPORT_HEADER = ['id', 'kind', 'patientId', 'shared'] as const;
export const SECRETS_HEADER = 'id,kind,patientId,shared,secret';

export type DeviceRow = z.infer<typeof createDeviceBody>;

export class ImportError extends Error {}

/** Rows of `id,kind,patientId,shared` (a header line first; patientId and shared may be empty). */
export function parseDevicesCsv(text: string): DeviceRow[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const columns = IMPORT_HEADER.map((name) => header.indexOf(name));
  if (columns[0] === -1 || columns[1] === -1) {
    throw new ImportError(`line 1: the header must name the columns ${IMPORT_HEADER.join(',')}`);
  }
  const rows: DeviceRow[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? '';
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    const cell = (k: number) => (columns[k] === -1 ? '' : (cells[columns[k] as number] ?? ''));
    const shared = cell(3).toLowerCase();
    if (shared !== '' && shared !== 'true' && shared !== 'false') {
      throw new ImportError(`line ${i + 1}: shared must be true, false or empty`);
    }
    const candidate = {
      id: cell(0),
      kind: cell(1),
      ...(cell(2) === '' ? {} : { patientId: cell(2) }),
      ...(shared === '' ? {} : { shared: shared === 'true' }),
    };
    const parsed = createDeviceBody.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ImportError(`line ${i + 1}: ${issue?.path.join('.') || 'row'}: ${issue?.message}`);
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) {
      throw new ImportError(`line ${i + 1}: device ${parsed.data.id} is already on line ${first}`);
    }
    seen.set(parsed.data.id, i + 1);
    rows.push(parsed.data);
  }
  if (rows.length === 0) throw new ImportError('no devices in the file');
  return rows;
}

const createdSchema = z.object({
  devices: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      patientId: z.string().nullable(),
      shared: z.boolean(),
      secret: z.string(),
    }),
  ),
});

/**
 * Sends the rows in requests of `batch`; each answer's secrets go to `write` before the next request, so a
 * refusal part-way loses no secret: the devices before it are provisioned and printed, none after it.
 */
export async function importDevices(options: {
  readonly rows: readonly DeviceRow[];
  readonly url: string;
  readonly token: string;
  readonly batch: number;
  readonly write: (text: string) => void;
  readonly fetch?: typeof fetch;
}): Promise<number> {
  const send = options.fetch ?? fetch;
  const endpoint = `${options.url.replace(/\/+$/, '')}/v1/devices`;
  options.write(`${SECRETS_HEADER}\n`);
  let done = 0;
  for (let start = 0; start < options.rows.length; start += options.batch) {
    const chunk = options.rows.slice(start, start + options.batch);
    const response = await send(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(chunk),
    });
    const body: unknown = await response.json().catch(() => null);
    if (response.status !== 201) {
      const message = (body as { message?: unknown } | null)?.message;
      throw new ImportError(
        `rows ${start + 1}..${start + chunk.length} refused (${response.status}: ${String(message ?? '')}); ` +
          `${done} devices provisioned before them`,
      );
    }
    for (const d of createdSchema.parse(body).devices) {
      options.write(`${d.id},${d.kind},${d.patientId ?? ''},${d.shared},${d.secret}\n`);
    }
    done += chunk.length;
  }
  return done;
}

export function readDevicesCsv(file: string): DeviceRow[] {
  return parseDevicesCsv(readFileSync(file, 'utf8'));
}
