// The store in this process's memory: for tests, and for a gateway told to keep nothing
// (`store.sqlite: memory`). Spend is gone when the process ends; the ledger keeps the latest records.
import { CounterTable } from './counter-table.ts';
import type {
  Claim,
  ClaimResult,
  Settlement,
  SpendQuery,
  SpendRecord,
  SpendRow,
  StateStore,
} from './state-store.ts';

export interface MemoryStoreOptions {
  /** Counters held at most (least recently claimed forgotten first). */
  maxCounters: number;
  /** Spend records kept at most (the oldest dropped first). */
  maxRecords?: number;
}

export class MemoryStore implements StateStore {
  readonly backend = 'memory';
  readonly location = undefined;
  readonly #counters: CounterTable;
  /** A ring: the oldest record is overwritten once it is full. */
  readonly #records: SpendRecord[] = [];
  #next = 0;
  readonly #maxRecords: number;

  constructor(options: MemoryStoreOptions) {
    this.#counters = new CounterTable(options.maxCounters);
    this.#maxRecords = options.maxRecords ?? 100_000;
  }

  get size(): number {
    return this.#counters.size;
  }

  claim(claims: readonly Claim[], now: number): ClaimResult {
    return this.#counters.claim(claims, now);
  }

  settle(settlements: readonly Settlement[], now: number, record?: SpendRecord, durable?: () => void): void {
    this.#counters.settle(settlements, now);
    durable?.();
    if (!record) return;
    if (this.#records.length < this.#maxRecords) this.#records.push(record);
    else this.#records[this.#next] = record;
    this.#next = (this.#next + 1) % this.#maxRecords;
  }

  level(claim: Claim, now: number): number | undefined {
    return this.#counters.level(claim, now);
  }

  sweep(now: number): void {
    this.#counters.sweep(now);
  }

  spend(query: SpendQuery): SpendRow[] {
    const groups = new Map<string, SpendRow & { group: string }>();
    for (const r of this.#records) {
      if (r.at < query.from || r.at >= query.to) continue;
      const group = query.groupBy ? r[query.groupBy] : '';
      let row = groups.get(group);
      if (!row) {
        row = { group, requests: 0, costUsd: 0, unpriced: 0, inputTokens: 0, outputTokens: 0 };
        groups.set(group, row);
      }
      const m = row as { -readonly [K in keyof SpendRow]: SpendRow[K] };
      m.requests++;
      if (r.costUsd === undefined) m.unpriced++;
      else m.costUsd += r.costUsd;
      m.inputTokens += r.inputTokens;
      m.outputTokens += r.outputTokens;
    }
    const rows = [...groups.values()];
    if (!query.groupBy) return rows.length > 0 ? rows.map(({ group: _, ...rest }) => rest) : [emptyRow()];
    return rows.sort((a, b) => b.costUsd - a.costUsd);
  }

  close(): void {}
}

export function emptyRow(): SpendRow {
  return { requests: 0, costUsd: 0, unpriced: 0, inputTokens: 0, outputTokens: 0 };
}
