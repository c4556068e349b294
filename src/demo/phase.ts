// One phase of the demo: every caller sends its share of the workload with the SDK to one base URL; the
// outcome is counted at the callers (answers, failures, latency) and at the provider (429s, capacity used).
import type { MockUpstream } from '../mock/types.ts';
import { runCallers } from './callers.ts';
import { type CapacityShare, capacityShare } from './capacity.ts';
import { percentile } from './percentile.ts';
import { type ProgressOutput, startProgress } from './progress.ts';
import type { DemoScenario } from './scenario.ts';
import { sdkCallers } from './sdk-callers.ts';
import { tallyUpstream } from './upstream-tally.ts';

export interface PhaseResult {
  readonly label: string;
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  /** 429s the provider answered, retries included. */
  readonly upstream429: number;
  /** Requests that reached the provider, retries included. */
  readonly upstreamCalls: number;
  readonly wallMs: number;
  readonly capacity: CapacityShare;
  /** Every request, from its start to its answer or its final error. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface PhaseSpec {
  readonly label: string;
  readonly baseURL: string;
  /** The keys the callers hold: caller c uses keys[c % length]. */
  readonly callerKeys: readonly string[];
  readonly scenario: DemoScenario;
  readonly mock: MockUpstream;
  readonly out: ProgressOutput;
}

export async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const { scenario, mock } = spec;
  // Fresh windows and an empty record: each phase meets the provider as it is at the start of a minute.
  mock.reset();
  const sdk = sdkCallers(spec.baseURL, spec.callerKeys);
  const total = scenario.workload.length;
  let succeeded = 0;
  let failed = 0;
  const started = performance.now();
  const progress = startProgress(spec.out, spec.label, () => ({
    done: succeeded + failed,
    total,
    succeeded,
    failed,
    upstream429: tallyUpstream(mock.received).rateLimited,
    elapsedMs: performance.now() - started,
  }));
  try {
    const run = await runCallers(scenario.workload, scenario.clients, (r, caller) => sdk.call(r, caller), {
      onSettled: (o) => {
        if (o.ok) succeeded++;
        else failed++;
      },
    });
    progress.stop();
    const tally = tallyUpstream(mock.received);
    const latencies = run.outcomes.map((o) => o.ms);
    return {
      label: spec.label,
      requests: total,
      succeeded,
      failed,
      upstream429: tally.rateLimited,
      upstreamCalls: tally.calls,
      wallMs: run.wallMs,
      capacity: capacityShare(
        {
          answeredRequests: tally.answered,
          answeredTokens: tally.answeredTokens,
          keys: scenario.keys.length,
          wallMs: run.wallMs,
        },
        scenario.limits,
      ),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  } finally {
    progress.stop();
    await sdk.close();
  }
}
