// The embedded default: counters in memory as in MemoryStore, and every settlement that spends
// written to an SQLite file (`node:sqlite`, WAL) in one transaction with its ledger record, before
// `settle` returns. A `kill -9` after that loses nothing: the transaction is in the WAL file. Only
// a crash of the machine itself can lose the last ones (`synchronous = NORMAL`; FULL would fsync
// on every request). A period counter not in memory (a restart, an eviction) is read back from the file.
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

  constructor(options: SqliteStoreOptions) {
    this.location = options.path;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new DatabaseSync(options.path);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
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

  settle(settlements: readonly Settlement[], now: number, record?: SpendRecord): void {
    // Durable first; memory is settled even when the file refuses (the error goes to the caller).
    try {
      if (record) this.#write(settlements, record);
    } finally {
      this.#counters.settle(settlements, now);
    }
  }

  #write(settlements: readonly Settlement[], r: SpendRecord): void {
    this.#db.exec('BEGIN');
    try {
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
      for (const { claim, used } of settlements)
        if (claim.kind === 'period' && used !== 0) this.#add.run(claim.key, used, claim.endsAt);
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  level(claim: Claim, now: number): number | undefined {
    return this.#counters.level(claim, now);
  }

  sweep(now: number): void {
    this.#counters.sweep(now);
    this.#db.prepare('DELETE FROM counters WHERE ends_at <= ?').run(now);
  }

  spend(query: SpendQuery): SpendRow[] {
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
    if (this.#db.isOpen) this.#db.close();
  }
}

const SUMS =
  'COUNT(*) AS requests, SUM(cost_usd) AS cost, SUM(cost_usd IS NULL) AS unpriced, SUM(input_tokens) AS input, SUM(output_tokens) AS output';
