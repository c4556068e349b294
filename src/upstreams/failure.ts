// Upstream call failures (connect, timeouts, resets) as gateway errors with stable codes.
import type { ResolvedUpstream } from '../config/load.ts';
import { GatewayError } from '../errors/gateway-error.ts';

type Timeouts = Pick<ResolvedUpstream, 'name' | 'timeout' | 'connect_timeout' | 'idle_timeout'>;

const NEVER_REACHED = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/** Failures where the request cannot have reached the upstream (an undici error, or ours wrapping one). */
export function neverReached(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return NEVER_REACHED.has(e.code ?? '') || NEVER_REACHED.has(e.cause?.code ?? '');
}

/** The code of the error an exchange is aborted with when one stream event outgrows its bound. */
const EVENT_TOO_LARGE = 'COOLDOWN_EVENT_TOO_LARGE';

/** The abort reason for a stream one of whose events never ends. */
export function eventTooLarge(): Error {
  return Object.assign(new Error('a stream event without end'), { code: EVENT_TOO_LARGE });
}

/** The abort reason for an upstream that sends informational answers past `timeout`: no head came. */
export function noHeadInTime(): Error {
  return Object.assign(new Error('only informational answers'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
}

/** The code of the error an exchange is aborted with when its first content is late. */
export const FIRST_TOKEN_TIMEOUT = 'COOLDOWN_FIRST_TOKEN_TIMEOUT';

/** The abort reason for an exchange whose first content did not come within `ms`. */
export function firstTokenTimeout(ms: number): Error {
  return Object.assign(new Error(`no content within ${ms} ms`), { code: FIRST_TOKEN_TIMEOUT, ms });
}

function causeCode(err: GatewayError): string {
  return (err.cause as { code?: string } | undefined)?.code ?? '';
}

/** The upstream stayed silent: no response head in time, or no first content in time. */
export function isSilence(err: GatewayError): boolean {
  const code = causeCode(err);
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === FIRST_TOKEN_TIMEOUT;
}

export function isFirstTokenTimeout(err: GatewayError): boolean {
  return causeCode(err) === FIRST_TOKEN_TIMEOUT;
}

/** `afterHead`: the upstream had started answering when it failed. */
export function upstreamFailure(err: unknown, upstream: Timeouts, afterHead = false): GatewayError {
  const code = (err as { code?: string }).code ?? '';
  const name = upstream.name;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return timeout(
      err,
      `Upstream "${name}" did not accept a connection in time (${upstream.connect_timeout} ms).`,
    );
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return timeout(err, `Upstream "${name}" did not answer in time (${upstream.timeout} ms).`);
  }
  if (code === EVENT_TOO_LARGE) {
    return new GatewayError('upstream_unavailable', `Upstream "${name}" sent a stream event without end.`, {
      cause: err,
      retryAfterSeconds: 1,
    });
  }
  if (code === FIRST_TOKEN_TIMEOUT) {
    const ms = (err as { ms?: number }).ms;
    return timeout(err, `Upstream "${name}" sent no content within its first_token_timeout (${ms} ms).`);
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return timeout(err, `Upstream "${name}" went silent mid-answer for ${upstream.idle_timeout} ms.`);
  }
  const what = afterHead ? 'broke off its answer' : 'could not be reached';
  return new GatewayError(
    'upstream_unavailable',
    `Upstream "${name}" ${what} (${code || (err as Error).message}).`,
    {
      cause: err,
      retryAfterSeconds: 1,
    },
  );
}

function timeout(cause: unknown, message: string): GatewayError {
  return new GatewayError('upstream_timeout', message, { cause, retryAfterSeconds: 1 });
}
