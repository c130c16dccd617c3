/**
 * The HTTP API (docs/api.md), built without listening so tests use `inject` and `gateway.ts` listens.
 * OpenAPI is generated from the zod schemas and served at /docs.
 */
import fastifyHelmet from '@fastify/helmet';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ApiContext } from './context.ts';
import { errorHandler, sendError } from './errors.ts';
import { fhirRoutes } from './fhir/routes.ts';
import { patientDataContext } from './patient-data.ts';
import { alarmRoutes } from './routes/alarms.ts';
import { deviceRoutes } from './routes/devices.ts';
import { eventRoutes } from './routes/events.ts';
import { fileProofRoute, fileRoutes } from './routes/files.ts';
import { healthRoutes } from './routes/health.ts';
import { ipfsRoutes } from './routes/ipfs.ts';
import { ipfsNodeRoutes } from './routes/ipfs-node.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { minuteRoutes } from './routes/minutes.ts';
import { overviewRoutes } from './routes/overview.ts';
import { patientRoutes } from './routes/patients.ts';
import { proofRoutes, proofVerifyRoutes } from './routes/proofs.ts';
import { readingRoutes } from './routes/readings.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { uiRoutes } from './routes/ui.ts';

export interface ApiOptions {
  readonly bodyLimitBytes: number;
  readonly logLevel?: 'silent' | 'error' | 'warn' | 'info';
  readonly version?: string;
  /** Serve HTTPS only, with this certificate and key (PEM). */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer };
}

export async function buildApi(options: ApiOptions, ctx: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({
    // At stop every connection is closed, also one that never sent a request (which Node does not count
    // as idle): a stranger holding a socket open must not hold the shutdown.
    forceCloseConnections: true,
    logger: { level: options.logLevel ?? 'warn' },
    bodyLimit: options.bodyLimitBytes,
    // Query strings are validated strictly: repeated or unknown parameters are errors, not arrays.
    routerOptions: { ignoreTrailingSlash: true },
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 'ERR_NOT_FOUND', `no route ${request.method} ${request.url}`),
  );

  // The usual security headers on every response. helmet's default policy suits /docs: swagger-ui loads
  // its scripts and styles as files from this origin. Over plain HTTP, asking browsers to upgrade
  // subresources to HTTPS would break /docs, so that directive is only sent with TLS.
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: { upgradeInsecureRequests: options.https ? [] : null },
    },
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'medgate gateway API',
        description:
          'Medical telemetry gateway: patient history, devices, tokens, proofs, the shared ledger.',
        version: options.version ?? '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  healthRoutes(app, ctx);
  deviceRoutes(app, ctx);
  tokenRoutes(app, ctx);
  // Every route that returns patient data, and only those: their reads go to the access log.
  await app.register(patientDataContext(ctx, [readingRoutes, proofRoutes, alarmRoutes]));
  minuteRoutes(app, ctx);
  proofVerifyRoutes(app, ctx);
  ipfsRoutes(app, ctx);
  ipfsNodeRoutes(app, ctx);
  fileRoutes(app, ctx);
  fileProofRoute(app, ctx);
  ledgerRoutes(app, ctx);
  fhirRoutes(app, ctx, ctx.fhir);
  patientRoutes(app, ctx);
  overviewRoutes(app, ctx);
  eventRoutes(app, ctx);
  uiRoutes(app);
  return app;
}
