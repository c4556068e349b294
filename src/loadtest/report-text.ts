// A load test's report as the terminal shows it: one labelled line per fact.
import { formatDuration } from '../config/units.ts';
import type { Distribution, LoadReport } from './report.ts';

const LABEL = 13;

function line(label: string, text: string): string {
  return `${label.padEnd(LABEL)}${text}\n`;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(n < 10 ? 2 : 1)} ms`;
}

function spread(d: Distribution): string {
  return `p50 ${ms(d.p50)}  p90 ${ms(d.p90)}  p99 ${ms(d.p99)}  max ${ms(d.max)}  (mean ${ms(d.mean)}, ${int(d.count)})`;
}

function counts(record: Record<string, number>): string {
  return Object.entries(record)
    .map(([k, v]) => `${k}: ${int(v)}`)
    .join('  ');
}

export function describeLoad(load: LoadReport['load']): string {
  const shape =
    load.loop === 'open'
      ? `open loop at ${num(load.rate_per_s ?? 0)}/s`
      : `closed loop, ${int(load.clients ?? 0)} client${load.clients === 1 ? '' : 's'}`;
  const bound = `${formatDuration(load.duration_ms)}${load.requests !== null ? ` or ${int(load.requests)} requests` : ''}`;
  const fault = load.mock_fault
    ? `, x-mock-fault: ${load.mock_fault.header} on the first ${Math.round(load.mock_fault.share * 100)}%`
    : '';
  return `${load.scenario}: ${shape}, ${bound}${fault}`;
}

export function formatReport(r: LoadReport): string {
  const q = r.requests;
  let out = line('cooldown', `loadtest ${describeLoad(r.load)}`);
  out += line(
    'target',
    `${r.target.dialect} ${r.target.url} ${r.target.path}  model ${r.target.model}${r.target.stream ? '  stream' : ''}  key ${r.target.key}`,
  );
  const rate = q.success_rate === null ? 'none finished' : `${(q.success_rate * 100).toFixed(2)}%`;
  out += line(
    'requests',
    `${int(q.total)} in ${(r.elapsed_ms / 1000).toFixed(2)}s (${num(q.per_s)}/s): ${int(q.ok)} ok, ${int(q.failed)} failed, ${int(q.aborted)} aborted at the end; success ${rate}`,
  );
  if (q.skipped > 0)
    out += line('skipped', `${int(q.skipped)} due but not sent: ${int(r.load.max_in_flight)} were in flight`);
  if (Object.keys(r.statuses).length > 0) out += line('statuses', counts(r.statuses));
  if (Object.keys(r.failures).length > 0) out += line('failures', counts(r.failures));
  for (const [status, message] of Object.entries(r.messages)) out += line(`  ${status}`, message);
  if (r.latency_ms) out += line('latency', spread(r.latency_ms));
  if (r.ttft_ms) out += line('first token', spread(r.ttft_ms));
  const t = r.tokens;
  if (t.answers_with_usage > 0)
    out += line(
      'tokens',
      `${int(t.input)} in, ${int(t.output)} out (${int(t.answers_with_usage)} answers with usage): ${num(t.output_per_s)} out/s, ${num(t.total_per_s)} total/s`,
    );
  else out += line('tokens', 'no answer reported its usage');
  out += line('stopped by', r.stopped_by);
  return out;
}
