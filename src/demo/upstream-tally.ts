// What the provider saw during a phase, counted at the provider: answers, refusals, and the capacity the
// answered requests consumed (charged as the provider charges: prompt estimate plus output bound).
import { isRecord, outputBound } from '../mock/mock-content.ts';
import { chatInputTokens } from '../mock/openai-responses.ts';
import type { ReceivedRequest } from '../mock/types.ts';

export interface UpstreamTally {
  /** Every request that reached the provider, retries included. */
  readonly calls: number;
  readonly answered: number;
  readonly rateLimited: number;
  /** Tokens charged for the answered requests. */
  readonly answeredTokens: number;
}

export function tallyUpstream(received: readonly ReceivedRequest[]): UpstreamTally {
  let answered = 0;
  let rateLimited = 0;
  let answeredTokens = 0;
  for (const r of received) {
    if (r.status === 429) rateLimited++;
    if (r.status !== 200) continue;
    answered++;
    if (isRecord(r.json)) {
      answeredTokens +=
        chatInputTokens(r.json) + (outputBound(r.json, ['max_completion_tokens', 'max_tokens']) ?? 0);
    }
  }
  return { calls: received.length, answered, rateLimited, answeredTokens };
}
