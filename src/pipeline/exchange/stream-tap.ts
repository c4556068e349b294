// Watches an API stream on its way to the client, one SSE event at a time: the observer reads usage
// and the end marker; with `strip`, the usage-only chunk the gateway asked an OpenAI-style upstream
// for (the client did not) is taken out. Only a partial event is ever held, until its end arrives.
//
// The text is the chunk's bytes read as latin1: one char per byte, so it is cheap to make, every
// marker the observers look for is ASCII, and kept text turns back into exactly the bytes that came.
import type { StreamObserver } from '../../dialects/types.ts';
import { hasObjectField } from '../../dialects/wire/json-peek.ts';
import { createSseSplitter } from '../../dialects/wire/sse.ts';

const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;

export interface StreamTap {
  /** The text to send on for this chunk (whole events only; used when stripping). */
  push(text: string): string;
  /** The last push sent its text on unchanged: nothing held back, nothing dropped. */
  readonly passedWhole: boolean;
  /**
   * The upstream sent a garbled event: from then on nothing more is passed. `brokenAt` is how many
   * characters of the last push came before it (-1: it began in an earlier push, already sent).
   */
  readonly broken: boolean;
  readonly brokenAt: number;
  /** Whatever is left when the stream ends. */
  end(): string;
}

/**
 * A JSON event cut short or garbled at its end (`data: {...` that never closes). Looks only at the
 * two ends of the event, so it costs next to nothing per event.
 */
export function isMalformedEvent(raw: string): boolean {
  const at = raw.indexOf('data:');
  if (at === -1) return false;
  let i = at + 5;
  while (raw.charCodeAt(i) === 32) i++;
  if (raw.charCodeAt(i) !== 123) return false; // not `{`: [DONE], plain text
  // The JSON ends on the last `data:` line (an `id:` or comment line may follow it).
  const last = raw.lastIndexOf('data:');
  let j = last + 5;
  while (j < raw.length && raw.charCodeAt(j) !== 10 && raw.charCodeAt(j) !== 13) j++;
  for (j--; raw.charCodeAt(j) === 32; j--);
  return raw.charCodeAt(j) !== 125; // `}`
}

/** `data: {"choices": [], "usage": {...}}`: the chunk `stream_options.include_usage` adds. */
export function isUsageOnlyEvent(raw: string): boolean {
  return raw.includes('"usage"') && EMPTY_CHOICES.test(raw) && hasObjectField(raw, 'usage');
}

/** What an event becomes on its way to the client: itself, another text, or '' (dropped). */
export type EventTransform = (raw: string) => string;

/** Changes nothing, but makes the caller send whole events only (never half of one). */
export const wholeEvents: EventTransform = (raw) => raw;

/** Takes out the usage-only chunk the gateway asked for and the client did not. */
export const stripUsageEvents: EventTransform = (raw) => (isUsageOnlyEvent(raw) ? '' : raw);

/**
 * `transform`: events are rewritten (the caller then sends `push`'s text instead of the chunk);
 * `watch`: sees each event as the client gets it.
 */
export function createStreamTap(
  observer: StreamObserver,
  transform?: EventTransform,
  watch?: (raw: string) => void,
): StreamTap {
  let kept = '';
  let dropped = false;
  let whole = false;
  let broken = false;
  let brokenAt = 0;
  /** Characters of the current push before the event being looked at (negative: held from before). */
  let offset = 0;
  const splitter = createSseSplitter((raw) => {
    if (broken) return;
    if (isMalformedEvent(raw)) {
      broken = true;
      brokenAt = offset < 0 ? -1 : offset;
      return;
    }
    offset += raw.length;
    observer.event(raw);
    if (!transform) {
      watch?.(raw);
      return;
    }
    const out = transform(raw);
    if (out !== raw) dropped = true;
    if (out === '') return;
    kept += out;
    watch?.(out);
  });
  return {
    get passedWhole() {
      return whole;
    },
    get broken() {
      return broken;
    },
    get brokenAt() {
      return brokenAt;
    },
    push(text) {
      const heldBefore = splitter.holding;
      kept = '';
      dropped = false;
      offset = -splitter.held;
      splitter.push(text);
      // Usually one chunk is one event: then the chunk's own bytes can go on as they are.
      whole = !dropped && !broken && !heldBefore && !splitter.holding;
      return kept;
    },
    end() {
      const rest = splitter.flush();
      if (rest === '' || broken) return '';
      if (isMalformedEvent(rest)) {
        broken = true;
        brokenAt = -1;
        return '';
      }
      observer.event(rest);
      const out = transform ? transform(rest) : rest;
      if (out !== '') watch?.(out);
      return transform ? out : '';
    },
  };
}
