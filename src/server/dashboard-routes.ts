// GET /dashboard and its assets. Open to anyone: the page holds no data, it reads the admin API
// (with the admin token when one is set). Only this origin's scripts, styles and API may be used.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { pageFiles } from '../dashboard/page-files.ts';
import { GatewayError } from '../errors/gateway-error.ts';

/** No inline script or style, nothing from elsewhere, no framing, no form posting anywhere. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function common(reply: FastifyReply): FastifyReply {
  return reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
}

export function registerDashboardRoutes(app: FastifyInstance): void {
  app.get('/dashboard', async (_request, reply) => {
    const files = await pageFiles();
    // Always fresh: it names the current assets' version.
    common(reply)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', DASHBOARD_CSP);
    return files.page;
  });
  app.get('/dashboard/', async (_request, reply) => reply.redirect('/dashboard', 308));
  app.get<{ Params: { version: string; name: string } }>(
    '/dashboard/assets/:version/:name',
    async (request, reply) => {
      const files = await pageFiles();
      const asset = files.assets.get(request.params.name);
      if (!asset) {
        throw new GatewayError('route_not_found', `The dashboard has no file ${request.params.name}.`);
      }
      // The version is a hash of the contents: the current one never changes. A page from before
      // an upgrade still gets today's file, revalidated each time.
      const current = request.params.version === files.version;
      common(reply)
        .header('content-type', asset.contentType)
        .header('cache-control', current ? 'public, max-age=31536000, immutable' : 'no-cache');
      return asset.body;
    },
  );
}
