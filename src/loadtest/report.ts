// The result of a load test: one object (also the `--output` JSON, its shape in docs/loadtest.md)
// and its text for the terminal.
import type { Histogram } from 'hdr-histogram-js';
import { maskSecret, maskUrlCredentials } from '../config/mask.ts';
import type { LoadPlan } from './plan.ts';
import type { RunResult } from './runner.ts';
import type { Tally } from './tally.ts';

export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadReport {
  version: 1;
  target: {
    url: string;
    path: string;
    dialect: string;
    model: string;
    stream: boolean;
    max_tokens: number;
    key: string;
  };
  load: {
    scenario: string;
    loop: 'closed' | 'open';
    clients: number | null;
    rate_per_s: number | null;
    duration_ms: number;
    requests: number | null;
    max_in_flight: number;
    mock_fault: { header: string; share: number } | null;
  };
  started_at: string;
  elapsed_ms: number;
  stopped_by: RunResult['stoppedBy'];
  requests: {
    total: number;
    ok: number;
    failed: number;
    aborted: number;
    skipped: number;
    success_rate: number | null;
    per_s: number;
    ok_per_s: number;
  };
  statuses: Record<string, number>;
  failures: Record<string, number>;
  messages: Record<string, string>;
  latency_ms: Distribution | null;
  ttft_ms: Distribution | null;
  tokens: {
    input: number;
    output: number;
    answers_with_usage: number;
    output_per_s: number;
    total_per_s: number;
  };
}

const round = (n: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** A histogram of microseconds, in milliseconds; null when nothing was recorded. */
export function distribution(h: Histogram): Distribution | null {
  if (h.totalCount === 0) return null;
  const ms = (us: number) => round(us / 1000, 3);
  // A percentile is its bucket's top (within 0.1%), which can pass the exact maximum recorded.
  const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
  return {
    count: h.totalCount,
    mean: ms(h.mean),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: ms(h.maxValue),
  };
}

function sortedRecord<K extends string | number, V>(map: ReadonlyMap<K, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of [...map.keys()].sort()) out[String(k)] = map.get(k)!;
  return out;
}

/** The load the plan puts on, as the report states it. */
export function loadOf(plan: LoadPlan): LoadReport['load'] {
  return {
    scenario: plan.scenario,
    loop: plan.loop,
    clients: plan.clients ?? null,
    rate_per_s: plan.rate ?? null,
    duration_ms: plan.durationMs,
    requests: plan.requests ?? null,
    max_in_flight: plan.maxInFlight,
    mock_fault: plan.fault ? { ...plan.fault } : null,
  };
}

export interface ReportInput {
  plan: LoadPlan;
  tally: Tally;
  result: RunResult;
  startedAt: Date;
}

export function buildReport({ plan, tally, result, startedAt }: ReportInput): LoadReport {
  const seconds = result.elapsedMs / 1000;
  const perSecond = (n: number) => (seconds > 0 ? round(n / seconds) : 0);
  const finished = tally.ok + tally.failed;
  const total = finished + tally.aborted;
  return {
    version: 1,
    target: {
      url: maskUrlCredentials(plan.url),
      path: plan.path,
      dialect: plan.dialect,
      model: plan.model,
      stream: plan.stream,
      max_tokens: plan.maxTokens,
      key: maskSecret(plan.key),
    },
    load: loadOf(plan),
    started_at: startedAt.toISOString(),
    elapsed_ms: Math.round(result.elapsedMs),
    stopped_by: result.stoppedBy,
    requests: {
      total,
      ok: tally.ok,
      failed: tally.failed,
      aborted: tally.aborted,
      skipped: tally.skipped,
      success_rate: finished > 0 ? round(tally.ok / finished, 4) : null,
      per_s: perSecond(total),
      ok_per_s: perSecond(tally.ok),
    },
    statuses: sortedRecord(tally.statuses),
    failures: sortedRecord(tally.failures),
    messages: sortedRecord(tally.messages),
    latency_ms: distribution(tally.latency),
    ttft_ms: distribution(tally.ttft),
    tokens: {
      input: tally.tokens.input,
      output: tally.tokens.output,
      answers_with_usage: tally.tokens.answers,
      output_per_s: perSecond(tally.tokens.output),
      total_per_s: perSecond(tally.tokens.input + tally.tokens.output),
    },
  };
}
