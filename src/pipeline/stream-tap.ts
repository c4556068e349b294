// Watches an API stream on its way to the client, one SSE event at a time: the observer reads usage
// and the end marker; with `strip`, the usage-only chunk the gateway asked an OpenAI-style upstream
// for (the client did not) is taken out. Only a partial event is ever held, until its end arrives.
//
// The text is the chunk's bytes read as latin1: one char per byte, so it is cheap to make, every
// marker the observers look for is ASCII, and kept text turns back into exactly the bytes that came.
import type { StreamObserver } from '../dialects/types.ts';
import { hasObjectField } from '../dialects/wire/json-peek.ts';
import { createSseSplitter } from '../dialects/wire/sse.ts';

const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;

export interface StreamTap {
  /** The text to send on for this chunk (whole events only; used when stripping). */
  push(text: string): string;
  /** The last push sent its text on unchanged: nothing held back, nothing dropped. */
  readonly passedWhole: boolean;
  /** Whatever is left when the stream ends. */
  end(): string;
}

/** `data: {"choices": [], "usage": {...}}`: the chunk `stream_options.include_usage` adds. */
export function isUsageOnlyEvent(raw: string): boolean {
  return raw.includes('"usage"') && EMPTY_CHOICES.test(raw) && hasObjectField(raw, 'usage');
}

export function createStreamTap(observer: StreamObserver, strip: boolean): StreamTap {
  let kept = '';
  let dropped = false;
  let whole = false;
  const splitter = createSseSplitter((raw) => {
    observer.event(raw);
    if (!strip) return;
    if (isUsageOnlyEvent(raw)) dropped = true;
    else kept += raw;
  });
  return {
    get passedWhole() {
      return whole;
    },
    push(text) {
      const heldBefore = splitter.holding;
      kept = '';
      dropped = false;
      splitter.push(text);
      // Usually one chunk is one event: then the chunk's own bytes can go on as they are.
      whole = !dropped && !heldBefore && !splitter.holding;
      return kept;
    },
    end() {
      const rest = splitter.flush();
      if (rest === '') return '';
      observer.event(rest);
      return strip && !isUsageOnlyEvent(rest) ? rest : '';
    },
  };
}
