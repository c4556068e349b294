// The running count of a load test: outcomes by status and reason, latency and first-token
// histograms (hdr-histogram-js, microseconds), tokens. Bounded whatever the run's length.
import { build, type Histogram } from 'hdr-histogram-js';
import type { Usage } from './answer-reader.ts';
import type { FailureReason, Outcome } from './exchange.ts';

/** Distinct statuses whose first error message is kept. */
const MAX_MESSAGES = 16;

export interface Tally {
  record(outcome: Outcome): void;
  /** An open loop's request that was due but not sent, because `max-in-flight` were waiting. */
  skip(): void;
  readonly ok: number;
  readonly failed: number;
  readonly aborted: number;
  readonly skipped: number;
  readonly statuses: ReadonlyMap<number, number>;
  readonly failures: ReadonlyMap<FailureReason, number>;
  /** The first message of each error status. */
  readonly messages: ReadonlyMap<number, string>;
  readonly latency: Histogram;
  readonly ttft: Histogram;
  readonly tokens: Readonly<Usage> & { readonly answers: number };
  /** Frees the histograms. */
  close(): void;
}

function histogram(): Histogram {
  // 1 us to 1 h with three significant digits; it grows itself past that.
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

function toMicros(ms: number): number {
  return Math.max(1, Math.round(ms * 1000));
}

export function createTally(): Tally {
  let ok = 0;
  let failed = 0;
  let aborted = 0;
  let skipped = 0;
  const statuses = new Map<number, number>();
  const failures = new Map<FailureReason, number>();
  const messages = new Map<number, string>();
  const latency = histogram();
  const ttft = histogram();
  const tokens = { input: 0, output: 0, answers: 0 };
  return {
    record(outcome) {
      if (outcome.kind === 'aborted') {
        aborted++;
        return;
      }
      if (outcome.kind === 'failed') {
        failed++;
        failures.set(outcome.reason, (failures.get(outcome.reason) ?? 0) + 1);
        return;
      }
      const { status } = outcome;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      latency.recordValue(toMicros(outcome.latencyMs));
      if (status < 200 || status >= 300) {
        failed++;
        if (outcome.message !== undefined && !messages.has(status) && messages.size < MAX_MESSAGES)
          messages.set(status, outcome.message);
        return;
      }
      ok++;
      if (outcome.ttftMs !== undefined) ttft.recordValue(toMicros(outcome.ttftMs));
      if (outcome.usage) {
        tokens.answers++;
        tokens.input += outcome.usage.input;
        tokens.output += outcome.usage.output;
      }
    },
    skip() {
      skipped++;
    },
    get ok() {
      return ok;
    },
    get failed() {
      return failed;
    },
    get aborted() {
      return aborted;
    },
    get skipped() {
      return skipped;
    },
    statuses,
    failures,
    messages,
    latency,
    ttft,
    tokens,
    close() {
      latency.destroy();
      ttft.destroy();
    },
  };
}
