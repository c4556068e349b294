// Request ids: the client's own X-Request-Id when it is sane, else a cheap unique one.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SANE_ID = /^[\w.:@-]{1,128}$/;

export function createRequestIds(): (req: IncomingMessage) => string {
  // A random prefix per process keeps ids unique across restarts and instances; a counter is enough within one.
  const prefix = `req_${randomBytes(4).toString('hex')}`;
  let n = 0;
  return (req) => {
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && SANE_ID.test(given)) return given;
    n = (n + 1) % Number.MAX_SAFE_INTEGER;
    return `${prefix}${n.toString(36).padStart(6, '0')}`;
  };
}
