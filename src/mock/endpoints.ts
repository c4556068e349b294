// What each endpoint answers and what it costs against the hidden limits, before anything is written.
import {
  anthropicInputTokens,
  anthropicModel,
  anthropicModelListJson,
  assistantPrefill,
  continueAfter,
  countTokensJson,
  messageFrames,
  messageJson,
} from './anthropic-responses.ts';
import { embeddingInputTokens, embeddingJson } from './embeddings.ts';
import { composeReply, type Generation, isRecord, newId, outputBound } from './mock-content.ts';
import {
  chatCompletionFrames,
  chatCompletionJson,
  chatInputTokens,
  completionFrames,
  completionInputTokens,
  completionJson,
  modelListJson,
  modelObject,
} from './openai-responses.ts';
import type { MockPromptCache } from './prompt-cache.ts';
import type { LimitCost } from './rate-limit-state.ts';
import type { PrefillMode } from './request-validation.ts';
import { responseFrames, responseJson, responseParams, responsesInputTokens } from './responses-api.ts';
import { echoJson, restStreamFrames } from './rest-echo.ts';
import type { RouteMatch } from './routes.ts';
import type { MockDialect, ReceivedRequest } from './types.ts';

export type Rendered = { kind: 'json'; body: string } | { kind: 'sse'; frames: string[] };

export interface Planned {
  model: string;
  /** Undefined: the endpoint does not spend the hidden limits. */
  cost: LimitCost | undefined;
  render(): Rendered;
}

export interface EndpointContext {
  /** The dialect this answer speaks (Anthropic for /messages whatever the mock's dialect). */
  dialect: MockDialect;
  chunks: number;
  replyText: string;
  now: number;
  requestId: string;
  /** What a trailing assistant message gets (refusals were answered before). */
  prefill: PrefillMode;
  /** What the model list holds; undefined: the dialect's own models. */
  models: readonly string[] | undefined;
  /** The prompt cache Anthropic answers account their breakpoints against, per `key`. */
  promptCache: MockPromptCache;
  key: string;
}

const json = (body: string): Rendered => ({ kind: 'json', body });
const sse = (frames: string[]): Rendered => ({ kind: 'sse', frames });
const FREE: LimitCost = { inputTokens: 0, outputTokens: 0 };

/** Builds the generation for a validated body; `bound` fields name the dialect's output allowance. */
function generation(
  body: Record<string, unknown>,
  ctx: EndpointContext,
  idPrefix: string,
  inputTokens: number,
  boundFields: readonly string[],
): { gen: Generation; stream: boolean; cost: LimitCost } {
  const stream = body.stream === true;
  const bound = outputBound(body, boundFields);
  // JSON answers carry the base text; streams may repeat it to fill many chunks.
  const reply = composeReply(ctx.replyText, stream ? ctx.chunks : 1, bound);
  const gen: Generation = {
    id: newId(idPrefix),
    model: String(body.model),
    created: Math.floor(ctx.now / 1000),
    inputTokens,
    reply,
  };
  // Charged at admission like the real providers: the allowance when given, else what will be produced.
  return { gen, stream, cost: { inputTokens, outputTokens: bound ?? reply.outputTokens } };
}

function includeUsage(body: Record<string, unknown>): boolean {
  return isRecord(body.stream_options) && body.stream_options.include_usage === true;
}

export function planEndpoint(
  match: RouteMatch,
  body: Record<string, unknown>,
  record: ReceivedRequest,
  ctx: EndpointContext,
): Planned {
  const { dialect } = ctx;
  switch (match.route) {
    case 'chat': {
      const { gen, stream, cost } = generation(body, ctx, 'chatcmpl-', chatInputTokens(body), [
        'max_completion_tokens',
        'max_tokens',
      ]);
      const prefill = ctx.prefill === 'continue' ? assistantPrefill(body.messages) : undefined;
      if (prefill !== undefined) gen.reply = continueAfter(gen.reply, prefill);
      const usage = includeUsage(body);
      return {
        model: gen.model,
        cost,
        render: () =>
          stream
            ? sse(chatCompletionFrames(gen, dialect, usage, ctx.requestId))
            : json(chatCompletionJson(gen, dialect, ctx.requestId)),
      };
    }
    case 'completions': {
      const { gen, stream, cost } = generation(body, ctx, 'cmpl-', completionInputTokens(body), [
        'max_tokens',
      ]);
      const usage = includeUsage(body);
      return {
        model: gen.model,
        cost,
        render: () =>
          stream ? sse(completionFrames(gen, dialect, usage)) : json(completionJson(gen, dialect)),
      };
    }
    case 'embeddings': {
      const inputTokens = embeddingInputTokens(body);
      const model = String(body.model);
      return {
        model,
        cost: { inputTokens, outputTokens: 0 },
        render: () => json(embeddingJson(body, model, inputTokens)),
      };
    }
    case 'responses': {
      const { gen, stream, cost } = generation(body, ctx, 'resp_', responsesInputTokens(body), [
        'max_output_tokens',
      ]);
      const params = responseParams(body);
      return {
        model: gen.model,
        cost,
        render: () => (stream ? sse(responseFrames(gen, params)) : json(responseJson(gen, params))),
      };
    }
    case 'messages': {
      const { gen, stream, cost } = generation(body, ctx, 'msg_01', anthropicInputTokens(body), [
        'max_tokens',
      ]);
      const prefill = assistantPrefill(body.messages);
      if (prefill !== undefined) gen.reply = continueAfter(gen.reply, prefill);
      return {
        model: gen.model,
        cost,
        render: () => {
          // Only an admitted request reads or writes the cache.
          gen.cache = ctx.promptCache.account(body, ctx.key, ctx.now);
          return stream ? sse(messageFrames(gen)) : json(messageJson(gen));
        },
      };
    }
    case 'count_tokens': {
      const tokens = anthropicInputTokens(body);
      return { model: String(body.model), cost: undefined, render: () => json(countTokensJson(tokens)) };
    }
    case 'models':
      return {
        model: '',
        cost: undefined,
        render: () =>
          json(
            dialect === 'anthropic'
              ? anthropicModelListJson(ctx.models, record.path)
              : modelListJson(dialect, ctx.models),
          ),
      };
    case 'model': {
      const id = match.modelId ?? '';
      const object = dialect === 'anthropic' ? anthropicModel(id) : modelObject(dialect, id);
      return { model: id, cost: undefined, render: () => json(JSON.stringify(object)) };
    }
    case 'rest-stream':
      return {
        model: '',
        cost: FREE,
        render: () => sse(restStreamFrames(composeReply(ctx.replyText, ctx.chunks, undefined).pieces)),
      };
    case 'echo':
      return { model: '', cost: FREE, render: () => json(echoJson(record)) };
  }
}
