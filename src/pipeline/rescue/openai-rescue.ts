// Stream rescue for OpenAI-style chat streams (`/v1/chat/completions`): one choice of plain text
// content. A continuation's chunks are rewritten into the client's stream: the `id`, `model` and
// `created` of the chunks the client has, no second `role`; with a prefill its content follows on
// and its usage gets the partial answer's output added; regenerated, its content is checked
// against what the client has. Tool calls in flight, a refusal, or several choices end with the
// in-band error as without rescue.
import { type PrefillStyle, prefillMarks, withoutPrefillMarks } from '../../dialects/prefill.ts';
import { isRecord } from '../../dialects/wire/json-peek.ts';
import { findData, newDataSpan } from '../../dialects/wire/sse.ts';
import { ContinuedStream } from './continued-stream.ts';
import { estimatedTokens, eventFrame, parseEventJson } from './latin1-json.ts';
import type { StreamRescue } from './stream-rescue.ts';

/** The fields that name the client's answer, taken from its first chunk. */
interface AnswerIds {
  id: unknown;
  model: unknown;
  created: unknown;
}

const BOUNDS = ['max_tokens', 'max_completion_tokens'] as const;

export class OpenAiRescue extends ContinuedStream implements StreamRescue {
  readonly #messages: readonly unknown[];
  readonly #bounds: Partial<Record<(typeof BOUNDS)[number], number>> = {};
  #ids: AnswerIds | undefined;
  #text = '';
  #continuable = true;
  #finished = false;
  #priorTokens = 0;
  readonly #span = newDataSpan();

  constructor(json: Record<string, unknown>) {
    super();
    this.#messages = Array.isArray(json.messages) ? json.messages : [];
    for (const field of BOUNDS) {
      const v = json[field];
      if (typeof v === 'number') this.#bounds[field] = v;
    }
  }

  get possible(): boolean {
    return this.#continuable && !this.#finished && this.#ids !== undefined && !this.diverged;
  }

  /** The chunk's body, or undefined for [DONE], comments and anything not a chunk. */
  #chunk(raw: string): Record<string, unknown> | undefined {
    if (!findData(raw, this.#span)) return undefined;
    const { text, start, end } = this.#span;
    if (text.charCodeAt(start) !== 123 /* { */) return undefined;
    const body = parseEventJson(text.slice(start, end));
    return isRecord(body) ? body : undefined;
  }

  readonly observe = (raw: string): void => {
    const body = this.#chunk(raw);
    if (!body || !Array.isArray(body.choices)) return;
    this.#ids ??= { id: body.id, model: body.model, created: body.created };
    const choices = body.choices as unknown[];
    if (choices.length === 0) return; // the usage chunk
    const choice = choices[0];
    if (choices.length > 1 || !isRecord(choice) || (choice.index ?? 0) !== 0) {
      this.#continuable = false;
      return;
    }
    const delta = choice.delta;
    if (isRecord(delta)) {
      if (delta.tool_calls != null || delta.function_call != null || delta.refusal != null)
        this.#continuable = false;
      if (typeof delta.content === 'string') this.#text += delta.content;
    }
    if (choice.finish_reason != null) this.#finished = true;
  };

  continuation(json: Record<string, unknown>, style: PrefillStyle): Record<string, unknown> {
    if (!this.startContinuation(style, this.#text, this.#text)) {
      // The whole answer again, bounded as the client asked; checked against what it has.
      this.#priorTokens = 0;
      return { ...withoutPrefillMarks(json), ...this.#bounds, messages: this.#messages };
    }
    this.#priorTokens = estimatedTokens(this.#text);
    const marks = prefillMarks[style];
    const out: Record<string, unknown> = {
      ...withoutPrefillMarks(json),
      ...marks.request,
      messages: [...this.#messages, { role: 'assistant', content: this.#text, ...marks.message }],
    };
    // The client's output bound covers the whole answer, the part it has included.
    for (const field of BOUNDS) {
      const bound = this.#bounds[field];
      if (bound !== undefined) out[field] = Math.max(1, bound - this.#priorTokens);
    }
    return out;
  }

  readonly splice = (raw: string): string => {
    const body = this.#chunk(raw);
    if (!body || !Array.isArray(body.choices)) {
      // The end, before the regenerated answer covered the client's text: it differs.
      if (raw.includes('[DONE]')) {
        this.regenerated?.ended();
        if (this.diverged) return '';
      }
      return raw;
    }
    const ids = this.#ids;
    const out: Record<string, unknown> = ids ? { ...body, ...ids } : { ...body };
    const choices = body.choices as unknown[];
    if (choices.length === 0) {
      if (this.#priorTokens > 0 && isRecord(body.usage)) out.usage = this.#withPrior(body.usage);
      return eventFrame(undefined, out);
    }
    const choice = choices[0];
    if (!isRecord(choice)) return eventFrame(undefined, out);
    const delta = isRecord(choice.delta) ? { ...choice.delta } : {};
    delete delta.role; // the client's first chunk had it
    const regenerated = this.regenerated;
    if (typeof delta.content === 'string' && regenerated) delta.content = regenerated.take(delta.content);
    const finishes = choice.finish_reason != null;
    if (finishes) regenerated?.ended();
    if (this.diverged) return '';
    // Nothing left to say (the role-only opening chunk, text the client already has): dropped.
    const says = Object.entries(delta).some(([k, v]) => v != null && !(k === 'content' && v === ''));
    if (!finishes && !says) return '';
    out.choices = [{ ...choice, delta }, ...choices.slice(1)];
    if (this.#priorTokens > 0 && isRecord(body.usage)) out.usage = this.#withPrior(body.usage);
    return eventFrame(undefined, out);
  };

  #withPrior(usage: Record<string, unknown>): Record<string, unknown> {
    const out = { ...usage };
    if (typeof usage.completion_tokens === 'number')
      out.completion_tokens = usage.completion_tokens + this.#priorTokens;
    if (typeof usage.total_tokens === 'number') out.total_tokens = usage.total_tokens + this.#priorTokens;
    return out;
  }
}
