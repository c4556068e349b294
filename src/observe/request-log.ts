// One JSON line per request (JSONL, pino's line format), built by hand: this runs on every request,
// so it skips the generic serializer. Never holds headers, keys, bodies or query strings.
import type { RequestContext } from '../pipeline/context.ts';

export type RequestLog = (ctx: RequestContext, elapsedMs: number, wallMs: number) => void;

const str = JSON.stringify;

/** Client-supplied strings are written at most this long, so a line stays small whatever was sent. */
const CLIENT_STRING_LIMIT = 512;

function clip(value: string): string {
  return str(value.length > CLIENT_STRING_LIMIT ? `${value.slice(0, CLIENT_STRING_LIMIT)}...` : value);
}

export function createRequestLog(writeLine: (line: string) => void): RequestLog {
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
    if (ctx.usage) line += `,"in":${ctx.usage.inputTokens},"out":${ctx.usage.outputTokens}`;
    if (ctx.errorCode) line += `,"code":"${ctx.errorCode}"`;
    if (ctx.clientGone) line += ',"aborted":true';
    writeLine(`${line}}\n`);
  };
}
