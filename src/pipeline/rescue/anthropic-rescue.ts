// Stream rescue for Anthropic Messages streams. The client has message_start and one open text
// block; a continuation's opening events (message_start, the text block's start) are the client's
// already and are dropped. With a prefill, its text deltas follow on and its final usage gets the
// partial answer's output added; regenerated, its text is checked against what the client has.
//
// Only a single text block can be continued; a stream that was using a tool or thinking, or that
// had closed its block, ends with the in-band error as without rescue.
import { type PrefillStyle, prefillMarks, withoutPrefillMarks } from '../../dialects/prefill.ts';
import { isRecord } from '../../dialects/wire/json-peek.ts';
import { sseFields } from '../../dialects/wire/sse.ts';
import { ContinuedStream } from './continued-stream.ts';
import { estimatedTokens, eventFrame, parseEventJson } from './latin1-json.ts';
import type { StreamRescue } from './stream-rescue.ts';

export class AnthropicRescue extends ContinuedStream implements StreamRescue {
  /** The client's own messages and output bound, before any continuation. */
  readonly #messages: readonly unknown[];
  readonly #maxTokens: unknown;
  /** The assistant text the client has received so far. */
  #text = '';
  #blockOpen = false;
  #continuable = true;
  /** Whitespace trimmed off the prefill (Anthropic refuses one ending in it), owed by the continuation. */
  #owed = '';
  /** Estimated output of everything before the current continuation. */
  #priorTokens = 0;

  constructor(json: Record<string, unknown>) {
    super();
    this.#messages = Array.isArray(json.messages) ? json.messages : [];
    this.#maxTokens = json.max_tokens;
  }

  get possible(): boolean {
    return this.#continuable && this.#blockOpen && !this.diverged;
  }

  readonly observe = (raw: string): void => {
    if (!raw.includes('content_block')) return;
    const { event, data } = sseFields(raw);
    const body = parseEventJson(data);
    if (!isRecord(body)) return;
    if (event === 'content_block_start') {
      const block = body.content_block;
      if (body.index === 0 && isRecord(block) && block.type === 'text') this.#blockOpen = true;
      else this.#continuable = false;
    } else if (event === 'content_block_delta') {
      const delta = body.delta;
      if (
        body.index === 0 &&
        isRecord(delta) &&
        delta.type === 'text_delta' &&
        typeof delta.text === 'string'
      )
        this.#text += delta.text;
      else this.#continuable = false;
    } else if (event === 'content_block_stop') {
      this.#blockOpen = false;
      this.#continuable = false;
    }
  };

  continuation(json: Record<string, unknown>, style: PrefillStyle): Record<string, unknown> {
    const prefill = this.#text.trimEnd();
    if (!this.startContinuation(style, this.#text, prefill)) {
      // The whole answer again, bounded as the client asked; checked against what it has.
      this.#owed = '';
      this.#priorTokens = 0;
      return { ...withoutPrefillMarks(json), messages: this.#messages, max_tokens: this.#maxTokens };
    }
    this.#owed = this.#text.slice(prefill.length);
    this.#priorTokens = estimatedTokens(this.#text);
    const marks = prefillMarks[style];
    const out: Record<string, unknown> = {
      ...withoutPrefillMarks(json),
      ...marks.request,
      messages: [...this.#messages, { role: 'assistant', content: prefill, ...marks.message }],
    };
    // The client's output bound covers the whole answer, the part it has included.
    if (typeof this.#maxTokens === 'number')
      out.max_tokens = Math.max(1, this.#maxTokens - this.#priorTokens);
    return out;
  }

  readonly splice = (raw: string): string => {
    // The end, before the regenerated answer covered the client's text: it differs.
    if (this.regenerated && /^event: ?message_(delta|stop)/.test(raw)) {
      this.regenerated.ended();
      if (this.diverged) return '';
    }
    if (raw.includes('message_start')) {
      if (sseFields(raw).event === 'message_start') return '';
    }
    if (raw.includes('content_block_')) {
      const { event, data } = sseFields(raw);
      const body = parseEventJson(data);
      if (!isRecord(body)) return raw;
      // Its text block is the one the client has open; anything else (a tool call after it) goes on.
      if (event === 'content_block_start' && isTextStart(body)) return '';
      if (event === 'content_block_delta' && isTextDelta(body)) return this.#continuedText(body, raw);
      if (event === 'content_block_stop' && body.index === 0) {
        this.regenerated?.ended();
        if (this.diverged) return '';
      }
      return raw;
    }
    if (raw.includes('message_delta') && this.#priorTokens > 0) return this.#addPriorUsage(raw);
    return raw;
  };

  /** A continuation's text delta: owed whitespace paid back, or held until the regeneration is checked. */
  #continuedText(body: Record<string, unknown>, raw: string): string {
    const delta = body.delta as Record<string, unknown> & { text: string };
    let text = delta.text;
    const regenerated = this.regenerated;
    if (regenerated) text = regenerated.take(text);
    else if (this.#owed !== '') text = this.#payOwed(text);
    else return raw;
    if (text === '') return '';
    return eventFrame('content_block_delta', { ...body, delta: { ...delta, text } });
  }

  /** The continuation repeats the whitespace the prefill left out; the client has it already. */
  #payOwed(text: string): string {
    let i = 0;
    while (i < this.#owed.length && i < text.length && this.#owed[i] === text[i]) i++;
    // Whatever does not repeat it ends the debt (the model went on without the space).
    this.#owed = i === text.length ? this.#owed.slice(i) : '';
    return text.slice(i);
  }

  #addPriorUsage(raw: string): string {
    const { event, data } = sseFields(raw);
    if (event !== 'message_delta') return raw;
    const body = parseEventJson(data);
    if (!isRecord(body) || !isRecord(body.usage) || typeof body.usage.output_tokens !== 'number') return raw;
    const usage = { ...body.usage, output_tokens: body.usage.output_tokens + this.#priorTokens };
    return eventFrame('message_delta', { ...body, usage });
  }
}

function isTextStart(body: Record<string, unknown>): boolean {
  return body.index === 0 && isRecord(body.content_block) && body.content_block.type === 'text';
}

function isTextDelta(body: Record<string, unknown>): boolean {
  return (
    body.index === 0 &&
    isRecord(body.delta) &&
    body.delta.type === 'text_delta' &&
    typeof body.delta.text === 'string'
  );
}
