/**
 * The URL of a module next to this one, for worker threads: `seal-worker.ts` when the gateway runs from its
 * TypeScript sources (type stripping), `seal-worker.js` when it runs compiled (`npm run build`, the Docker
 * image). The compiler rewrites import specifiers, not the strings given to `new Worker`.
 */
export function siblingModule(stem: string, base: string): URL {
  const ext = new URL(base).pathname.endsWith('.js') ? '.js' : '.ts';
  return new URL(`./${stem}${ext}`, base);
}
