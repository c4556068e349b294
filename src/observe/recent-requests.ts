// The last requests, for the dashboard's table: a fixed ring of small records. No headers, bodies,
// query strings or keys (a key appears only in its masked form).
import type { RequestContext } from '../pipeline/context.ts';
import { clipped } from './request-labels.ts';

export const RECENT_REQUESTS = 100;
/** Client-supplied strings (path, model) are kept at most this long. */
const TEXT_LIMIT = 200;

export interface RecentRequest {
  id: string;
  /** Wall-clock ms when it ended. */
  at: number;
  method: string;
  path: string;
  status: number;
  ms: number;
  queue_ms: number;
  retries: number;
  upstream?: string;
  model?: string;
  key?: string;
  in?: number;
  out?: number;
  cache?: string;
  code?: string;
  aborted?: boolean;
}

function clip(text: string): string {
  return clipped(text, TEXT_LIMIT);
}

export class RecentRequests {
  readonly #ring: (RecentRequest | undefined)[] = new Array(RECENT_REQUESTS);
  #next = 0;

  record(ctx: RequestContext, elapsedMs: number, wallMs: number): void {
    const entry: RecentRequest = {
      id: ctx.id,
      at: wallMs,
      method: ctx.req.method ?? 'GET',
      path: clip(ctx.kind === 'rest' ? `${ctx.host}${ctx.path}` : ctx.path),
      status: ctx.status,
      ms: Math.round(elapsedMs * 10) / 10,
      queue_ms: Math.round(ctx.queueMs),
      retries: ctx.attempts,
    };
    if (ctx.target) entry.upstream = ctx.target.upstream.name;
    if (ctx.model !== undefined) entry.model = clip(ctx.model);
    if (ctx.lease) entry.key = ctx.lease.key.label;
    if (ctx.usage) {
      entry.in = ctx.usage.inputTokens;
      entry.out = ctx.usage.outputTokens;
    }
    if (ctx.cacheResult) entry.cache = ctx.cacheResult;
    if (ctx.errorCode) entry.code = ctx.errorCode;
    if (ctx.clientGone) entry.aborted = true;
    this.#ring[this.#next] = entry;
    this.#next = (this.#next + 1) % RECENT_REQUESTS;
  }

  /** Newest first. */
  list(): RecentRequest[] {
    const out: RecentRequest[] = [];
    for (let n = 1; n <= RECENT_REQUESTS; n++) {
      const entry = this.#ring[(this.#next - n + RECENT_REQUESTS) % RECENT_REQUESTS];
      if (entry) out.push(entry);
    }
    return out;
  }
}
