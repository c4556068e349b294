// The upstreams' model lists, for the list the gateway answers itself. Each upstream's own
// `GET /v1/models` is asked with the gateway's key for it (taken in turn, outside the key pool:
// no reservation, no queue, like the key check) or, on a passthrough upstream, with the client's
// own credential. All are asked at once, each bounded in time and size, and kept briefly:
//
//   lists(upstreams, client) -> for each: kept and fresh? -> its list (or its failure)
//                                         else          -> one request, shared by callers meanwhile
//
// A list asked with a client's credential is that client's: it is kept under a hash of that
// credential and never given to another client.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type ListedModel, type ModelListShape, readModelList } from '../dialects/wire/map-model-list.ts';
import type { Logger } from '../log/logger.ts';
import { joinUpstreamPath } from '../routing/url-join.ts';
import type { Clock } from '../time/clock.ts';
import { clientCredentials, ownCallHeaders } from './headers.ts';
import type { Upstream } from './upstream.ts';

export interface UpstreamModels {
  readonly upstream: string;
  readonly models: readonly ListedModel[];
}

export interface CatalogLists {
  /** The lists of the upstreams that answered, in the order asked. */
  readonly lists: UpstreamModels[];
  /** How many were asked and did not answer with a list. */
  readonly failed: number;
}

export interface ModelCatalogOptions {
  clock: Clock;
  logger: Logger;
  /** How long a list is kept, default 60 s. */
  ttlMs?: number;
  /** How long a failure is kept before the upstream is asked again, default 15 s. */
  failedTtlMs?: number;
  /** Longest one upstream may take to send its whole list, default 5 s. */
  timeoutMs?: number;
  /** Largest list body read, default 4 MiB (OpenRouter-sized lists fit). */
  maxBytes?: number;
  /** Lists kept at once (one per upstream, one per client credential on passthrough), default 256. */
  maxEntries?: number;
}

/** Why an upstream's list is missing, for the log. */
interface Failure {
  readonly reason: string;
}

interface Entry {
  until: number;
  readonly result: Promise<ListedModel[] | Failure>;
}

/** Anthropic pages by 20 unless asked; 1000 is its most, more than it has models. */
const ANTHROPIC_QUERY = '?limit=1000';

async function readBounded(body: Readable, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class ModelCatalog {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #ttlMs: number;
  readonly #failedTtlMs: number;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  /** Upstreams whose last answer was a failure: warned about once, until one answers again. */
  readonly #failing = new Set<string>();

  constructor(options: ModelCatalogOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#failedTtlMs = options.failedTtlMs ?? 15_000;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.#maxEntries = options.maxEntries ?? 256;
  }

  /**
   * The lists of `upstreams` for a client speaking `api` with these request headers (raw, as
   * node gives them).
   */
  async lists(
    upstreams: readonly Upstream[],
    rawHeaders: readonly string[],
    api: ModelListShape,
  ): Promise<CatalogLists> {
    const client = clientCredentials(rawHeaders);
    const asked: Array<Promise<UpstreamModels | undefined>> = [];
    for (const upstream of upstreams) {
      const headers = this.#credentialFor(upstream, client, api);
      if (!headers) continue;
      asked.push(
        this.#listOf(upstream, headers).then((r) =>
          Array.isArray(r) ? { upstream: upstream.name, models: r } : undefined,
        ),
      );
    }
    const answers = await Promise.all(asked);
    const lists = answers.filter((a) => a !== undefined);
    return { lists, failed: answers.length - lists.length };
  }

  /** When an upstream whose list failed is asked again. */
  get retryAfterSeconds(): number {
    return Math.ceil(this.#failedTtlMs / 1000);
  }

  /** How many lists (and failures) are kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The headers to ask with; undefined: not asked. A client's credential goes only to passthrough
   * upstreams speaking the client's API: an OpenAI SDK's key is never sent to an Anthropic
   * upstream (nor an Anthropic key to an OpenAI-style one) just to list models.
   */
  #credentialFor(upstream: Upstream, client: readonly string[], api: ModelListShape): string[] | undefined {
    if (!upstream.config.passthrough) {
      const key = upstream.keys.next();
      return key ? ownCallHeaders(upstream.dialect, key) : undefined;
    }
    if (upstream.dialect.family !== api) return undefined;
    const required = Object.entries(upstream.dialect.keyCheck?.headers ?? {}).flat();
    return [...client, ...required];
  }

  #listOf(upstream: Upstream, headers: readonly string[]): Promise<ListedModel[] | Failure> {
    const key = upstream.config.passthrough
      ? `${upstream.name}\n${createHash('sha256').update(headers.join('\n')).digest('base64url')}`
      : upstream.name;
    const now = this.#clock.monotonic();
    const kept = this.#entries.get(key);
    if (kept && kept.until > now) return kept.result;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      // The oldest goes first (a Map keeps insertion order).
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    const entry: Entry = {
      until: Number.POSITIVE_INFINITY,
      result: this.#ask(upstream, headers).then((result) => {
        const ok = Array.isArray(result);
        entry.until = this.#clock.monotonic() + (ok ? this.#ttlMs : this.#failedTtlMs);
        this.#note(upstream.name, ok ? undefined : result);
        return result;
      }),
    };
    this.#entries.set(key, entry);
    return entry.result;
  }

  #note(upstream: string, failure: Failure | undefined): void {
    if (failure === undefined) {
      if (this.#failing.delete(upstream)) this.#logger.info({ upstream }, 'model list answered again');
      return;
    }
    if (this.#failing.has(upstream)) return;
    this.#failing.add(upstream);
    this.#logger.warn(
      { upstream, reason: failure.reason },
      'model list left out: the upstream did not answer GET /v1/models',
    );
  }

  async #ask(upstream: Upstream, headers: readonly string[]): Promise<ListedModel[] | Failure> {
    const base = upstream.base!;
    const anthropic = upstream.dialect.family === 'anthropic';
    const controller = new AbortController();
    const stop = this.#clock.setTimer(this.#timeoutMs, () => controller.abort());
    try {
      const res = await upstream.dispatcher.request({
        origin: base.origin,
        path: joinUpstreamPath(base, '/v1/models') + (anthropic ? ANTHROPIC_QUERY : ''),
        method: 'GET',
        headers: [...headers, 'accept', 'application/json'],
        signal: controller.signal,
        // Backstops of undici's own; the clock's timer above bounds the whole exchange.
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
        return { reason: `status ${res.statusCode}` };
      }
      const body = await readBounded(res.body, this.#maxBytes);
      if (body === undefined) return { reason: `a list over ${this.#maxBytes} bytes` };
      return readModelList(body, anthropic ? 'anthropic' : 'openai') ?? { reason: 'not a model list' };
    } catch (err) {
      if (controller.signal.aborted) return { reason: `no whole answer within ${this.#timeoutMs} ms` };
      const code = (err as { code?: unknown }).code;
      return { reason: typeof code === 'string' ? code : (err as Error).name };
    } finally {
      stop();
    }
  }
}
