// The named load shapes of `cooldown loadtest --scenario`: each a preset of the run's options
// (docs/loadtest.md says what each is for).

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
   * normally.
   */
  readonly fault?: { readonly header: string; readonly share: number };
}

export const scenarios: Readonly<Record<ScenarioName, Scenario>> = {
  light: {
    name: 'light',
    clients: 2,
    durationMs: 10_000,
  },
  moderate: {
    name: 'moderate',
    clients: 10,
    durationMs: 30_000,
  },
  heavy: {
    name: 'heavy',
    clients: 50,
    durationMs: 60_000,
  },
  burst: {
    name: 'burst',
    requests: 100,
    spike: true,
    durationMs: 30_000,
  },
  // Far above typical provider limits (30-500 RPM).
  rate_limit_stress: {
    name: 'rate_limit_stress',
    rate: 100,
    durationMs: 20_000,
  },
  // An open loop, so clients held by a gateway's open breaker do not stop the load.
  circuit_breaker: {
    name: 'circuit_breaker',
    rate: 5,
    durationMs: 60_000,
    fault: { header: 'status=500', share: 0.25 },
  },
};

export const DEFAULT_SCENARIO: ScenarioName = 'light';

export function isScenarioName(value: string): value is ScenarioName {
  return (scenarioNames as readonly string[]).includes(value);
}
