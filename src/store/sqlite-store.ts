// The embedded default: counters in memory as in MemoryStore, spend in an SQLite file
// (`node:sqlite`, WAL). A settled request is first appended to the spend journal (one write(2),
// about 2 µs, before its answer ends: a `kill -9` cannot lose it), then taken into the file in
// batches (one transaction per 256 requests or 200 ms: a commit costs ~15 µs whatever it holds),
// and the journal emptied. On open, journal lines the file has not taken are replayed. Only a
// crash of the machine itself can lose the last of them (nothing is fsynced per request; SQLite's
// `synchronous = NORMAL` syncs at checkpoints). A period counter not in memory (after a restart or
// an eviction) is read back from the file.
import { rmSync } from 'node:fs';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { CounterTable } from './counter-table.ts';
import { emptyRow } from './memory-store.ts';
import {
  type CounterAdd,
  type JournalEntry,
  journalPath,
  ledgerColumns,
  orphanedJournals,
  SpendJournal,
} from './spend-journal.ts';
import { openDatabase } from './sqlite-file.ts';
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
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Journal lines taken into the file at once, at most; and the longest a line waits for it. */
const BATCH_SIZE = 256;
const BATCH_MS = 200;
/** Lines held in memory for the file while it refuses them; past this they are read back from the journal. */
const HELD_LIMIT = 50_000;

const GROUPS = { client: 'client', upstream: 'upstream', model: 'model' } as const;

export interface SqliteStoreOptions {
  /** The database file (its folder is made), or `:memory:`. */
  path: string;
  maxCounters: number;
  /** Told when a commit fails (the settlements stay counted in memory). */
  onError?: (err: unknown) => void;
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
  readonly #journal: SpendJournal | undefined;
  readonly #seqDone: StatementSync;
  readonly #seqOf: StatementSync;
  readonly #forgetSeq: StatementSync;
  readonly #dropEnded: StatementSync;
  #pending: JournalEntry[] = [];
  /** More lines failed to go in than are held: the next commit reads them from the journal. */
  #behind = false;
  /** The last of this process's journal lines the file has. */
  #committedSeq = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: SqliteStoreOptions) {
    this.location = options.path;
    this.#onError = options.onError ?? (() => {});
    this.#db = openDatabase(options.path, SCHEMA);
    this.#insert = this.#db.prepare(
      'INSERT INTO spend (at, request_id, client, upstream, model, cost_usd, input_tokens, output_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#add = this.#db.prepare(
      'INSERT INTO counters (key, settled, ends_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET settled = settled + excluded.settled',
    );
    this.#read = this.#db.prepare('SELECT settled FROM counters WHERE key = ?');
    this.#seqDone = this.#db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.#seqOf = this.#db.prepare('SELECT value FROM meta WHERE key = ?');
    this.#forgetSeq = this.#db.prepare('DELETE FROM meta WHERE key = ?');
    this.#dropEnded = this.#db.prepare('DELETE FROM counters WHERE ends_at <= ?');
    this.#counters = new CounterTable(options.maxCounters, (key) => {
      // What the file has not taken yet must count too.
      this.flush();
      const row = this.#read.get(key) as { settled: number } | undefined;
      return row?.settled ?? 0;
    });
    if (options.path !== ':memory:') {
      this.#recoverOrphans(options.path);
      this.#journal = new SpendJournal(journalPath(options.path, process.pid), 0);
      this.#journal.clear();
      this.#forgetSeq.run(this.#journal.path);
    }
  }

  /** Replays what dead processes journaled but the file had not taken, once, then drops their journals. */
  #recoverOrphans(dbPath: string): void {
    for (const path of orphanedJournals(dbPath)) {
      const last = (this.#seqOf.get(path) as { value: number } | undefined)?.value ?? 0;
      const replay = SpendJournal.pending(path, last);
      if (replay.length > 0) this.#commit(replay, path);
      rmSync(path, { force: true });
      this.#forgetSeq.run(path);
    }
  }

  get size(): number {
    return this.#counters.size;
  }

  claim(claims: readonly Claim[], now: number): ClaimResult {
    return this.#counters.claim(claims, now);
  }

  settle(settlements: readonly Settlement[], now: number, record?: SpendRecord, durable?: () => void): void {
    this.#counters.settle(settlements, now);
    if (record) {
      const adds: CounterAdd[] = [];
      for (const { claim, used } of settlements)
        if (claim.kind === 'period' && used !== 0) adds.push([claim.key, used, claim.endsAt]);
      const entry = this.#append(record, adds);
      if (this.#pending.length < HELD_LIMIT) this.#pending.push(entry);
      else this.#behind = true;
      if (this.#pending.length >= BATCH_SIZE) this.flush();
      else if (!this.#timer) {
        this.#timer = setTimeout(() => this.flush(), BATCH_MS);
        this.#timer.unref();
      }
    }
    durable?.();
  }

  /** Journaled before the answer ends; without a journal (`:memory:`) held for the next batch only. */
  #append(record: SpendRecord, adds: readonly CounterAdd[]): JournalEntry {
    if (!this.#journal) return { seq: 0, record, adds };
    try {
      return this.#journal.append(record, adds);
    } catch (err) {
      this.#onError(err);
      return { seq: this.#journal.seq, record, adds };
    }
  }

  /** Takes what was journaled into the file now, in one transaction, and empties the journal. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const journal = this.#journal;
    const batch =
      this.#behind && journal ? SpendJournal.pending(journal.path, this.#committedSeq) : this.#pending;
    if (batch.length === 0) return;
    try {
      this.#commit(batch, journal?.path);
      this.#pending = [];
      this.#behind = false;
      this.#committedSeq = batch.at(-1)!.seq;
      journal?.clear();
    } catch (err) {
      // Kept, in memory and in the journal, for the next commit (or the next start).
      this.#onError(err);
    }
  }

  #commit(batch: readonly JournalEntry[], journal: string | undefined): void {
    // One row per counter per commit, however many requests touched it.
    const added = new Map<string, { used: number; endsAt: number }>();
    for (const { adds } of batch)
      for (const [key, used, endsAt] of adds) {
        const sum = added.get(key);
        if (sum) sum.used += used;
        else added.set(key, { used, endsAt });
      }
    this.#db.exec('BEGIN');
    try {
      for (const { record } of batch) this.#insert.run(...ledgerColumns(record));
      for (const [key, { used, endsAt }] of added) this.#add.run(key, used, endsAt);
      if (journal) this.#seqDone.run(journal, batch.at(-1)!.seq);
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
    this.flush();
    this.#counters.sweep(now);
    this.#dropEnded.run(now);
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
    const journal = this.#journal;
    if (journal) {
      journal.close();
      // All of it is in the file: nothing for the next start to replay.
      if (this.#pending.length === 0 && !this.#behind) rmSync(journal.path, { force: true });
    }
    this.#db.close();
  }
}

const SUMS =
  'COUNT(*) AS requests, SUM(cost_usd) AS cost, SUM(cost_usd IS NULL) AS unpriced, SUM(input_tokens) AS input, SUM(output_tokens) AS output';
