/**
 * Large files (docs/ipfs.md, "Files"): `POST /v1/files?patientId=` streams a raw body of any type into the
 * file store (encrypted in chunks, UnixFS), and the upload enters the current window as an access-log
 * entry naming the file's CID, size, type and SHA-256, so it is sealed and anchored like the readings.
 * `GET /v1/files/{id}` streams it back decrypted, whole or by one byte range (RFC 9110 §14).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accessLeafObject } from '../../batches/leaves.ts';
import { GatewayError } from '../../errors.ts';
import type { FileRecord, FileStore } from '../../ipfs/files.ts';
import { assembleLeafProof } from '../../proofs/index.ts';
import { parseId } from '../../store/index.ts';
import { assertPatientAccess, requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { windowAnchor, windowLeaves } from '../proof-source.ts';

export interface FilesContext {
  readonly store: FileStore;
  readonly maxBytes: number;
  readonly maxUploads: number;
}

const CONTENT_TYPE = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/;

/** What the access-log entry of an upload names: the sealed facts of the file. */
export function fileResource(record: FileRecord): string {
  const q = new URLSearchParams({
    cid: record.cid,
    size: String(record.size),
    sha256: record.sha256,
    type: record.contentType,
  });
  return `/v1/files/${record.id}?${q}`;
}

export function fileRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const files = ctx.files;
  if (!files) return;
  let uploads = 0;
  app.register(async (scope) => {
    // The body is the file: not parsed, not buffered, whatever its type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/v1/files',
      {
        preHandler: requireRole(ctx.resolveToken, ['admin', 'clinician']),
        schema: {
          summary:
            'Store a file of a patient (raw body, streamed), encrypted, sealed with the current window',
          querystring: z.strictObject({ patientId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/) }),
        },
      },
      async (request, reply) => {
        const { patientId } = request.query;
        assertPatientAccess(request.principal, patientId);
        const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (!CONTENT_TYPE.test(contentType))
          throw new GatewayError(
            'ERR_BAD_REQUEST',
            'headers.content-type: a media type, e.g. application/dicom',
          );
        const declared = Number(request.headers['content-length'] ?? Number.NaN);
        if (declared > files.maxBytes) {
          ctx.metrics.filesRefused.inc({ reason: 'too_large' });
          reply.header('connection', 'close');
          throw new GatewayError('ERR_FILE_TOO_LARGE', `a file is at most ${files.maxBytes} bytes`);
        }
        if (uploads >= files.maxUploads) {
          ctx.metrics.filesRefused.inc({ reason: 'busy' });
          reply.header('connection', 'close');
          throw new GatewayError('ERR_TOO_MANY_UPLOADS', `at most ${files.maxUploads} uploads at once`);
        }
        uploads += 1;
        let record: FileRecord;
        try {
          record = await files.store.add(request.body as AsyncIterable<Uint8Array>, {
            patientId,
            contentType,
            maxBytes: files.maxBytes,
          });
        } catch (err) {
          if (err instanceof GatewayError && err.code === 'ERR_FILE_TOO_LARGE') {
            ctx.metrics.filesRefused.inc({ reason: 'too_large' });
            reply.header('connection', 'close');
          }
          throw err;
        } finally {
          uploads -= 1;
        }
        ctx.metrics.filesStored.inc();
        const entry = await ctx.accessLog.append({
          actor: request.principal.name,
          role: request.principal.role,
          action: 'files.create',
          patientId,
          resource: fileResource(record),
          count: 1,
        });
        await files.store.sealedBy(record, entry);
        return reply.code(201).send(publicRecord(record));
      },
    );
  });

  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/files/:id',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'clinician', 'patient']),
      schema: {
        summary: 'A file, decrypted: whole, or one byte range (Range: bytes=a-b)',
        params: z.strictObject({ id: z.string().regex(/^[0-9a-f]{32}$/) }),
      },
    },
    async (request, reply) => {
      const record = await files.store.get(request.params.id);
      if (!record) throw new GatewayError('ERR_NOT_FOUND', `no file ${request.params.id}`);
      assertPatientAccess(request.principal, record.patientId);
      const range = parseRange(request.headers.range, record.size);
      if (range === 'unsatisfiable') {
        reply.header('content-range', `bytes */${record.size}`);
        throw new GatewayError('ERR_RANGE_NOT_SATISFIABLE', `the file has ${record.size} bytes`);
      }
      await ctx.accessLog.append({
        actor: request.principal.name,
        role: request.principal.role,
        action: 'files.read',
        patientId: record.patientId,
        resource: request.url,
        count: 1,
      });
      const [start, end] = range ?? [0, record.size - 1];
      reply
        .header('content-type', record.contentType)
        .header('accept-ranges', 'bytes')
        .header('content-length', String(Math.max(0, end - start + 1)))
        .header('cache-control', 'private, no-store')
        .header('x-content-sha256', record.sha256);
      if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${record.size}`);
      return reply.send(Readable.from(files.store.read(record, start, end)));
    },
  );
}

/**
 * The proof of a file (docs/proofs.md): the proof of the access-log leaf that sealed its upload, whose
 * `resource` names the file's CID, size, type and SHA-256. It has the format of a reading proof, and
 * `POST /v1/proofs/verify` checks it the same way.
 */
export function fileProofRoute(app: FastifyInstance, ctx: ApiContext): void {
  const files = ctx.files;
  if (!files) return;
  const leaves = windowLeaves(ctx, 4);
  const anchorOf = windowAnchor(ctx);
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/files/:id/proof',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'clinician', 'patient', 'auditor']),
      schema: {
        summary: 'A self-contained proof that a file (its CID, size, type, hash) is in a signed minute',
        params: z.strictObject({ id: z.string().regex(/^[0-9a-f]{32}$/) }),
      },
    },
    async (request) => {
      const record = await files.store.get(request.params.id);
      if (!record) throw new GatewayError('ERR_NOT_FOUND', `no file ${request.params.id}`);
      const { principal } = request;
      const disclose = principal.role !== 'auditor';
      if (disclose) assertPatientAccess(principal, record.patientId);
      const window = record.entry ? await ctx.windows.containing(record.entry.at) : null;
      if (!record.entry || !window || window.firstAccessId === null)
        throw new GatewayError(
          'ERR_NOT_FOUND',
          `file ${record.id} is not sealed yet: its window is still open`,
        );
      const index = window.readings + parseId(record.entry.id) - parseId(window.firstAccessId);
      const { tree: leafTree, salts } = await leaves(window);
      return assembleLeafProof({
        leaf: accessLeafObject(record.entry),
        window,
        index,
        tree: leafTree,
        salts,
        gatewayKey: ctx.gatewayKey,
        disclose,
        anchor: anchorOf(window),
      });
    },
  );
}

function publicRecord(r: FileRecord) {
  return {
    id: r.id,
    cid: r.cid,
    size: r.size,
    sha256: r.sha256,
    contentType: r.contentType,
    patientId: r.patientId,
  };
}

/** One range of `bytes=a-b`, `bytes=a-` or `bytes=-n`; null for none (or one this parser does not take). */
export function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // several ranges or another unit: the whole file
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}
