// The demo's setting: the provider's hidden limits, its keys, and a workload sized to a duration.
import { buildWorkload, type DemoRequest, requestTokens } from './workload.ts';

export interface HiddenLimits {
  /** Per key and window. */
  readonly requests: number;
  /** Per key and window: prompt estimate plus output bound, charged at admission. */
  readonly tokens: number;
  readonly windowMs: number;
}

export interface DemoScenario {
  readonly keys: readonly string[];
  readonly limits: HiddenLimits;
  /** Concurrent callers, the same in both phases. */
  readonly clients: number;
  readonly workload: readonly DemoRequest[];
  /** The provider's delay before each answer, and between stream chunks. */
  readonly latencyMs: number;
  readonly chunkDelayMs: number;
}

// Fake keys: the mock accepts only these, so a key mix-up shows as 401s instead of passing silently.
const KEYS = ['sk-demo-key-alpha-0000000001', 'sk-demo-key-bravo-0000000002', 'sk-demo-key-charlie-000003'];

// A short window keeps the demo short and sits inside the SDK's retry budget (2 retries, waits of 0.5-8 s or
// what retry-after says), so what the retries can and cannot fix shows within seconds. Mixed prompt sizes make
// the token limit bind on some windows and the request limit on others.
const LIMITS: HiddenLimits = { requests: 8, tokens: 2000, windowMs: 2000 };

// Twenty callers per key arrive together: more than a window admits, as when a batch job starts.
const CLIENTS_PER_KEY = 20;

/** Requests per second the hidden limits admit for this workload mix, all keys together. */
export function sustainableRate(limits: HiddenLimits, keys: number, sample: readonly DemoRequest[]): number {
  const meanTokens = sample.reduce((sum, r) => sum + requestTokens(r), 0) / Math.max(1, sample.length);
  const perWindow = Math.min(limits.requests, limits.tokens / Math.max(1, meanTokens));
  return (keys * perWindow * 1000) / limits.windowMs;
}

/** A workload the limits can carry in about `durationMs` when perfectly paced, never fewer requests than clients. */
export function demoScenario(durationMs: number): DemoScenario {
  const clients = CLIENTS_PER_KEY * KEYS.length;
  const rate = sustainableRate(LIMITS, KEYS.length, buildWorkload(60));
  const count = Math.max(clients, Math.round((rate * durationMs) / 1000));
  return {
    keys: KEYS,
    limits: LIMITS,
    clients,
    workload: buildWorkload(count),
    latencyMs: 50,
    chunkDelayMs: 20,
  };
}
