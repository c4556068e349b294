// The write-ahead journal of spend: one line per settled request, appended with one write(2) before
// the request's answer ends (about 2 µs). A `kill -9` cannot take what write(2) handed the kernel,
// so the line survives it; the SQLite file takes the lines in batches later, and whatever it had not
// taken when its process died is replayed by the next process to open it. Each process writes a
// journal of its own (named by its pid), so two processes on one file never replay each other's
// live lines; each line has a sequence number the file records per journal, so none counts twice.
import {
  closeSync,
  existsSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SpendRecord } from './state-store.ts';

/** A settled period counter: `[key, amount, endsAt]`. */
export type CounterAdd = readonly [key: string, used: number, endsAt: number];

export interface JournalEntry {
  readonly seq: number;
  readonly record: SpendRecord;
  readonly adds: readonly CounterAdd[];
}

/** A record as the ledger's columns, in order: at, request id, client, upstream, model, cost, input, output. */
export type LedgerColumns = [number, string, string, string, string, number | null, number, number];

export function ledgerColumns(r: SpendRecord): LedgerColumns {
  return [r.at, r.requestId, r.client, r.upstream, r.model, r.costUsd ?? null, r.inputTokens, r.outputTokens];
}

type Line = [number, ...LedgerColumns, CounterAdd[]];

/** The journal file of process `pid` for the database at `dbPath`. */
export function journalPath(dbPath: string, pid: number): string {
  return `${dbPath}-spend.${pid}.journal`;
}

/** Journals of processes that are gone (a `kill -9`, a crash), whose lines may need replaying. */
export function orphanedJournals(dbPath: string): string[] {
  const prefix = `${basename(dbPath)}-spend.`;
  const out: string[] = [];
  for (const name of readdirSync(dirname(dbPath))) {
    if (!name.startsWith(prefix) || !name.endsWith('.journal')) continue;
    const pid = Number(name.slice(prefix.length, -'.journal'.length));
    if (!Number.isInteger(pid) || (pid !== process.pid && alive(pid))) continue;
    out.push(join(dirname(dbPath), name));
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class SpendJournal {
  readonly path: string;
  readonly #fd: number;
  #seq: number;
  #closed = false;

  /** Opens (or makes) the journal; `lastSeq` is the last of its lines the SQLite file has taken. */
  constructor(path: string, lastSeq: number) {
    this.path = path;
    this.#fd = openSync(path, 'a');
    this.#seq = lastSeq;
  }

  /** Lines of a journal at `path` after `lastSeq`, in order (a torn last line is left out). */
  static pending(path: string, lastSeq: number): JournalEntry[] {
    if (!existsSync(path)) return [];
    const out: JournalEntry[] = [];
    for (const text of readFileSync(path, 'utf8').split('\n')) {
      if (text === '') continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue;
      }
      if (!Array.isArray(line) || typeof line[0] !== 'number' || line[0] <= lastSeq) continue;
      const [seq, at, requestId, client, upstream, model, cost, inputTokens, outputTokens, adds] = line;
      out.push({
        seq,
        record: {
          at,
          requestId,
          client,
          upstream,
          model,
          costUsd: cost ?? undefined,
          inputTokens,
          outputTokens,
        },
        adds: Array.isArray(adds) ? adds : [],
      });
    }
    return out;
  }

  get seq(): number {
    return this.#seq;
  }

  /** Appends a settled request; throws when the write fails (its sequence number is used up all the same). */
  append(record: SpendRecord, adds: readonly CounterAdd[]): JournalEntry {
    const seq = ++this.#seq;
    const entry = { seq, record, adds };
    // After close the descriptor's number may belong to another file.
    if (this.#closed) return entry;
    const line: Line = [seq, ...ledgerColumns(record), adds as CounterAdd[]];
    writeSync(this.#fd, `${JSON.stringify(line)}\n`);
    return entry;
  }

  /** Empties the journal: everything in it is in the SQLite file now. */
  clear(): void {
    if (!this.#closed) ftruncateSync(this.#fd, 0);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}
