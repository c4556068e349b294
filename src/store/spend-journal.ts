// The write-ahead journal of spend: one line per settled request, appended with one write(2) before
// the request's answer ends (about 2 µs). A `kill -9` cannot take what write(2) handed the kernel,
// so the line survives it; the SQLite file takes the lines in batches later, and on the next start
// whatever the file had not taken yet is replayed from here. Each line has a sequence number that the
// file records with each batch, so a line is never counted twice.
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { SpendRecord } from './state-store.ts';

/** A settled period counter: `[key, amount, endsAt]`. */
export type CounterAdd = readonly [key: string, used: number, endsAt: number];

export interface JournalEntry {
  readonly seq: number;
  readonly record: SpendRecord;
  readonly adds: readonly CounterAdd[];
}

type Line = [number, number, string, string, string, string, number | null, number, number, CounterAdd[]];

export class SpendJournal {
  readonly #fd: number;
  #seq: number;

  /** Opens (or makes) the journal; `lastSeq` is the last line the SQLite file has taken. */
  constructor(path: string, lastSeq: number) {
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

  /** Appends a settled request; throws when the write fails (the entry is still returned to commit). */
  append(record: SpendRecord, adds: readonly CounterAdd[]): JournalEntry {
    const seq = ++this.#seq;
    const entry = { seq, record, adds };
    const r = record;
    const line: Line = [
      seq,
      r.at,
      r.requestId,
      r.client,
      r.upstream,
      r.model,
      r.costUsd ?? null,
      r.inputTokens,
      r.outputTokens,
      adds as CounterAdd[],
    ];
    writeSync(this.#fd, `${JSON.stringify(line)}\n`);
    return entry;
  }

  /** Empties the journal: everything in it is in the SQLite file now. */
  clear(): void {
    ftruncateSync(this.#fd, 0);
  }

  close(): void {
    closeSync(this.#fd);
  }
}
