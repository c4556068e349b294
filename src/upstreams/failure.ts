// Upstream call failures (connect, timeouts, resets) as gateway errors with stable codes.
import { GatewayError } from '../errors/gateway-error.ts';

const TIMEOUTS = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** `afterHead`: the upstream had started answering when it failed. */
export function upstreamFailure(
  err: unknown,
  upstreamName: string,
  timeoutMs: number,
  afterHead = false,
): GatewayError {
  const code = (err as { code?: string }).code ?? '';
  if (TIMEOUTS.has(code)) {
    const what =
      code === 'UND_ERR_CONNECT_TIMEOUT'
        ? 'accept a connection'
        : code === 'UND_ERR_BODY_TIMEOUT'
          ? 'keep sending'
          : 'answer';
    return new GatewayError(
      'upstream_timeout',
      `Upstream "${upstreamName}" did not ${what} in time (${timeoutMs} ms).`,
      {
        cause: err,
        retryAfterSeconds: 1,
      },
    );
  }
  const what = afterHead ? 'broke off its answer' : 'could not be reached';
  return new GatewayError(
    'upstream_unavailable',
    `Upstream "${upstreamName}" ${what} (${code || (err as Error).message}).`,
    {
      cause: err,
      retryAfterSeconds: 1,
    },
  );
}
