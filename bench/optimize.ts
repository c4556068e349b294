// bench/optimize: what context optimization saves and costs, on a deterministic corpus of agent
// requests. Tokens are counted with a real BPE tokenizer (o200k_base) for the table only; the
// gateway itself keeps its chars/4 estimate. Time added = optimizeRequest + JSON.stringify of the
// new body, minus JSON.stringify of the original (what the gateway does anyway).
// Run: npx node -e "import('./bench/optimize.ts').then(m=>m.runOptimize({}))"
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { percentile } from '../src/demo/percentile.ts';
import { DEFAULT_OPTIMIZE_OPTIONS, optimizeRequest } from '../src/optimize/optimize-request.ts';
import { type AgentCase, CATEGORY_NAMES, createAgentCorpus } from './lib/agent-corpus.ts';

const SEED = 20250314;
const NOT_TEXT = new Set(['role', 'type', 'id', 'tool_call_id', 'tool_use_id', 'cache_control']);

/** The strings of a body the model reads, joined: what the BPE count runs over. */
function modelText(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) modelText(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value))
      if (!NOT_TEXT.has(key) && key !== 'model') modelText(v, out);
  }
  return out;
}

const bpe = (body: Record<string, unknown>) => countTokens(modelText(body).join('\n'));

/** Added milliseconds per request at p50 and p99, baseline and optimized interleaved run by run. */
function timeAdded(c: AgentCase, rounds: number): { p50: number; p99: number } {
  const opts = { ...DEFAULT_OPTIMIZE_OPTIONS };
  for (let i = 0; i < 20; i++) JSON.stringify(optimizeRequest(c.dialect, c.body, opts).body ?? c.body);
  const added: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    JSON.stringify(c.body);
    const t1 = performance.now();
    const result = optimizeRequest(c.dialect, c.body, opts);
    JSON.stringify(result.body ?? c.body);
    const t2 = performance.now();
    added.push(t2 - t1 - (t1 - t0));
  }
  return { p50: percentile(added, 50), p99: percentile(added, 99) };
}

interface Row {
  before: number;
  after: number;
  estBefore: number;
  estAfter: number;
  errorsKept: number;
  errors: number;
  untouchedOk: boolean;
  time: Map<number, { p50: number; p99: number }>;
}

function check(c: AgentCase, optimized: Record<string, unknown>): { kept: number; untouchedOk: boolean } {
  const text = modelText(optimized).join('\n');
  const kept = c.errorMarkers.filter((marker) => text.includes(marker)).length;
  const strings = new Set(modelText(optimized));
  return { kept, untouchedOk: c.untouched.every((t) => strings.has(t)) };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export async function runOptimize(opts: { rounds?: number }): Promise<void> {
  const rounds = opts.rounds ?? 200;
  const sizes = [10, 100];
  const rows = new Map<string, Row>();
  for (const size of sizes) {
    for (const c of createAgentCorpus(SEED, size)) {
      const row = rows.get(c.category) ?? {
        before: 0,
        after: 0,
        estBefore: 0,
        estAfter: 0,
        errorsKept: 0,
        errors: 0,
        untouchedOk: true,
        time: new Map(),
      };
      rows.set(c.category, row);
      const result = optimizeRequest(c.dialect, c.body, { ...DEFAULT_OPTIMIZE_OPTIONS });
      const optimized = result.body ?? c.body;
      if (size === 100) {
        row.before += bpe(c.body);
        row.after += bpe(optimized);
        row.estBefore += result.tokensBefore;
        row.estAfter += result.tokensAfter;
        const { kept, untouchedOk } = check(c, optimized);
        row.errorsKept += kept;
        row.errors += c.errorMarkers.length;
        row.untouchedOk &&= untouchedOk;
      }
      if (c.dialect === 'openai') row.time.set(size, timeAdded(c, rounds));
    }
  }
  const head = [
    'category',
    'est./request',
    'BPE before',
    'BPE after',
    'saved',
    'est. saved',
    'errors kept',
    'text intact',
    ...sizes.flatMap((s) => [`+ms p50 @${s}k`, `+ms p99 @${s}k`]),
  ];
  const lines = [head];
  for (const name of CATEGORY_NAMES) {
    const row = rows.get(name);
    if (!row) continue;
    lines.push([
      name,
      String(Math.round(row.estBefore / 2)),
      String(row.before),
      String(row.after),
      `${fmt((100 * (row.before - row.after)) / row.before, 1)}%`,
      `${fmt((100 * (row.estBefore - row.estAfter)) / row.estBefore, 1)}%`,
      `${row.errorsKept}/${row.errors}`,
      row.untouchedOk ? 'yes' : 'NO',
      ...sizes.flatMap((s) => [
        fmt(row.time.get(s)?.p50 ?? Number.NaN, 2),
        fmt(row.time.get(s)?.p99 ?? Number.NaN, 2),
      ]),
    ]);
  }
  const widths = head.map((_, k) => Math.max(...lines.map((l) => l[k]!.length)));
  const render = (l: string[]) =>
    l.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join('  ');
  process.stdout.write(
    `tokens at ~100k per request, both dialects summed; time: openai dialect, ${rounds} runs\n`,
  );
  for (const l of lines) process.stdout.write(`${render(l)}\n`);
  process.stdout.write(
    'targets: >= 60% saved on large repetitive JSON, 0% on prose and code, every error kept, < 5 ms p99 at 100k\n',
  );
}
