// The semantic mode: a miss's last user text is embedded and compared with earlier requests of the
// same scope (tenant, upstream, endpoint, stream or not, and everything but that text: model,
// system prompt, tools, sampling parameters, earlier turns). From the threshold up, the nearest
// one's answer is served; in shadow mode it is only logged, with its similarity.
import { hash } from 'node:crypto';
import type { Logger } from '../../log/logger.ts';
import type { RequestContext } from '../../pipeline/context.ts';
import type { Embedder } from './embedder.ts';
import type { SemanticIndex } from './semantic-index.ts';
import { semanticPartsOf } from './semantic-request.ts';

export interface SemanticSettings {
  threshold: number;
  shadow: boolean;
  anyTemperature: boolean;
}

/** What a miss was compared as: remembered with its answer once that is kept. */
export interface SemanticProbe {
  readonly scope: string;
  readonly vector: Float32Array;
  /** The nearest earlier request at or above the threshold. */
  readonly match: { key: string; similarity: number } | undefined;
}

/** Embedding failures are logged at most this often. */
const FAILURE_LOG_MS = 60_000;

export class SemanticLookup {
  readonly index: SemanticIndex;
  readonly settings: SemanticSettings;
  readonly #embedder: Embedder;
  readonly #logger: Logger;
  #loggedAt = Number.NEGATIVE_INFINITY;

  constructor(index: SemanticIndex, embedder: Embedder, settings: SemanticSettings, logger: Logger) {
    this.index = index;
    this.#embedder = embedder;
    this.settings = settings;
    this.#logger = logger;
  }

  /** Undefined: the request is not one to compare by meaning, or no embedding could be had. */
  async probe(ctx: RequestContext, tenant: string, now: number): Promise<SemanticProbe | undefined> {
    if (ctx.json === undefined) return undefined;
    const parts = semanticPartsOf(ctx.path, ctx.json, this.settings.anyTemperature);
    if (!parts) return undefined;
    let vector: Float32Array | undefined;
    try {
      vector = await this.#embedder.embed(parts.text);
    } catch (err) {
      if (now - this.#loggedAt >= FAILURE_LOG_MS) {
        this.#loggedAt = now;
        this.#logger.warn(
          { err },
          'the semantic cache could not embed a request; it goes on as an exact miss',
        );
      }
      return undefined;
    }
    if (!vector) return undefined;
    const scope = hash(
      'sha256',
      `${tenant}\n${ctx.target!.upstream.name}\n${ctx.path}\n${ctx.stream}\n${parts.scope}`,
      'hex',
    );
    const nearest = this.index.nearest(scope, vector);
    const match = nearest && nearest.similarity >= this.settings.threshold ? nearest : undefined;
    return { scope, vector, match };
  }

  remember(probe: SemanticProbe, key: string, upstream: string, model: string): void {
    this.index.add(probe.scope, key, probe.vector, upstream, model);
  }
}
