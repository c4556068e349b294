// The demo's result as people read it: the two phases side by side, and what the difference means, in
// words computed from the numbers.
import type { PhaseResult } from './phase.ts';

const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '-');
const percent = (share: number) => `${Math.round(share * 100)}%`;

/** Rows of the table: a label, then one cell per phase. */
export function tableRows(phases: readonly PhaseResult[]): string[][] {
  const row = (label: string, cell: (p: PhaseResult) => string) => [label, ...phases.map(cell)];
  return [
    row('', (p) => p.label),
    row('requests', (p) => String(p.requests)),
    row('  succeeded', (p) => String(p.succeeded)),
    row('  failed (after retries)', (p) => String(p.failed)),
    row('upstream 429s', (p) => String(p.upstream429)),
    row('upstream calls', (p) => String(p.upstreamCalls)),
    row('wall time', (p) => seconds(p.wallMs)),
    row('capacity used', (p) => percent(p.capacity.share)),
    row('latency p50', (p) => seconds(p.p50Ms)),
    row('latency p99', (p) => seconds(p.p99Ms)),
  ];
}

/** Labels left-aligned, numbers right-aligned, two spaces of indent. */
export function renderTable(phases: readonly PhaseResult[]): string {
  const rows = tableRows(phases);
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows
    .map((r) =>
      `  ${r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]! + 4))).join('')}`.trimEnd(),
    )
    .join('\n');
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What the difference means, from the numbers: the gateway phase first, then the SDK alone. */
export function summarize(direct: PhaseResult, gateway: PhaseResult): string {
  const through =
    gateway.failed === 0
      ? `Through Cooldown all ${gateway.requests} requests succeeded`
      : `Through Cooldown ${gateway.succeeded} of ${gateway.requests} requests succeeded`;
  const refusals =
    gateway.upstream429 === 0
      ? ' and the provider refused none (0 upstream 429s)'
      : ` with ${plural(gateway.upstream429, 'upstream 429')}`;
  const alone =
    direct.failed > 0
      ? `the SDK alone lost ${direct.failed} of ${direct.requests} (${percent(direct.failed / direct.requests)}) after its retries and drew ${plural(direct.upstream429, '429')}`
      : `the SDK alone got every request through too, but drew ${plural(direct.upstream429, '429')}`;
  const [mine, theirs] = [percent(gateway.capacity.share), percent(direct.capacity.share)];
  const capacity =
    gateway.capacity.share >= direct.capacity.share
      ? `Cooldown also used more of the capacity the hidden limits allowed (${mine} against ${theirs}), knowing them only from the provider's headers.`
      : `Cooldown used ${mine} of the capacity the hidden limits allowed, knowing them only from the provider's headers; the SDK alone, retrying whenever retry-after allowed, used ${theirs}.`;
  // Waiting for capacity takes time; say where the time went rather than leave it to look like overhead.
  const time =
    gateway.wallMs > direct.wallMs && direct.failed > 0
      ? ` It took longer (${seconds(gateway.wallMs)} against ${seconds(direct.wallMs)}) because it waited for capacity to finish every request; the SDK alone finished sooner by giving up on ${direct.failed}.`
      : '';
  return `${through}${refusals}; ${alone}. ${capacity}${time}`;
}
