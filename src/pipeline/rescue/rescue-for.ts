// Which stream rescue a request gets (if any), the prefill style of its current target, and
// whether an upstream's 400 refuses the prefill a continuation carried.
import type { PrefillStyle } from '../../dialects/prefill.ts';
import type { RequestContext } from '../context.ts';
import { type Refusal, refusalText } from '../exchange/outcome.ts';
import { AnthropicRescue } from './anthropic-rescue.ts';
import { OpenAiRescue } from './openai-rescue.ts';
import type { StreamRescue } from './stream-rescue.ts';

/** The rescue for this request, when its route has `stream_rescue` and its stream can be continued. */
export function createStreamRescue(ctx: RequestContext): StreamRescue | undefined {
  const json = ctx.json;
  if (!ctx.stream || !ctx.modelRoute?.stream_rescue || !json) return undefined;
  if (ctx.path === '/v1/messages') return new AnthropicRescue(json);
  // Several choices cannot be continued one by one.
  if (ctx.path === '/v1/chat/completions' && (json.n === undefined || json.n === 1))
    return new OpenAiRescue(json);
  return undefined;
}

/** The prefill style of the current target: its fallback entry's, else its upstream's. */
export function prefillStyleOf(ctx: RequestContext): PrefillStyle {
  const entry = ctx.nextFallback > 0 ? ctx.fallbacks[ctx.nextFallback - 1] : undefined;
  return entry?.prefill ?? ctx.target!.upstream.config.prefill;
}

/** A 400 about the trailing assistant message (a model or server that takes no prefill). */
const PREFILL_REFUSED =
  /prefill|prefix|continue_final_message|final assistant|assistant message|last message|last role|must end with/i;

export function refusesPrefill(rescue: StreamRescue, refusal: Refusal): boolean {
  if (!rescue.prefilled || refusal.status !== 400) return false;
  return PREFILL_REFUSED.test(refusalText(refusal));
}
