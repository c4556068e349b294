// Stream rescue (`stream_rescue: true` on a route): a stream cut after bytes went out is continued
// on another key or the fallback, and the continuation is spliced into the client's stream, so its
// SDK sees one answer. Two ways to continue:
//
//   prefill     the text the client has goes back as a trailing assistant message (the target's
//               `prefill` style says how), and the continuation's text follows on;
//   regenerate  the whole answer is asked for again; it goes on into the client's stream only if it
//               starts with exactly the text the client has (deterministic outputs), else the
//               stream ends with the in-band error. For targets that cannot prefill, or refuse to.
//
// What differs per API (which events carry text, how a continuation's events are rewritten) is in
// anthropic-rescue.ts and openai-rescue.ts; rescue-for.ts picks one for a request.
import type { PrefillStyle } from '../../dialects/prefill.ts';
import type { EventTransform } from '../exchange/stream-tap.ts';

export interface StreamRescue {
  /** Sees each event as the client got it, to know the text it has. */
  readonly observe: (raw: string) => void;
  /** The stream broke where it can be continued (one choice or block of plain text, not finished). */
  readonly possible: boolean;
  /** A continuation is under way: its events go through `splice` on their way to the client. */
  readonly splicing: boolean;
  /** A continuation's event as the client should get it ('' to drop it). */
  readonly splice: EventTransform;
  /** The regenerated answer did not start with the client's text: the stream cannot go on. */
  readonly diverged: boolean;
  /** The regenerated answer has not been shown to start with the client's text (so far). */
  readonly unverified: boolean;
  /** The last continuation carried a prefill (so a 400 refusing it can be told apart). */
  readonly prefilled: boolean;
  /** The request that continues the answer on a target of `style`, from the request as last sent. */
  continuation(json: Record<string, unknown>, style: PrefillStyle): Record<string, unknown>;
  /** The target refused the prefill: the next continuation asks for the whole answer instead. */
  refusePrefill(): void;
}
