// Server-sent events, cut at event boundaries as they stream past. Kept minimal on purpose: this
// runs on every chunk of every stream, and the observers look at only a few events in detail.

/** Splits text into whole SSE events (their raw text, separator included); holds a partial tail. */
export interface SseSplitter {
  push(text: string): void;
  /** Part of an event is waiting for the rest of it. */
  readonly holding: boolean;
  /** Characters of that part. */
  readonly held: number;
  /** What is left when the stream ends (a last event without its blank line). */
  flush(): string;
}

function boundary(text: string, from: number): number {
  const lf = text.indexOf('\n\n', from);
  // CR line endings are rare; look for them only when there is a CR at all.
  if (text.indexOf('\r', from) === -1) return lf === -1 ? -1 : lf + 2;
  const crlf = text.indexOf('\r\n\r\n', from);
  const cr = text.indexOf('\r\r', from);
  let best = -1;
  for (const [at, len] of [
    [lf, 2],
    [crlf, 4],
    [cr, 2],
  ] as const) {
    if (at !== -1 && (best === -1 || at + len < best)) best = at + len;
  }
  return best;
}

/**
 * The part of an event still waiting is kept as pieces, and only where a boundary can be (its last
 * three characters and the new text) is searched: an event that arrives in many chunks costs its
 * length once, not once per chunk. A class, not an object literal with getters: V8 gives each such
 * literal a hidden class of its own in the old generation, which holds the whole stream's state
 * through every minor GC until a full one.
 */
class Splitter implements SseSplitter {
  readonly #onEvent: (raw: string) => void;
  #pieces: string[] = [];
  #held = 0;
  /** The last characters held (a separator may start in them). */
  #tail = '';

  constructor(onEvent: (raw: string) => void) {
    this.#onEvent = onEvent;
  }

  get holding(): boolean {
    return this.#held > 0;
  }

  get held(): number {
    return this.#held;
  }

  push(text: string): void {
    if (this.#held === 0) {
      this.#hold(text, this.#emitFrom(text, 0));
      return;
    }
    // Does the event held end in this text (its separator perhaps begun in the tail)?
    const joined = this.#tail + text;
    const first = boundary(joined, 0);
    if (first === -1) {
      this.#pieces.push(text);
      this.#held += text.length;
      this.#tail = joined.slice(-3);
      return;
    }
    const end = first - this.#tail.length;
    this.#pieces.push(text.slice(0, end));
    const event = this.#pieces.join('');
    this.#pieces = [];
    this.#held = 0;
    this.#tail = '';
    this.#onEvent(event);
    this.#hold(text, this.#emitFrom(text, end));
  }

  flush(): string {
    const rest = this.#pieces.join('');
    this.#pieces = [];
    this.#held = 0;
    this.#tail = '';
    return rest;
  }

  #emitFrom(text: string, start: number): number {
    let from = start;
    for (let end = boundary(text, from); end !== -1; end = boundary(text, from)) {
      this.#onEvent(text.slice(from, end));
      from = end;
    }
    return from;
  }

  /** Keeps what is left of `text` after `rest` (a partial event), if anything. */
  #hold(text: string, rest: number): void {
    if (rest >= text.length) return;
    this.#pieces = [text.slice(rest)];
    this.#held = text.length - rest;
    this.#tail = text.slice(Math.max(rest, text.length - 3));
  }
}

export function createSseSplitter(onEvent: (raw: string) => void): SseSplitter {
  return new Splitter(onEvent);
}

export interface SseFields {
  event: string | undefined;
  data: string;
}

/** The `event:` name and the joined `data:` lines of one raw event. */
export function sseFields(raw: string): SseFields {
  let event: string | undefined;
  let data: string | undefined;
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    } else if (line.startsWith('event:')) {
      event = line.charCodeAt(6) === 32 ? line.slice(7) : line.slice(6);
    }
  }
  return { event, data: data ?? '' };
}

/** Where the data of one raw event is: `text[start, end)`. Reused across events (no allocation). */
export interface DataSpan {
  text: string;
  start: number;
  end: number;
  /** Something comes before the data line (an `event:` name, an `id:`). */
  named: boolean;
}

export function newDataSpan(): DataSpan {
  return { text: '', start: 0, end: 0, named: false };
}

/**
 * Finds the data of `raw` (false when it has no data line: a comment, a keep-alive). One data line
 * is pointed at in place; several are joined with LF, as the SSE spec says.
 */
export function findData(raw: string, span: DataSpan): boolean {
  const at = raw.indexOf('data:');
  if (at === -1) return false;
  let start = at + 5;
  if (raw.charCodeAt(start) === 32) start++;
  const end = lineEnd(raw, start);
  span.named = at > 0;
  if (raw.indexOf('data:', end) !== -1) {
    span.text = sseFields(raw).data;
    span.start = 0;
    span.end = span.text.length;
    return true;
  }
  span.text = raw;
  span.start = start;
  span.end = end;
  return true;
}

/** The `event:` name of a raw event that has one before its data (cheaper than sseFields). */
export function eventName(raw: string): string | undefined {
  if (!raw.startsWith('event:')) return sseFields(raw).event;
  let start = 6;
  if (raw.charCodeAt(start) === 32) start++;
  return raw.slice(start, lineEnd(raw, start));
}

/** Where the line that `start` is in ends (at its LF or CR), or the text's end. */
function lineEnd(raw: string, start: number): number {
  const lf = raw.indexOf('\n', start);
  const cr = raw.indexOf('\r', start);
  if (cr !== -1 && (lf === -1 || cr < lf)) return cr;
  return lf === -1 ? raw.length : lf;
}
