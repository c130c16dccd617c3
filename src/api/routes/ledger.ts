/**
 * The shared ledger over HTTP (docs/api.md): the head, blocks by height or hash, and the peer endpoints that
 * take records and blocks. A refused block or record gets the docs/api.md error body with the rule's code
 * (ERR_BLOCK_*, docs/ledger.md); a block whose parent is unknown gets 409 and makes us pull from our peers.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { type Block, blockFromJson, blockToJson, isLedgerError, LedgerError } from '../../ledger/index.ts';
import { blockJsonOutSchema, hex32Schema, signedMinuteRecordSchema } from '../../model/index.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { errorSchema } from '../schemas.ts';

const blockSchema = blockJsonOutSchema.describe('Block');

const blocksSchema = z.object({ blocks: z.array(blockSchema) });

const headSchema = z.object({
  height: z.number().int(),
  hash: z.string(),
  work: z.string().describe('Cumulative work from genesis to the head, decimal'),
  genesis: z.string(),
  pending: z.number().int().describe('Records in the pool, waiting to be mined'),
  final: z
    .object({ height: z.number().int(), hash: z.string() })
    .describe(
      'The latest block attested by more than half of the members (docs/ledger.md); genesis until then',
    ),
});

const readers = ['admin', 'auditor', 'peer'] as const;
const writers = ['admin', 'peer'] as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema };

export function ledgerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { node } = ctx.ledger;
  /** A block as the API sends it: blockToJson and the attestations this gateway holds for it. */
  const asJson = (block: Block) => {
    const json = blockToJson(block);
    return { ...json, records: [...json.records], attestations: node.attestations(json.hash) };
  };

  r.get(
    '/v1/ledger/head',
    {
      preHandler: requireRole(ctx.resolveToken, readers),
      schema: { summary: "The main chain's head", response: { 200: headSchema, ...errors } },
    },
    async () => {
      const head = node.head();
      return {
        height: head.height,
        hash: head.hash,
        work: head.work.toString(),
        genesis: node.genesisHash,
        pending: node.pool().length,
        final: node.final(),
      };
    },
  );

  r.get(
    '/v1/ledger/blocks',
    {
      preHandler: requireRole(ctx.resolveToken, readers),
      schema: {
        summary: 'Main chain blocks from a height up',
        querystring: z.strictObject({
          fromHeight: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: blocksSchema, ...errors },
      },
    },
    async (request) => ({
      blocks: node.mainBlocks(request.query.fromHeight, request.query.limit).map(asJson),
    }),
  );

  r.get(
    '/v1/ledger/blocks/:hash',
    {
      preHandler: requireRole(ctx.resolveToken, readers),
      schema: {
        summary: 'One block by hash (main chain or not)',
        params: z.strictObject({ hash: hex32Schema }),
        response: { 200: blocksSchema, 404: errorSchema, ...errors },
      },
    },
    async (request) => {
      const block = node.block(request.params.hash);
      if (!block) throw new GatewayError('ERR_NOT_FOUND', `no block ${request.params.hash}`);
      return { blocks: [asJson(block)] };
    },
  );

  r.get(
    '/v1/ledger/pool',
    {
      preHandler: requireRole(ctx.resolveToken, readers),
      schema: {
        summary: 'Records waiting to be mined',
        response: { 200: z.object({ records: z.array(signedMinuteRecordSchema) }), ...errors },
      },
    },
    async () => ({ records: node.pool() }),
  );

  r.get(
    '/v1/ledger/peers',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'auditor']),
      schema: {
        summary: 'The peers this gateway syncs with',
        response: {
          200: z.object({
            peers: z.array(
              z.object({
                url: z.string(),
                up: z.boolean(),
                queued: z.number(),
                lastError: z.string().nullable(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async () => ({ peers: ctx.ledger.peers() }),
  );

  r.post(
    '/v1/ledger/records',
    {
      preHandler: requireRole(ctx.resolveToken, writers),
      // docs/limits.md: a request is bounded in records and bytes; copies inside it cost nothing.
      bodyLimit: node.limits.recordsRequestBytes,
      schema: {
        summary: 'Signed minute records of consortium members, for the pool (peers push their own)',
        body: z.strictObject({ records: z.array(z.unknown()).max(node.limits.recordsPerRequest) }),
        response: { 200: z.object({ added: z.number(), known: z.number() }), ...errors, 429: errorSchema },
      },
    },
    async (request) => {
      const { records } = request.body;
      const { added, known, refused } = await node.addRecords(records);
      const first = refused[0];
      if (first !== undefined) {
        // The valid ones are in; the answer names the first refusal and counts the rest.
        throw new LedgerError(
          first.code,
          `${refused.length} of ${records.length} record(s) refused (${added} added, ${known} known); first: ${first.reason ?? first.message}`,
        );
      }
      return { added, known };
    },
  );

  r.post(
    '/v1/ledger/blocks',
    {
      preHandler: requireRole(ctx.resolveToken, writers),
      schema: {
        summary: 'New blocks, parents first (peers push what they mine)',
        body: z.strictObject({ blocks: z.array(z.unknown()).min(1).max(500) }),
        response: {
          200: z.object({
            added: z.number(),
            known: z.number(),
            head: z.object({ height: z.number(), hash: z.string() }),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      let added = 0;
      let known = 0;
      for (const json of request.body.blocks) {
        let block: Block;
        try {
          block = blockFromJson(json);
          const result = await node.addBlock(block);
          const attestations = (json as { attestations?: unknown[] }).attestations;
          if (attestations !== undefined) await node.addAttestations(attestations);
          if (result.status === 'added') {
            added++;
            if (result.tipChanged) ctx.ledger.relayBlock(block);
          } else known++;
        } catch (err) {
          if (isLedgerError(err) && err.code === 'ERR_BLOCK_UNKNOWN_PARENT') ctx.ledger.syncSoon();
          throw err;
        }
      }
      const head = node.head();
      return { added, known, head: { height: head.height, hash: head.hash } };
    },
  );

  r.post(
    '/v1/ledger/attestations',
    {
      preHandler: requireRole(ctx.resolveToken, writers),
      schema: {
        summary: "Members' attestations of blocks (peers push the ones they make; docs/ledger.md)",
        body: z.strictObject({ attestations: z.array(z.unknown()).min(1).max(256) }),
        response: {
          200: z.object({
            added: z.number(),
            known: z.number(),
            pending: z.number().describe('Of blocks not known yet: kept until the block arrives'),
            final: z.object({ height: z.number().int(), hash: z.string() }),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { attestations } = request.body;
      const { added, known, pending, refused } = await node.addAttestations(attestations);
      const first = refused[0];
      if (first !== undefined) {
        throw new LedgerError(
          first.code,
          `${refused.length} of ${attestations.length} attestation(s) refused (${added} added); first: ${first.reason ?? first.message}`,
        );
      }
      return { added, known, pending, final: node.final() };
    },
  );

  r.post(
    '/v1/ledger/mine',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin']),
      schema: {
        summary: 'Mine the pending records now instead of at the next scheduled run',
        body: z.strictObject({ allowEmpty: z.boolean().optional() }).optional(),
        response: { 200: z.object({ block: blockSchema.nullable() }), ...errors },
      },
    },
    async (request) => {
      const block = await ctx.ledger.mineNow({ allowEmpty: request.body?.allowEmpty ?? false });
      return { block: block ? asJson(block) : null };
    },
  );
}
