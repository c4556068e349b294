// Embeds a request's text for the semantic cache with the configured upstream's embeddings model:
// one call through that upstream's own queue and keys (it counts against their limits like any
// other), bounded in time and size. Any failure means no semantic lookup, never a failed request.
import { estimateCost } from '../../dialects/wire/estimate.ts';
import { joinUpstreamPath } from '../../routing/url-join.ts';
import { ownCallHeaders } from '../../upstreams/headers.ts';
import type { Upstream } from '../../upstreams/upstream.ts';

/** An embeddings answer is a few tens of KB; more than this is not one. */
const ANSWER_LIMIT = 1024 * 1024;

export interface EmbedderSettings {
  model: string;
  /** The longest an embedding may take, queue wait included (ms). */
  timeoutMs: number;
}

export class Embedder {
  readonly #upstream: Upstream;
  readonly #settings: EmbedderSettings;

  constructor(upstream: Upstream, settings: EmbedderSettings) {
    this.#upstream = upstream;
    this.#settings = settings;
  }

  async embed(text: string): Promise<Float32Array | undefined> {
    const upstream = this.#upstream;
    const base = upstream.base;
    if (!base) return undefined;
    const json = { model: this.#settings.model, input: text };
    const body = JSON.stringify(json);
    const scheduler = upstream.admission.schedulerFor(undefined, '');
    const cost = estimateCost(json, 0, false);
    const lease = await scheduler.acquire(cost, 'high', () => {}, this.#settings.timeoutMs);
    const secret = lease.key.secret;
    if (secret === undefined) {
      lease.settle({ requests: 0, inputTokens: 0, outputTokens: 0 });
      return undefined;
    }
    try {
      const res = await upstream.dispatcher.request({
        origin: base.origin,
        path: joinUpstreamPath(base, '/v1/embeddings'),
        method: 'POST',
        headers: [
          ...ownCallHeaders(upstream.dialect, { secret, scope: lease.key.scope }),
          'content-type',
          'application/json',
        ],
        body,
        headersTimeout: this.#settings.timeoutMs,
        bodyTimeout: this.#settings.timeoutMs,
      });
      if (res.statusCode !== 200) {
        await res.body.dump({ limit: ANSWER_LIMIT });
        if (res.statusCode === 429) lease.rateLimited();
        else if (res.statusCode >= 500) lease.failed();
        lease.settle({ requests: 1, inputTokens: 0, outputTokens: 0 });
        return undefined;
      }
      const text = await readBounded(res.body);
      const answer = JSON.parse(text) as {
        data?: { embedding?: unknown }[];
        usage?: { prompt_tokens?: number };
      };
      lease.succeeded();
      const tokens = answer.usage?.prompt_tokens;
      lease.settle(
        typeof tokens === 'number' ? { requests: 1, inputTokens: tokens, outputTokens: 0 } : undefined,
      );
      const vector = answer.data?.[0]?.embedding;
      if (!Array.isArray(vector) || vector.length === 0 || vector.length > 16_384) return undefined;
      return Float32Array.from(vector, (v) => (typeof v === 'number' ? v : 0));
    } catch (err) {
      lease.failed();
      lease.settle({ requests: 1, inputTokens: 0, outputTokens: 0 });
      throw err;
    }
  }
}

async function readBounded(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > ANSWER_LIMIT) throw new Error('the embeddings answer is larger than any embedding');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
