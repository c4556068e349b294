// What one request costs against rate limits, before (estimate) and after (actual) it ran.
import type { LimitDimension } from '../dialects/types.ts';

export interface Cost {
  readonly requests: number;
  readonly inputTokens: number;
  /** Before: the output bound (`max_tokens` or the default); after: the real output. */
  readonly outputTokens: number;
}

export const ONE_REQUEST: Cost = { requests: 1, inputTokens: 0, outputTokens: 0 };

/** The amount of a cost that a window of the given dimension counts. */
export function amountFor(cost: Cost, dimension: LimitDimension): number {
  switch (dimension) {
    case 'requests':
      return cost.requests;
    case 'tokens':
      return cost.inputTokens + cost.outputTokens;
    case 'input_tokens':
      return cost.inputTokens;
    case 'output_tokens':
      return cost.outputTokens;
  }
}
