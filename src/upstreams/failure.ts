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
