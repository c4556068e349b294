// What the gateway knows about one upstream API, as data plus small pure functions.

import type { PrefillStyle } from './prefill.ts';

export type DialectName = 'openai' | 'anthropic' | 'cerebras' | 'groq' | 'nvidia' | 'generic';

/** The wire shape a dialect speaks: request/response bodies, stream events and error bodies. */
export type WireFamily = 'openai' | 'anthropic' | 'generic';

/** Response headers as undici and node:http give them: lower-case names. */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export type LimitDimension = 'requests' | 'tokens' | 'input_tokens' | 'output_tokens';
/** 'unspecified': the upstream reports remaining and reset but not the window's length (generic REST). */
export type LimitWindow = 'second' | 'minute' | 'hour' | 'day' | 'unspecified';

/** How an upstream writes the time until a window resets. */
export type ResetFormat =
  | 'duration' // Go style, relative: `1s`, `6m0s`, `12ms`, `2m59.56s` (OpenAI, Groq)
  | 'seconds' // relative seconds, maybe fractional: `11.38` (Cerebras)
  | 'timestamp' // absolute RFC 3339: `2026-08-21T12:40:59Z` (Anthropic)
  | 'epoch-or-seconds'; // epoch seconds when large, relative seconds otherwise (generic REST APIs)

/** Where one rate-limit window lives in the headers. */
export interface RateLimitHeaderSpec {
  readonly dimension: LimitDimension;
  readonly window: LimitWindow;
  readonly limit: string;
  readonly remaining: string;
  readonly reset: string;
  readonly resetFormat: ResetFormat;
}

/** One window as the upstream reported it, normalized. Absent fields were absent or untrustworthy. */
export interface RateLimitWindowState {
  dimension: LimitDimension;
  window: LimitWindow;
  limit?: number;
  remaining?: number;
  /** Wall-clock epoch ms at which the window is full again. */
  resetAt?: number;
}

export interface RateLimitReading {
  windows: RateLimitWindowState[];
  /** From `retry-after-ms` or `retry-after` (seconds or HTTP-date), relative to now. */
  retryAfterMs?: number;
  /** Header values that were present but ignored (malformed, negative, absurd), for a debug log. */
  rejected: string[];
}

/** Token usage of one answer, as the upstream reported it. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (a subset of, or beside, inputTokens). */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache (Anthropic), a subset of inputTokens. */
  cacheWriteTokens?: number;
}

/** What the request asked of its stream, for telling a whole answer from a cut one. */
export interface StreamExpectation {
  /** Choices the answer has (`n`). */
  choices: number;
  /** The client asked for the usage chunk (`stream_options.include_usage`). */
  usage: boolean;
}

/** Reads an SSE stream's text as it passes, for usage and for how the stream ended. */
export interface StreamObserver {
  /** Text of the next chunk, exactly as it went to the client (split into events here). */
  push(text: string): void;
  /**
   * One whole raw event, for a caller that splits the stream itself. False: the event is malformed
   * (its data is not the JSON the format carries) and must not be passed on.
   */
  event(raw: string): boolean;
  /** The usage seen so far (cumulative where the dialect reports it cumulatively). */
  usage(): Usage | undefined;
  /** True once the dialect's end-of-stream marker passed (`[DONE]`, `message_stop`). */
  finished(): boolean;
  /**
   * The answer is whole even if the marker never came: every choice has its finish_reason (and the
   * usage chunk asked for came), or Anthropic's message_delta carried its stop_reason.
   */
  complete(): boolean;
  /** An error event the upstream sent in-band, if any. */
  upstreamError(): string | undefined;
}

export interface Dialect {
  readonly name: DialectName;
  readonly family: WireFamily;
  /** How the upstream's key is sent. `prefix` goes before the key (`Bearer `). */
  readonly auth: { readonly header: string; readonly prefix: string };
  /** Rate-limit header windows this upstream sends; empty when it sends none (NVIDIA). */
  readonly rateLimitHeaders: readonly RateLimitHeaderSpec[];
  /** Whether the upstream accepts `stream_options.include_usage` (OpenAI-style streams). */
  readonly streamUsageOption: boolean;
  /**
   * A request of the gateway's own that tells a bad key from a client's bad request (a 401 can be
   * either): its path under the API base, and headers besides the key. Absent: it cannot tell.
   */
  readonly keyCheck?: { readonly path: string; readonly headers: Readonly<Record<string, string>> };
  /** Whether it continues a trailing assistant message, unless the upstream's config says otherwise. */
  readonly prefill: PrefillStyle;
  /**
   * Whether a 429 can never succeed by waiting (out of quota, a spend cap, a request larger than
   * the limit): then it goes to the client as it is instead of being retried.
   */
  finalRefusal(headers: HeaderBag, body: string): boolean;
}
