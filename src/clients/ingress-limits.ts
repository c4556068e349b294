// A client's own limits as token buckets (`clients.limits`, per-client overrides): requests per
// minute (a burst of `burst`, default rpm) and tokens per minute (the request's estimate reserved,
// settled to its real usage). The claims go to the store with the request's budgets, all or nothing.
import type { ClientLimitsConfig } from '../config/schema.ts';
import type { BucketClaim, Claim } from '../store/state-store.ts';

const MINUTE_MS = 60_000;

export type IngressDimension = 'requests' | 'tokens';

export interface IngressClaim extends BucketClaim {
  readonly dimension: IngressDimension;
  /** The configured per-minute limit (for the refusal's headers). */
  readonly perMinute: number;
}

/** Adds the client's bucket claims to `out`: one request, and `tokens` (clipped to the bucket). */
export function ingressClaims(
  clientId: string,
  limits: ClientLimitsConfig,
  tokens: number,
  out: Claim[],
): void {
  const { rpm, tpm } = limits;
  if (rpm !== undefined) {
    const claim: IngressClaim = {
      kind: 'bucket',
      key: `in/rpm/${clientId}`,
      amount: 1,
      capacity: limits.burst ?? rpm,
      refillPerMs: rpm / MINUTE_MS,
      dimension: 'requests',
      perMinute: rpm,
    };
    out.push(claim);
  }
  if (tpm !== undefined && tokens > 0) {
    // An output bound beyond the whole bucket waits for a full one instead of never fitting; the
    // real usage settles it.
    const claim: IngressClaim = {
      kind: 'bucket',
      key: `in/tpm/${clientId}`,
      amount: Math.min(tokens, tpm),
      capacity: tpm,
      refillPerMs: tpm / MINUTE_MS,
      dimension: 'tokens',
      perMinute: tpm,
    };
    out.push(claim);
  }
}

export function isIngressClaim(claim: Claim): claim is IngressClaim {
  return claim.kind === 'bucket' && 'dimension' in claim;
}

/** `x-ratelimit-*` headers of a client's own limit, as OpenAI names them, for its refusal. */
export function ingressHeaders(
  claim: IngressClaim,
  remaining: number,
  resetMs: number,
): Record<string, string> {
  const d = claim.dimension;
  return {
    [`x-ratelimit-limit-${d}`]: String(claim.perMinute),
    [`x-ratelimit-remaining-${d}`]: String(remaining),
    [`x-ratelimit-reset-${d}`]: `${Math.max(0, Math.ceil(resetMs) / 1000)}s`,
  };
}
