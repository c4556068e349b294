// Hidden per-key limits in fixed windows, charged at admission like the real providers. Pure: time is passed in.
import type { MockLimits } from './types.ts';

export type MockLimitDimension = 'requests' | 'tokens' | 'inputTokens' | 'outputTokens';

export const limitDimensions: readonly MockLimitDimension[] = [
  'requests',
  'tokens',
  'inputTokens',
  'outputTokens',
];

export type LimitUsage = Record<MockLimitDimension, number>;

/** What one request asks for: input estimate and output allowance (or the actual output when unbounded). */
export interface LimitCost {
  inputTokens: number;
  outputTokens: number;
}

/** One key's current window; `endsAt` is when it is full again. */
export interface WindowView {
  used: Readonly<LimitUsage>;
  endsAt: number;
}

export type Admission =
  | { ok: true; view: WindowView | undefined }
  | {
      ok: false;
      dimension: MockLimitDimension;
      limit: number;
      used: number;
      requested: number;
      /** The request alone exceeds the limit: retrying can never help. */
      tooLarge: boolean;
      retryAfterMs: number;
      view: WindowView;
    };

export interface RateLimitState {
  readonly limits: MockLimits | undefined;
  readonly windowMs: number;
  /** Charges the request if every configured dimension has room; otherwise charges nothing. */
  admit(key: string, cost: LimitCost, now: number): Admission;
  /** The key's live window, without charging (undefined: nothing used in a live window). */
  view(key: string, now: number): WindowView | undefined;
  clear(): void;
}

interface KeyWindow {
  used: LimitUsage;
  endsAt: number;
}

function costOf(dimension: MockLimitDimension, cost: LimitCost): number {
  switch (dimension) {
    case 'requests':
      return 1;
    case 'tokens':
      return cost.inputTokens + cost.outputTokens;
    case 'inputTokens':
      return cost.inputTokens;
    case 'outputTokens':
      return cost.outputTokens;
  }
}

export function createRateLimitState(limits: MockLimits | undefined): RateLimitState {
  const windowMs = limits?.windowMs && limits.windowMs > 0 ? limits.windowMs : 60_000;
  const configured = limitDimensions.filter((d) => typeof limits?.[d] === 'number');
  const windows = new Map<string, KeyWindow>();

  function live(key: string, now: number): KeyWindow | undefined {
    const window = windows.get(key);
    if (window && now < window.endsAt) return window;
    if (window) windows.delete(key);
    return undefined;
  }

  return {
    limits,
    windowMs,
    admit(key, cost, now) {
      // Unlimited: nothing to track, headers report a constant large limit.
      if (configured.length === 0) return { ok: true, view: undefined };
      const current = live(key, now);
      for (const dimension of configured) {
        const limit = limits?.[dimension] ?? 0;
        const requested = costOf(dimension, cost);
        const used = current?.used[dimension] ?? 0;
        if (used + requested <= limit) continue;
        // Without a live window (limit 0, or a request larger than the limit) a whole window is the honest wait.
        const view = current ?? {
          used: { requests: 0, tokens: 0, inputTokens: 0, outputTokens: 0 },
          endsAt: now + windowMs,
        };
        const tooLarge = dimension !== 'requests' && requested > limit;
        return {
          ok: false,
          dimension,
          limit,
          used,
          requested,
          tooLarge,
          retryAfterMs: view.endsAt - now,
          view,
        };
      }
      // The window starts with the key's first request after the previous one ran out.
      const window = current ?? {
        used: { requests: 0, tokens: 0, inputTokens: 0, outputTokens: 0 },
        endsAt: now + windowMs,
      };
      if (!current) windows.set(key, window);
      for (const dimension of limitDimensions) window.used[dimension] += costOf(dimension, cost);
      return { ok: true, view: window };
    },
    view: live,
    clear() {
      windows.clear();
    },
  };
}
