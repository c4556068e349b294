// One JSON line per request (JSONL, pino's line format), built by hand: this runs on every request,
// so it skips the generic serializer. Never holds headers, keys, bodies or query strings.
import type { RequestContext } from '../pipeline/context.ts';
import { formatUsd } from '../spend/request-cost.ts';
import { clipped } from './request-labels.ts';

/** Called once per request when it is over: `elapsedMs` since it arrived, `wallMs` now. */
export type RequestEnded = (ctx: RequestContext, elapsedMs: number, wallMs: number) => void;

const str = JSON.stringify;

/** Client-supplied strings are written at most this long, so a line stays small whatever was sent. */
const CLIENT_STRING_LIMIT = 512;

function clip(value: string): string {
  return str(clipped(value, CLIENT_STRING_LIMIT));
}

export function createRequestLog(writeLine: (line: string) => void): RequestEnded {
  return (ctx, elapsedMs, wallMs) => {
    let line = `{"level":30,"time":${wallMs},"msg":"request","id":${str(ctx.id)},"method":${str(ctx.req.method)},"path":${clip(ctx.path)}`;
    if (ctx.kind === 'rest') line += `,"host":${clip(ctx.host)}`;
    line += `,"status":${ctx.status}`;
    if (ctx.target) line += `,"upstream":${str(ctx.target.upstream.name)}`;
    if (ctx.model !== undefined) {
      line += `,"model":${clip(ctx.model)}`;
      // What the upstream was asked for (another model after a rename or a fallback).
      const sent = ctx.json?.model;
      if (typeof sent === 'string') line += `,"model_sent":${clip(sent)}`;
    }
    line += `,"ms":${Math.round(elapsedMs * 10) / 10}`;
    if (ctx.queueMs > 0) line += `,"queue_ms":${Math.round(ctx.queueMs)}`;
    if (ctx.attempts > 0) line += `,"retries":${ctx.attempts}`;
    // The masked form only (`sk-abc...wxyz`), never the key.
    if (ctx.lease) line += `,"key":${str(ctx.lease.key.label)}`;
    if (ctx.usage) line += `,"in":${ctx.usage.inputTokens},"out":${ctx.usage.outputTokens}`;
    // Unknown when no price is known for the model: null, never a silent zero.
    if (ctx.costUsd !== undefined) line += `,"cost_usd":${formatUsd(ctx.costUsd)}`;
    else if (ctx.costUnknown) line += ',"cost_usd":null';
    if (ctx.cacheResult) line += `,"cache":"${ctx.cacheResult}"`;
    if (ctx.savedUsd !== undefined) line += `,"saved_usd":${formatUsd(ctx.savedUsd)}`;
    if (ctx.tokensSaved !== undefined) line += `,"tokens_saved":${ctx.tokensSaved}`;
    if (ctx.errorCode) line += `,"code":"${ctx.errorCode}"`;
    if (ctx.clientGone) line += ',"aborted":true';
    writeLine(`${line}}\n`);
  };
}
