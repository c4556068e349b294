// Who may use the admin endpoints: the admin token, compared in constant time (its digest, so its
// length does not show either). Failed attempts are logged (never the token) and an address that
// keeps failing is refused for a while, so the token cannot be guessed at speed. Bounded: the
// addresses remembered are few and expire.
import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../time/clock.ts';

/** Failed attempts from one address within a window before it is refused until the window ends. */
const ALLOWED_FAILURES = 5;
const WINDOW_MS = 60_000;
/** Addresses remembered at most (the oldest are forgotten first). */
const MAX_ADDRESSES = 10_000;

interface Failures {
  count: number;
  since: number;
}

export interface AdminGuard {
  /** Whether the caller may see admin data (no token configured, or the right one given). */
  allows(authorization: string | undefined): boolean;
  /** Throws 401 (or 429 for an address that keeps failing) unless the caller may. */
  check(authorization: string | undefined, address: string, path: string): void;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export function createAdminGuard(token: string | undefined, clock: Clock, logger: Logger): AdminGuard {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  const failures = new Map<string, Failures>();
  const allows = (authorization: string | undefined) =>
    expected === undefined ||
    (typeof authorization === 'string' && timingSafeEqual(digest(authorization), expected));
  return {
    allows,
    check(authorization, address, path) {
      if (expected === undefined) return;
      const now = clock.monotonic();
      let seen = failures.get(address);
      if (seen && now - seen.since >= WINDOW_MS) {
        failures.delete(address);
        seen = undefined;
      }
      if (seen && seen.count >= ALLOWED_FAILURES) {
        throw new GatewayError('rate_limit_exceeded', 'Too many failed admin attempts from this address.', {
          retryAfterSeconds: Math.ceil((seen.since + WINDOW_MS - now) / 1000),
        });
      }
      if (allows(authorization)) return;
      if (!seen) {
        if (failures.size >= MAX_ADDRESSES) failures.delete(failures.keys().next().value!);
        seen = { count: 0, since: now };
        failures.set(address, seen);
      }
      seen.count++;
      logger.warn({ address, path, failures: seen.count }, 'an admin request without the right token');
      throw new GatewayError(
        'unauthorized',
        'This admin endpoint needs Authorization: Bearer <admin_token>.',
      );
    },
  };
}
