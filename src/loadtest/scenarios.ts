// The named load shapes of `cooldown loadtest --scenario`: each a preset of the run's options.

export const scenarioNames = [
  'light',
  'moderate',
  'heavy',
  'burst',
  'rate_limit_stress',
  'circuit_breaker',
] as const;

export type ScenarioName = (typeof scenarioNames)[number];

export interface Scenario {
  readonly name: ScenarioName;
  /** What it is for, as `--help` and the docs say it. */
  readonly summary: string;
  /** Closed loop: this many clients, each sending its next request when its last one ends. */
  readonly clients?: number;
  /** Open loop: requests per second, sent on schedule whatever the answers take. */
  readonly rate?: number;
  readonly durationMs: number;
  readonly requests?: number;
  /** One client per request, all starting at once (unless `--clients` says otherwise). */
  readonly spike?: boolean;
  /**
   * `x-mock-fault` sent on the requests of the first part of the run (this share of its duration or
   * request count, whichever is further along): the mock answers them with the fault, the rest
   * normally. An open loop, so clients held by a gateway's open breaker do not stop the load.
   */
  readonly fault?: { readonly header: string; readonly share: number };
}

export const scenarios: Readonly<Record<ScenarioName, Scenario>> = {
  light: {
    name: 'light',
    summary: '2 clients in a closed loop for 10s: a smoke test',
    clients: 2,
    durationMs: 10_000,
  },
  moderate: {
    name: 'moderate',
    summary: '10 clients in a closed loop for 30s: steady everyday traffic',
    clients: 10,
    durationMs: 30_000,
  },
  heavy: {
    name: 'heavy',
    summary: '50 clients in a closed loop for 60s: sustained concurrency',
    clients: 50,
    durationMs: 60_000,
  },
  burst: {
    name: 'burst',
    summary: '100 requests sent at the same instant (one client each), then done; bounded by 30s',
    requests: 100,
    spike: true,
    durationMs: 30_000,
  },
  rate_limit_stress: {
    name: 'rate_limit_stress',
    summary: 'open loop at 100 requests/s for 20s, far above typical provider limits (30-500 RPM)',
    rate: 100,
    durationMs: 20_000,
  },
  circuit_breaker: {
    name: 'circuit_breaker',
    summary:
      'open loop at 5 requests/s for 60s; the first quarter asks the mock for 500s (x-mock-fault: status=500), the rest is healthy: breakers open, then recover',
    rate: 5,
    durationMs: 60_000,
    fault: { header: 'status=500', share: 0.25 },
  },
};

export const DEFAULT_SCENARIO: ScenarioName = 'light';

export function isScenarioName(value: string): value is ScenarioName {
  return (scenarioNames as readonly string[]).includes(value);
}
