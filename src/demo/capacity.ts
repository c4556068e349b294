// The share of the provider's capacity a phase turned into answers. The hidden limits admit, per key, `requests`
// and `tokens` per window; a key's window opens with its first request after the last one ran out, so during a
// phase of W ms each key can have at most floor(W / window) + 1 windows. The share is what the answered
// requests used of that, on whichever limit (requests or tokens) they used more of: 100% means no window
// of any key went unused, so the phase could not have been shorter.
import type { HiddenLimits } from './scenario.ts';

export interface CapacityUse {
  readonly answeredRequests: number;
  readonly answeredTokens: number;
  readonly keys: number;
  readonly wallMs: number;
}

export interface CapacityShare {
  /** 0..1, on the tighter of the two limits. */
  readonly share: number;
  readonly requestShare: number;
  readonly tokenShare: number;
  /** Windows each key could have had during the phase. */
  readonly windows: number;
}

export function capacityShare(use: CapacityUse, limits: HiddenLimits): CapacityShare {
  const windows = Math.floor(use.wallMs / limits.windowMs) + 1;
  const requestShare = use.answeredRequests / (use.keys * windows * limits.requests);
  const tokenShare = use.answeredTokens / (use.keys * windows * limits.tokens);
  return { share: Math.max(requestShare, tokenShare), requestShare, tokenShare, windows };
}
