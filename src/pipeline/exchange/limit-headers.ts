// The gateway's own rate-limit headers: what the limiter believes about the key that served.

import type { RequestContext } from '../context.ts';

export function limitHeaders(ctx: RequestContext): string[] {
  const lease = ctx.lease;
  if (!lease) return [];
  const budget = lease.key.budget;
  const out = [
    'x-ratelimit-queue-length',
    String(lease.queueLength),
    'x-cooldown-queue-ms',
    String(Math.round(lease.waitedMs)),
  ];
  const rpm = budget.limitOf('requests', 'minute');
  if (rpm !== undefined) out.push('x-ratelimit-limit-rpm', String(rpm));
  const configuredTpm = ctx.target!.upstream.config.limits.tpm;
  const currentTpm = budget.limitOf('tokens', 'minute');
  const tpm = configuredTpm ?? currentTpm;
  if (tpm !== undefined) out.push('x-ratelimit-limit-tpm', String(tpm));
  if (currentTpm !== undefined) out.push('x-ratelimit-current-tpm-limit', String(currentTpm));
  const remaining = budget.remainingOf('tokens', 'minute');
  if (remaining !== undefined)
    out.push('x-ratelimit-remaining-tpm', String(Math.max(0, Math.floor(remaining))));
  return out;
}
