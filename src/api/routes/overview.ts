/**
 * What the dashboard shows at a glance and what its verifier trusts (docs/dashboard.md). Neither carries
 * patient data: counts from the metrics, the chain's head, the peers, and the keys of the consortium.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { errorSchema } from '../schemas.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const errors = { 401: errorSchema, 403: errorSchema };
const roles = ['admin', 'clinician', 'patient', 'auditor'] as const;

/** The sum of a counter or gauge over its labels. */
async function total(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

export function overviewRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/status',
    {
      preHandler: requireRole(ctx.resolveToken, roles),
      schema: {
        summary: 'Devices online, readings taken and refused, the chain head and the peers',
        response: {
          200: z.object({
            gatewayId: z.string(),
            devices: z.object({ provisioned: z.number().int(), online: z.number().int() }),
            readings: z.object({
              ingested: z.number().describe('Readings stored since the start'),
              rejected: z.number().describe('Readings quarantined since the start'),
              duplicates: z.number().describe('Repeats acknowledged and not stored again'),
            }),
            windowsSealed: z.number(),
            chain: z.object({ height: z.number().int(), hash: z.string(), pending: z.number().int() }),
            peers: z.array(z.object({ url: z.string(), up: z.boolean() })),
          }),
          ...errors,
        },
      },
    },
    async () => {
      const m = ctx.metrics;
      const head = ctx.ledger.node.head();
      return {
        gatewayId: ctx.gatewayId,
        devices: {
          provisioned: ctx.registry.list().filter((d) => d.revokedAt === null).length,
          online: await total(m.connectedDevices),
        },
        readings: {
          ingested: await total(m.readingsIngested),
          rejected: await total(m.readingsRejected),
          duplicates: await total(m.readingsDuplicate),
        },
        windowsSealed: await total(m.windowsSealed),
        chain: { height: head.height, hash: head.hash, pending: ctx.ledger.node.pool().length },
        peers: ctx.ledger.peers().map((p) => ({ url: p.url, up: p.up })),
      };
    },
  );

  r.get(
    '/v1/trust',
    {
      preHandler: requireRole(ctx.resolveToken, roles),
      schema: {
        summary:
          "Who the token is, and the keys a proof is checked against: this gateway's and the consortium members'",
        response: {
          200: z.object({
            gatewayId: z.string(),
            you: z.object({ name: z.string(), role: z.string(), patients: z.array(z.string()) }),
            features: z.array(z.string()).describe('Optional parts this gateway serves, e.g. `alarms`'),
            gatewayKey: z.string().describe("This gateway's Ed25519 public key, hex"),
            consortium: z.object({
              name: z.string(),
              genesis: z.string().describe('Genesis hash: names the shared ledger'),
              members: z.array(
                z.object({
                  gatewayId: z.string(),
                  publicKey: z.string(),
                  retiredAt: z
                    .number()
                    .int()
                    .optional()
                    .describe('Last height the member may mine or attest, when it is retired'),
                }),
              ),
            }),
            trustedKeys: z
              .record(z.string(), z.array(z.string()))
              .describe('Gateway id → public keys whose signed records verify'),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { consortium, genesisHash } = ctx.ledger.node;
      const { name, role, patients } = request.principal;
      return {
        gatewayId: ctx.gatewayId,
        you: { name, role, patients: [...patients] },
        features: app.hasRoute({ method: 'GET', url: '/v1/alarms' }) ? ['alarms'] : [],
        gatewayKey: hex(ctx.gatewayKey),
        consortium: {
          name: consortium.name,
          genesis: genesisHash,
          members: consortium.members.map((m) => ({
            gatewayId: m.gatewayId,
            publicKey: hex(m.publicKey),
            ...(m.retiredAt === undefined ? {} : { retiredAt: m.retiredAt }),
          })),
        },
        trustedKeys: Object.fromEntries([...ctx.trustedKeys()].map(([id, keys]) => [id, [...keys]])),
      };
    },
  );
}
