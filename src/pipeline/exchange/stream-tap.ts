// Watches an API stream on its way to the client, one SSE event at a time: the observer reads usage
// and how the stream ends, and checks each event's data; a malformed event (a complete event whose
// JSON is broken) is dropped, counted, and the stream goes on. Only whole events go out, so a part
// of an event held when the transport ends was cut off: it never reaches the client. With a
// transform, events are rewritten on the way (the usage chunk the client did not ask for taken out,
// a continuation spliced in).
//
// The text is the chunk's bytes read as latin1: one char per byte, so it is cheap to make, every
// marker the observers look for is ASCII, and kept text turns back into exactly the bytes that came.
import type { StreamObserver } from '../../dialects/types.ts';
import { hasObjectField } from '../../dialects/wire/json-peek.ts';
import { createSseSplitter, type SseSplitter } from '../../dialects/wire/sse.ts';

const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;

export interface StreamTap {
  /** The text to send on for this chunk: its whole events (a partial one waits for its rest). */
  push(text: string): string;
  /** The last push sent its text on unchanged: the caller may send the chunk's own bytes. */
  readonly passedWhole: boolean;
  /** Complete events dropped so far because their data was malformed. */
  readonly malformed: number;
  /** A well-formed event with data has come (comments and keep-alives do not count). */
  readonly sawData: boolean;
  /** One event has grown past MAX_EVENT_CHARS without ending: the stream is broken. */
  readonly oversized: boolean;
  /** At the end: the last event when it came whole but without its blank line (closed here), else ''. */
  end(): string;
  /** end() threw away part of an event: the transport cut it off. */
  readonly cut: boolean;
}

/** The longest one event may be (a few MB: a streamed image's partial is the largest there is). */
export const MAX_EVENT_CHARS = 4 * 1024 * 1024;

/** `data: {"choices": [], "usage": {...}}`: the chunk `stream_options.include_usage` adds. */
export function isUsageOnlyEvent(raw: string): boolean {
  return raw.includes('"usage"') && EMPTY_CHOICES.test(raw) && hasObjectField(raw, 'usage');
}

/** What an event becomes on its way to the client: itself, another text, or '' (dropped). */
export type EventTransform = (raw: string) => string;

/** Takes out the usage-only chunk the gateway asked for and the client did not. */
export const stripUsageEvents: EventTransform = (raw) => (isUsageOnlyEvent(raw) ? '' : raw);

/** Applies `first`, then `second` to what is left. */
export function both(first: EventTransform, second: EventTransform): EventTransform {
  return (raw) => {
    const out = first(raw);
    return out === '' ? '' : second(out);
  };
}

/** An event closed with one blank line, whatever line ends it came with. */
function closed(rest: string): string {
  let end = rest.length;
  while (end > 0 && (rest.charCodeAt(end - 1) === 10 || rest.charCodeAt(end - 1) === 13)) end--;
  return `${rest.slice(0, end)}\n\n`;
}

/**
 * A class, not an object literal with getters: V8 gives each such literal a hidden class of its
 * own in the old generation, which holds the stream's state through every minor GC until a full one.
 */
class Tap implements StreamTap {
  readonly #observer: StreamObserver;
  readonly #transform: EventTransform | undefined;
  readonly #watch: ((raw: string) => void) | undefined;
  readonly #splitter: SseSplitter;
  #kept = '';
  #changed = false;
  #whole = false;
  #malformed = 0;
  #cut = false;
  #sawData = false;

  constructor(observer: StreamObserver, transform?: EventTransform, watch?: (raw: string) => void) {
    this.#observer = observer;
    this.#transform = transform;
    this.#watch = watch;
    this.#splitter = createSseSplitter((raw) => {
      if (this.#take(raw)) return;
      this.#malformed++;
      this.#changed = true;
    });
  }

  get passedWhole(): boolean {
    return this.#whole;
  }

  get malformed(): number {
    return this.#malformed;
  }

  get sawData(): boolean {
    return this.#sawData;
  }

  get oversized(): boolean {
    return this.#splitter.held > MAX_EVENT_CHARS;
  }

  get cut(): boolean {
    return this.#cut;
  }

  push(text: string): string {
    const heldBefore = this.#splitter.holding;
    this.#kept = '';
    this.#changed = false;
    this.#splitter.push(text);
    // Usually one chunk is whole events: then the chunk's own bytes can go on as they are.
    this.#whole = !this.#changed && !heldBefore && !this.#splitter.holding;
    return this.#kept;
  }

  end(): string {
    const rest = this.#splitter.flush();
    this.#kept = '';
    if (rest.trim() === '') return '';
    // A last event whose data is whole lacks only its blank line; anything else was cut off.
    if (!rest.includes('data:') || !this.#take(closed(rest))) this.#cut = true;
    return this.#kept;
  }

  #take(raw: string): boolean {
    if (!this.#observer.event(raw)) return false;
    if (!this.#sawData) this.#sawData = raw.includes('data:');
    const out = this.#transform ? this.#transform(raw) : raw;
    if (out !== raw) this.#changed = true;
    if (out === '') return true;
    this.#kept += out;
    this.#watch?.(out);
    return true;
  }
}

/** `watch`: sees each event as the client gets it. */
export function createStreamTap(
  observer: StreamObserver,
  transform?: EventTransform,
  watch?: (raw: string) => void,
): StreamTap {
  return new Tap(observer, transform, watch);
}
