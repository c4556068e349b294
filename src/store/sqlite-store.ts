// The embedded default: counters in memory as in MemoryStore, and every settlement that spends
// written to an SQLite file (`node:sqlite`, WAL) with its ledger record. Settlements are committed
// together once per turn of the event loop (group commit: a commit costs ~15 µs of CPU whatever it
// holds, so a busy gateway pays it once for many requests), and an answer waits for the commit of
// its spend before its last bytes go out (`durable`), so what a client was answered is on file.
// Memory is settled at once, so budgets hold meanwhile. A `kill -9` loses nothing committed (it is
// in the WAL file); only a crash of the machine itself can lose the last commits (`synchronous =
// NORMAL`; FULL would fsync each one).
// A period counter not in memory (a restart, an eviction) is read back from the file.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { CounterTable } from './counter-table.ts';
import { emptyRow } from './memory-store.ts';
import type {
  Claim,
  ClaimResult,
  Settlement,
  SpendQuery,
  SpendRecord,
  SpendRow,
  StateStore,
} from './state-store.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS spend (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  client TEXT NOT NULL,
  upstream TEXT NOT NULL,
  model TEXT NOT NULL,
  cost_usd REAL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS spend_at ON spend (at);
CREATE TABLE IF NOT EXISTS counters (
  key TEXT PRIMARY KEY,
  settled REAL NOT NULL,
  ends_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

const GROUPS = { client: 'client', upstream: 'upstream', model: 'model' } as const;

export interface SqliteStoreOptions {
  /** The database file (its folder is made), or `:memory:`. */
  path: string;
  maxCounters: number;
  /** Told when a commit fails (the settlements stay counted in memory). */
  onError?: (err: unknown) => void;
}

interface Pending {
  readonly settlements: readonly Settlement[];
  readonly record: SpendRecord;
  readonly durable: (() => void) | undefined;
}

interface SumRow {
  grp?: string;
  requests: number;
  cost: number | null;
  unpriced: number;
  input: number | null;
  output: number | null;
}

export class SqliteStore implements StateStore {
  readonly backend = 'sqlite';
  readonly location: string;
  readonly #db: DatabaseSync;
  readonly #counters: CounterTable;
  readonly #insert: StatementSync;
  readonly #add: StatementSync;
  readonly #read: StatementSync;
  readonly #sums = new Map<string, StatementSync>();
  readonly #onError: (err: unknown) => void;
  #pending: Pending[] = [];
  #flushing: NodeJS.Immediate | undefined;

  constructor(options: SqliteStoreOptions) {
    this.location = options.path;
    this.#onError = options.onError ?? (() => {});
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new DatabaseSync(options.path);
    // The busy timeout first: another process opening the same file may hold it for a moment.
    this.#db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.#db.exec(SCHEMA);
    this.#insert = this.#db.prepare(
      'INSERT INTO spend (at, request_id, client, upstream, model, cost_usd, input_tokens, output_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#add = this.#db.prepare(
      'INSERT INTO counters (key, settled, ends_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET settled = settled + excluded.settled',
    );
    this.#read = this.#db.prepare('SELECT settled FROM counters WHERE key = ?');
    this.#counters = new CounterTable(options.maxCounters, (key) => {
      const row = this.#read.get(key) as { settled: number } | undefined;
      return row?.settled ?? 0;
    });
  }

  get size(): number {
    return this.#counters.size;
  }

  claim(claims: readonly Claim[], now: number): ClaimResult {
    return this.#counters.claim(claims, now);
  }

  settle(settlements: readonly Settlement[], now: number, record?: SpendRecord, durable?: () => void): void {
    this.#counters.settle(settlements, now);
    if (!record) {
      durable?.();
      return;
    }
    this.#pending.push({ settlements, record, durable });
    this.#flushing ??= setImmediate(() => this.flush());
  }

  /** Commits what was settled since the last commit, in one transaction. */
  flush(): void {
    if (this.#flushing) clearImmediate(this.#flushing);
    this.#flushing = undefined;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    // One row per counter per commit, however many requests touched it.
    const added = new Map<string, { used: number; endsAt: number }>();
    for (const { settlements } of batch)
      for (const { claim, used } of settlements) {
        if (claim.kind !== 'period' || used === 0) continue;
        const sum = added.get(claim.key);
        if (sum) sum.used += used;
        else added.set(claim.key, { used, endsAt: claim.endsAt });
      }
    try {
      this.#db.exec('BEGIN');
      try {
        for (const { record: r } of batch)
          this.#insert.run(
            r.at,
            r.requestId,
            r.client,
            r.upstream,
            r.model,
            r.costUsd ?? null,
            r.inputTokens,
            r.outputTokens,
          );
        for (const [key, { used, endsAt }] of added) this.#add.run(key, used, endsAt);
        this.#db.exec('COMMIT');
      } catch (err) {
        this.#db.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      this.#onError(err);
    }
    // Answers held for their spend go out now (also when the file refused it: logged, not hung).
    for (const { durable } of batch) durable?.();
  }

  level(claim: Claim, now: number): number | undefined {
    return this.#counters.level(claim, now);
  }

  sweep(now: number): void {
    this.#counters.sweep(now);
    this.#db.prepare('DELETE FROM counters WHERE ends_at <= ?').run(now);
  }

  spend(query: SpendQuery): SpendRow[] {
    this.flush();
    const column = query.groupBy ? GROUPS[query.groupBy] : undefined;
    const sql = column
      ? `SELECT ${column} AS grp, ${SUMS} FROM spend WHERE at >= ? AND at < ? GROUP BY ${column} ORDER BY cost DESC`
      : `SELECT ${SUMS} FROM spend WHERE at >= ? AND at < ?`;
    let statement = this.#sums.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#sums.set(sql, statement);
    }
    const rows = statement.all(query.from, query.to) as unknown as SumRow[];
    if (rows.length === 0) return column ? [] : [emptyRow()];
    return rows.map((row) => ({
      ...(column ? { group: row.grp! } : {}),
      requests: row.requests,
      costUsd: row.cost ?? 0,
      unpriced: row.unpriced,
      inputTokens: row.input ?? 0,
      outputTokens: row.output ?? 0,
    }));
  }

  close(): void {
    if (!this.#db.isOpen) return;
    this.flush();
    this.#db.close();
  }
}

const SUMS =
  'COUNT(*) AS requests, SUM(cost_usd) AS cost, SUM(cost_usd IS NULL) AS unpriced, SUM(input_tokens) AS input, SUM(output_tokens) AS output';
