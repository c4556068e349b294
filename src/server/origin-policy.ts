// Browsers: a web page must not spend this gateway's keys. Requests a browser sends on behalf of
// another site carry `Origin` (or `Sec-Fetch-Site: cross-site`); only listed origins, or the
// gateway's own, get through, with CORS headers so their pages can read the answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors/gateway-error.ts';

export interface OriginPolicy {
  /** Refuses a cross-site request; returns the CORS headers to add for an allowed one. */
  check(req: IncomingMessage): string[] | undefined;
  /** Answers a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`); true if it did. */
  preflight(req: IncomingMessage, res: ServerResponse): boolean;
}

export function createOriginPolicy(allowed: readonly string[]): OriginPolicy {
  const any = allowed.includes('*');
  const list = new Set(allowed.map((o) => o.toLowerCase().replace(/\/+$/, '')));

  /** Allowed: listed, or the gateway's own origin (the page it serves itself). */
  function allows(origin: string, host: string | undefined): boolean {
    if (any || list.has(origin.toLowerCase())) return true;
    try {
      return host !== undefined && new URL(origin).host === host.toLowerCase();
    } catch {
      return false;
    }
  }

  function cors(origin: string): string[] {
    return ['access-control-allow-origin', origin, 'vary', 'Origin', 'access-control-expose-headers', '*'];
  }

  return {
    check(req) {
      const origin = req.headers.origin;
      if (origin === undefined) {
        if (req.headers['sec-fetch-site'] === 'cross-site') {
          throw new GatewayError(
            'origin_not_allowed',
            'Cross-site browser requests are refused; list the site under server.allowed_origins.',
          );
        }
        return undefined;
      }
      if (!allows(origin, req.headers.host)) {
        throw new GatewayError(
          'origin_not_allowed',
          `Requests from the web origin ${JSON.stringify(origin)} are refused; list it under server.allowed_origins to allow it.`,
        );
      }
      return cors(origin);
    },
    preflight(req, res) {
      const origin = req.headers.origin;
      if (
        req.method !== 'OPTIONS' ||
        origin === undefined ||
        req.headers['access-control-request-method'] === undefined
      ) {
        return false;
      }
      if (!allows(origin, req.headers.host)) {
        res.writeHead(403, { 'content-length': '0', vary: 'Origin' }).end();
        return true;
      }
      const requested = req.headers['access-control-request-headers'];
      res
        .writeHead(204, {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
          'access-control-allow-headers': typeof requested === 'string' ? requested : '*',
          'access-control-max-age': '600',
          vary: 'Origin',
        })
        .end();
      return true;
    },
  };
}
