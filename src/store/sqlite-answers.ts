// Cached answers in the store layer's SQLite file, so they survive a restart. The LRU order and
// sizes are held in memory (lru-cache, weighed in bytes like the memory store); the bodies stay in
// the file and are read on a hit. An entry the LRU lets go of is deleted from the file with it.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { LRUCache } from 'lru-cache';
import { type AnswerFilter, type AnswerStore, matches } from '../cache/answer-store.ts';
import type { AnswerBounds } from '../cache/memory-answers.ts';
import { answerSize, type StoredAnswer } from '../cache/stored-answer.ts';
import type { Usage } from '../dialects/types.ts';
import { openDatabase } from './sqlite-file.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS answers (
  key TEXT PRIMARY KEY,
  upstream TEXT NOT NULL,
  model TEXT NOT NULL,
  status INTEGER NOT NULL,
  stream INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  headers TEXT NOT NULL,
  usage TEXT,
  body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_expires ON answers (expires_at);
`;

/** What the LRU holds of an entry: enough to weigh, expire and clear it without reading the file. */
interface EntryMeta {
  size: number;
  expiresAt: number;
  upstream: string;
  model: string;
}

interface AnswerRow {
  upstream: string;
  model: string;
  status: number;
  stream: number;
  stored_at: number;
  expires_at: number;
  headers: string;
  usage: string | null;
  body: Uint8Array;
}

export class SqliteAnswers implements AnswerStore {
  readonly backend = 'sqlite';
  readonly #db: DatabaseSync;
  readonly #lru: LRUCache<string, EntryMeta>;
  readonly #select: StatementSync;
  readonly #upsert: StatementSync;
  readonly #delete: StatementSync;
  readonly #expire: StatementSync;

  constructor(path: string, bounds: AnswerBounds, now: number) {
    this.#db = openDatabase(path, SCHEMA);
    this.#select = this.#db.prepare(
      'SELECT upstream, model, status, stream, stored_at, expires_at, headers, usage, body FROM answers WHERE key = ?',
    );
    this.#upsert = this.#db.prepare(
      'INSERT OR REPLACE INTO answers (key, upstream, model, status, stream, stored_at, expires_at, size, headers, usage, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#delete = this.#db.prepare('DELETE FROM answers WHERE key = ?');
    this.#expire = this.#db.prepare('DELETE FROM answers WHERE expires_at <= ?');
    this.#lru = new LRUCache<string, EntryMeta>({
      max: bounds.maxEntries,
      maxSize: bounds.maxBytes,
      maxEntrySize: Math.min(bounds.maxEntryBytes, bounds.maxBytes),
      sizeCalculation: (meta) => meta.size,
      // Pushed out for room: gone from the file too.
      dispose: (_meta, key, reason) => {
        if (reason === 'evict') this.#delete.run(key);
      },
    });
    this.#expire.run(now);
    // Oldest first, so the newest end the LRU's most recent; what no longer fits (a smaller bound
    // since) is pushed out as it loads.
    const rows = this.#db
      .prepare('SELECT key, size, expires_at, upstream, model FROM answers ORDER BY stored_at')
      .all() as { key: string; size: number; expires_at: number; upstream: string; model: string }[];
    for (const r of rows) {
      this.#lru.set(r.key, { size: r.size, expiresAt: r.expires_at, upstream: r.upstream, model: r.model });
      if (!this.#lru.has(r.key)) this.#delete.run(r.key);
    }
  }

  get(key: string, now: number): StoredAnswer | undefined {
    const meta = this.#lru.get(key);
    if (meta === undefined) return undefined;
    if (meta.expiresAt <= now) {
      this.#forget(key);
      return undefined;
    }
    const row = this.#select.get(key) as AnswerRow | undefined;
    if (row === undefined) {
      this.#lru.delete(key);
      return undefined;
    }
    return {
      status: row.status,
      headers: JSON.parse(row.headers) as string[],
      body: Buffer.from(row.body.buffer, row.body.byteOffset, row.body.byteLength),
      stream: row.stream === 1,
      storedAt: row.stored_at,
      expiresAt: row.expires_at,
      upstream: row.upstream,
      model: row.model,
      usage: row.usage === null ? undefined : (JSON.parse(row.usage) as Usage),
    };
  }

  put(key: string, answer: StoredAnswer): void {
    const size = answerSize(answer);
    this.#lru.set(key, { size, expiresAt: answer.expiresAt, upstream: answer.upstream, model: answer.model });
    // Over the bound for one entry: the LRU did not take it, and neither does the file.
    if (!this.#lru.has(key)) {
      this.#delete.run(key);
      return;
    }
    this.#upsert.run(
      key,
      answer.upstream,
      answer.model,
      answer.status,
      answer.stream ? 1 : 0,
      answer.storedAt,
      answer.expiresAt,
      size,
      JSON.stringify(answer.headers),
      answer.usage === undefined ? null : JSON.stringify(answer.usage),
      answer.body,
    );
  }

  clear(filter: AnswerFilter): number {
    const gone: string[] = [];
    for (const [key, meta] of this.#lru.entries()) if (matches(filter, meta)) gone.push(key);
    this.#db.exec('BEGIN');
    try {
      for (const key of gone) this.#forget(key);
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
    return gone.length;
  }

  sweep(now: number): void {
    const gone: string[] = [];
    for (const [key, meta] of this.#lru.entries()) if (meta.expiresAt <= now) gone.push(key);
    for (const key of gone) this.#lru.delete(key);
    this.#expire.run(now);
  }

  #forget(key: string): void {
    this.#lru.delete(key);
    this.#delete.run(key);
  }

  get entries(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
