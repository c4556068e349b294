// Stream rescue (`stream_rescue: true` on a route): an Anthropic Messages stream cut after bytes went
// out is continued on another key or the fallback. What the client already has goes back as an
// assistant prefill, and the continuation is spliced into the same client stream: its opening
// events (message_start, the text block's start) are the client's already and are dropped, and its
// final usage gets the partial answer's output added, so the client sees one coherent message.
//
// Only a single text block can be continued; a stream that was using a tool or thinking, or that
// had closed its block, ends with the in-band error as without rescue.
import { isRecord, tryParseJson } from '../../dialects/wire/json-peek.ts';
import { sseFields } from '../../dialects/wire/sse.ts';

/** Providers count roughly four characters to a token; the partial part's usage was never reported. */
const CHARS_PER_TOKEN = 4;

// Events travel as latin1 text (one char per byte, see stream-tap.ts): JSON is decoded from and
// encoded back to UTF-8 bytes at this edge, so text in any script survives.
function parse(latin1Data: string): unknown {
  return tryParseJson(Buffer.from(latin1Data, 'latin1').toString('utf8'));
}

function frame(event: string, body: unknown): string {
  return Buffer.from(`event: ${event}\ndata: ${JSON.stringify(body)}\n\n`, 'utf8').toString('latin1');
}

export class StreamRescue {
  /** The client's own messages, before any prefill. */
  readonly #messages: readonly unknown[];
  /** The assistant text the client has received so far. */
  #text = '';
  #blockOpen = false;
  #continuable = true;
  #splicing = false;
  /** Whitespace trimmed off the prefill (Anthropic refuses one ending in it), owed by the continuation. */
  #owed = '';
  /** Estimated output of everything before the current continuation. */
  #priorTokens = 0;

  constructor(messages: readonly unknown[]) {
    this.#messages = messages;
  }

  /** Splicing a continuation in: its events go through `splice` on their way to the client. */
  get splicing(): boolean {
    return this.#splicing;
  }

  /** The break came in the middle of the one text block: it can be continued. */
  get possible(): boolean {
    return this.#continuable && this.#blockOpen && this.#text.trim() !== '';
  }

  /** Sees each event that reaches the client, to know the text it has. */
  readonly observe = (raw: string): void => {
    if (!raw.includes('content_block')) return;
    const { event, data } = sseFields(raw);
    const body = parse(data);
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

  /** The request body that continues the answer: the client's messages, then the text so far. */
  continuation(json: Record<string, unknown>): Record<string, unknown> {
    const prefill = this.#text.trimEnd();
    this.#owed = this.#text.slice(prefill.length);
    this.#priorTokens = Math.ceil(this.#text.length / CHARS_PER_TOKEN);
    this.#splicing = true;
    const out: Record<string, unknown> = {
      ...json,
      messages: [...this.#messages, { role: 'assistant', content: prefill }],
    };
    // The client's output bound covers the whole answer, the part it has included.
    if (typeof json.max_tokens === 'number')
      out.max_tokens = Math.max(1, json.max_tokens - this.#priorTokens);
    return out;
  }

  /** A continuation's event as the client should get it ('' to drop it). */
  readonly splice = (raw: string): string => {
    if (raw.includes('message_start')) {
      if (sseFields(raw).event === 'message_start') return '';
    }
    if (raw.includes('content_block_start')) {
      const { event, data } = sseFields(raw);
      // Its text block is the one the client has open; anything else (a tool call after it) goes on.
      if (event === 'content_block_start') {
        const body = parse(data);
        if (
          isRecord(body) &&
          body.index === 0 &&
          isRecord(body.content_block) &&
          body.content_block.type === 'text'
        )
          return '';
      }
    }
    if (this.#owed !== '' && raw.includes('content_block_delta')) return this.#payOwed(raw);
    if (raw.includes('message_delta')) return this.#addPriorUsage(raw);
    return raw;
  };

  /** The continuation repeats the whitespace the prefill left out; the client has it already. */
  #payOwed(raw: string): string {
    const body = parse(sseFields(raw).data);
    if (!isRecord(body) || !isRecord(body.delta) || typeof body.delta.text !== 'string') return raw;
    let text = body.delta.text;
    let i = 0;
    while (i < this.#owed.length && i < text.length && this.#owed[i] === text[i]) i++;
    // Whatever does not repeat it ends the debt (the model went on without the space).
    this.#owed = i === text.length ? this.#owed.slice(i) : '';
    text = text.slice(i);
    if (text === '') return '';
    return frame('content_block_delta', { ...body, delta: { ...body.delta, text } });
  }

  #addPriorUsage(raw: string): string {
    const { event, data } = sseFields(raw);
    if (event !== 'message_delta') return raw;
    const body = parse(data);
    if (!isRecord(body) || !isRecord(body.usage) || typeof body.usage.output_tokens !== 'number') return raw;
    const usage = { ...body.usage, output_tokens: body.usage.output_tokens + this.#priorTokens };
    return frame('message_delta', { ...body, usage });
  }
}
