import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { MemoryStore } from './memory-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { PeriodClaim, SpendRecord, SpendRow, StateStore } from './state-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'cooldown-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const budget: PeriodClaim = {
  kind: 'period',
  key: 'budget/global/global/daily/x',
  amount: 0.3,
  limit: 1,
  endsAt: 10_000,
};

function record(
  i: number,
  costUsd: number | undefined,
  client = 'vk:alice',
  model = 'gpt-4o-mini',
): SpendRecord {
  return {
    at: 1000 + i,
    requestId: `r${i}`,
    client,
    upstream: 'openai',
    model,
    costUsd,
    inputTokens: 10,
    outputTokens: 5,
  };
}

function spendThrough(store: StateStore, costs: readonly number[]): void {
  costs.forEach((cost, i) => {
    assert.deepEqual(store.claim([budget], 1000), { ok: true });
    store.settle([{ claim: budget, reserved: budget.amount, used: cost }], 1000 + i, record(i, cost));
  });
}

describe('SqliteStore', () => {
  test('settled spend survives closing and reopening the file, counters and ledger alike', () => {
    const path = join(dir, 'a', 'state.db');
    const first = new SqliteStore({ path, maxCounters: 100 });
    spendThrough(first, [0.3, 0.3, 0.2]);
    first.close();
    const again = new SqliteStore({ path, maxCounters: 100 });
    // 0.8 settled: a 0.3 reservation no longer fits under 1.
    const refused = again.claim([budget], 2000);
    assert.equal(refused.ok, false);
    if (!refused.ok) assert.ok(Math.abs(refused.remaining - 0.2) < 1e-9);
    const total = (again.spend({ from: 0, to: 10_000 }) as SpendRow[])[0]!;
    assert.ok(Math.abs(total.costUsd - 0.8) < 1e-12);
    assert.equal(total.requests, 3);
    again.close();
  });

  test('a kill -9 before the file took the spend: the journal is replayed on the next open, once', () => {
    const path = join(dir, 'killed', 'state.db');
    const store = new URL('./sqlite-store.ts', import.meta.url).href;
    // A process that settles five requests and is killed at once, before any batch is committed.
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(store)});
      const s = new SqliteStore({ path: ${JSON.stringify(path)}, maxCounters: 10 });
      const claim = ${JSON.stringify(budget)};
      for (let i = 0; i < 5; i++) {
        s.claim([claim], 1000);
        s.settle([{ claim, reserved: claim.amount, used: 0.01 * (i + 1) }], 1000,
          { at: 1000 + i, requestId: 'r' + i, client: 'c', upstream: 'u', model: 'm', costUsd: 0.01 * (i + 1), inputTokens: 1, outputTokens: 1 });
      }
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(child.signal, 'SIGKILL', child.stderr.toString());
    for (let open = 0; open < 2; open++) {
      const again = new SqliteStore({ path, maxCounters: 10 });
      const total = (again.spend({ from: 0, to: 10_000 }) as SpendRow[])[0]!;
      assert.equal(total.requests, 5, `open ${open}`);
      assert.ok(Math.abs(total.costUsd - 0.15) < 1e-12);
      assert.ok(Math.abs((again.level(budget, 2000) as number) - 0.15) < 1e-12, 'the budget counter too');
      again.close();
    }
  });

  test("a second process on the same file never replays the first one's live journal", () => {
    const path = join(dir, 'shared', 'state.db');
    const first = new SqliteStore({ path, maxCounters: 10 });
    first.settle([], 1000, record(1, 0.5));
    const store = new URL('./sqlite-store.ts', import.meta.url).href;
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(store)});
      const s = new SqliteStore({ path: ${JSON.stringify(path)}, maxCounters: 10 });
      s.settle([], 1000, { at: 1001, requestId: 'other', client: 'c', upstream: 'u', model: 'm', costUsd: 0.25, inputTokens: 1, outputTokens: 1 });
      s.close();`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(child.status, 0, child.stderr.toString());
    first.close();
    const again = new SqliteStore({ path, maxCounters: 10 });
    const total = (again.spend({ from: 0, to: 10_000 }) as SpendRow[])[0]!;
    assert.deepEqual([total.requests, total.costUsd], [2, 0.75]);
    again.close();
  });

  test('a batch the file refuses is kept and goes in with the next one', () => {
    const path = join(dir, 'locked.db');
    const errors: unknown[] = [];
    const store = new SqliteStore({ path, maxCounters: 10, onError: (err) => errors.push(err) });
    const holder = new DatabaseSync(path);
    holder.exec('BEGIN IMMEDIATE');
    store.settle([], 1000, record(1, 0.5));
    store.flush();
    assert.equal(errors.length, 1, 'the locked file refused the batch');
    holder.exec('COMMIT');
    holder.close();
    store.settle([], 1001, record(2, 0.25));
    store.flush();
    const total = (store.spend({ from: 0, to: 10_000 }) as SpendRow[])[0]!;
    assert.deepEqual([total.requests, total.costUsd], [2, 0.75]);
    store.close();
  });

  test('an ended period is swept from the file', () => {
    const store = new SqliteStore({ path: join(dir, 'b.db'), maxCounters: 100 });
    spendThrough(store, [0.5]);
    store.sweep(10_000);
    const fresh = store.claim([{ ...budget, amount: 0.9, endsAt: 20_000 }], 10_000);
    assert.equal(fresh.ok, true, 'the ended counter was forgotten, in memory and on file');
    store.close();
  });
});

for (const [name, make] of [
  ['MemoryStore', () => new MemoryStore({ maxCounters: 100 })],
  ['SqliteStore', () => new SqliteStore({ path: ':memory:', maxCounters: 100 })],
] as const) {
  test(`${name}: the ledger sums by group, unpriced requests counted apart`, () => {
    const store: StateStore = make();
    store.settle([], 1, record(1, 0.5, 'vk:alice'));
    store.settle([], 2, record(2, 0.25, 'vk:bob'));
    store.settle([], 3, record(3, undefined, 'vk:bob', 'local-llama'));
    store.settle([], 20_000, record(19_000, 9, 'vk:bob'));
    const rows = store.spend({ from: 0, to: 10_000, groupBy: 'client' }) as ReadonlyArray<{
      group?: string;
      costUsd: number;
      unpriced: number;
      requests: number;
    }>;
    assert.deepEqual(
      rows.map((r) => [r.group, r.requests, r.costUsd, r.unpriced]),
      [
        ['vk:alice', 1, 0.5, 0],
        ['vk:bob', 2, 0.25, 1],
      ],
    );
    const none = store.spend({ from: 50_000, to: 60_000 }) as ReadonlyArray<{ requests: number }>;
    assert.equal(none[0]!.requests, 0);
    store.close();
  });
}
