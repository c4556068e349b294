// bench/guard: the CPU a request pays for who it is and what it may use, in process, per request:
// identity (a hash of its API key), its ingress buckets and a budget reserved in one claim, and the
// settle when it is over, with its ledger record (memory; SQLite: journaled with one write, taken into
// the file 256 at a time).
// Side by side with the same loop doing nothing, in the same run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createIdentify } from '../src/clients/identity.ts';
import { loadConfig } from '../src/config/load.ts';
import type { RequestContext } from '../src/pipeline/context.ts';
import { createGuardStage } from '../src/pipeline/guard.ts';
import { BudgetBook, budgetRules } from '../src/spend/budget-book.ts';
import { PeriodCalendar } from '../src/spend/budget-period.ts';
import { PriceBook } from '../src/spend/price-book.ts';
import { createSpendSettler } from '../src/spend/spend-settler.ts';
import { MemoryStore } from '../src/store/memory-store.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { StateStore } from '../src/store/state-store.ts';
import { systemClock } from '../src/time/clock.ts';

interface Options {
  requests: number;
}

const config = loadConfig({
  tree: {
    clients: { identify_by: 'api_key', limits: { rpm: 1e9, tpm: 1e12 } },
    budgets: [
      { scope: 'global', period: 'daily', limit_usd: 1e9 },
      { scope: 'client', period: 'monthly', limit_usd: 1e9 },
    ],
  },
  env: {},
  cwd: '/nonexistent',
});

function requestContext(i: number): RequestContext {
  const req = {
    headers: { authorization: `Bearer sk-bench-client-${i % 100}-aaaaaaaaaaaaaaaaaaaaaaaa` },
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
  return {
    id: `r${i}`,
    req,
    kind: 'api',
    model: 'gpt-4o-mini',
    json: undefined,
    cost: { requests: 1, inputTokens: 30, outputTokens: 256 },
    target: { upstream: { name: 'openai', dialect: { name: 'openai' } } },
    client: undefined,
    claims: undefined,
    usage: { inputTokens: 28, outputTokens: 40 },
    costUsd: 0.0000282,
  } as unknown as RequestContext;
}

function perRequestMicros(store: StateStore | undefined, n: number, settles = true): number {
  const identify = createIdentify(config.clients, false);
  const prices = new PriceBook({});
  const budgets = new BudgetBook(budgetRules(config.budgets, []), new PeriodCalendar('UTC'));
  const guard = store
    ? createGuardStage({ store, budgets, prices, ingress: true, clock: systemClock })
    : undefined;
  const settle = store ? createSpendSettler(store, () => {}) : undefined;
  const contexts = Array.from({ length: 1000 }, (_, i) => requestContext(i));
  const run = (count: number) => {
    for (let i = 0; i < count; i++) {
      const ctx = contexts[i % contexts.length]!;
      ctx.claims = undefined;
      ctx.spendSettled = false;
      if (store) {
        ctx.client = identify(ctx.req);
        guard!(ctx);
        if (!settles) continue;
        settle!(ctx, Date.now());
      }
    }
  };
  run(Math.min(n, 300_000)); // warm the JIT
  const cpu = process.cpuUsage();
  run(n);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

type Variant = 'nothing' | 'reserve' | 'memory' | 'sqlite';

/** One variant measured in a process of its own, so each runs with the JIT's view of only its own path. */
function measured(variant: Variant, n: number, dir: string): number {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), variant, String(n), dir], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}

function measureHere(variant: Variant, n: number, dir: string): number {
  if (variant === 'nothing') return perRequestMicros(undefined, n);
  if (variant === 'reserve') return perRequestMicros(new MemoryStore({ maxCounters: 100_000 }), n, false);
  if (variant === 'memory') return perRequestMicros(new MemoryStore({ maxCounters: 100_000 }), n);
  const sqlite = new SqliteStore({ path: join(dir, 'state.db'), maxCounters: 100_000 });
  try {
    return perRequestMicros(sqlite, n);
  } finally {
    sqlite.close();
  }
}

export async function runGuard(options: Options): Promise<void> {
  const n = Math.max(200_000, options.requests * 5000);
  const dir = mkdtempSync(join(tmpdir(), 'cooldown-bench-guard-'));
  try {
    const rows: [string, number][] = [
      ['nothing (the loop)', measured('nothing', n, dir)],
      ['reserve only', measured('reserve', n, dir)],
      ['reserve + settle, memory', measured('memory', n, dir)],
    ];
    rows.push(['reserve + settle, sqlite (journaled)', measured('sqlite', n, dir)]);
    process.stdout.write(
      `identity + rpm/tpm buckets + 2 budgets reserved, then settled with a ledger record: ${n} requests, CPU per request, each in a process of its own\n`,
    );
    process.stdout.write('path                                   µs CPU  added\n');
    for (const [name, us] of rows)
      process.stdout.write(
        `${name.padEnd(37)} ${us.toFixed(2).padStart(7)}  ${(us - rows[0]![1]).toFixed(2).padStart(5)}\n`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run as a child: `node bench/guard.ts <variant> <requests> <dir>` prints µs per request.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [variant, n, dir] = process.argv.slice(2) as [Variant, string, string];
  process.stdout.write(`${measureHere(variant, Number(n), dir)}\n`);
}
