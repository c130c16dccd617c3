/**
 * The dashboard's static files (docs/dashboard.md), served from memory (gzipped once, at start, for the
 * clients that accept it): the page from `ui/` and uPlot from its npm package, so nothing is fetched from
 * another host. Public code, no data: no token needed;
 * every call the page makes to `/v1` carries one.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  readonly body: Buffer;
  /** The same bytes gzipped, sent to clients that accept it. */
  readonly gzip: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** Where the page lives: `ui/` at the package root. */
export const UI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'ui');

/** Path under /ui/ → file; read once, at build time. */
export function loadUiAssets(dir = UI_DIR): Map<string, Asset> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir)) if (TYPES[extname(name)]) files.set(name, join(dir, name));
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));
  files.set('vendor/uPlot.iife.min.js', join(uplot, 'uPlot.iife.min.js'));
  files.set('vendor/uPlot.min.css', join(uplot, 'uPlot.min.css'));
  const assets = new Map<string, Asset>();
  for (const [path, file] of files) {
    const body = readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(path, { body, gzip: gzipSync(body, { level: 9 }), type: TYPES[extname(file)]!, etag });
  }
  return assets;
}

export function uiRoutes(app: FastifyInstance): void {
  const assets = loadUiAssets();
  const serve = (path: string, request: FastifyRequest, reply: FastifyReply) => {
    const asset = assets.get(path);
    if (!asset) return reply.callNotFound();
    reply.header('cache-control', 'no-cache').header('etag', asset.etag).type(asset.type);
    reply.header('vary', 'accept-encoding');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
      return reply.header('content-encoding', 'gzip').send(asset.gzip);
    }
    return reply.send(asset.body);
  };
  // `/ui` and `/ui/` (the router ignores a trailing slash) are the page; the rest are its files.
  app.get('/ui', { schema: { hide: true } }, async (request, reply) => serve('index.html', request, reply));
  app.get<{ Params: { '*': string } }>('/ui/*', { schema: { hide: true } }, async (request, reply) =>
    serve(request.params['*'] || 'index.html', request, reply),
  );
}
