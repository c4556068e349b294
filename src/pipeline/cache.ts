// Stage: answer a repeat from the response cache (or from an identical miss running now, its
// stream live), before it is estimated, limited or queued; a miss is recorded on its way out and
// kept if it may be.
import { AnswerRecorder } from '../cache/answer-recorder.ts';
import { cacheKeyOf, tenantOf } from '../cache/cache-key.ts';
import { type CacheDirectives, directivesOf, isCacheable } from '../cache/cache-policy.ts';
import type { Follower, Landing } from '../cache/flights.ts';
import { headMayBeKept, isStream, keptAnswer } from '../cache/kept-answer.ts';
import { LiveAnswer } from '../cache/live-answer.ts';
import { liveEndOf, liveHeadOf } from '../cache/live-leader.ts';
import { replay, replayLive } from '../cache/replay.ts';
import type { ResponseCache } from '../cache/response-cache.ts';
import type { SemanticLookup, SemanticProbe } from '../cache/semantic/semantic-lookup.ts';
import type { StoredAnswer } from '../cache/stored-answer.ts';
import type { Usage } from '../dialects/types.ts';
import { ClientGone } from '../errors/client-gone.ts';
import type { Logger } from '../log/logger.ts';
import type { PriceBook } from '../spend/price-book.ts';
import { priceRequest } from '../spend/request-cost.ts';
import type { Clock } from '../time/clock.ts';
import type { RequestContext } from './context.ts';

export interface CacheStageDeps {
  /** `cache.enabled` (off with `--no-cache`): the stage does nothing. */
  enabled: boolean;
  cache: ResponseCache;
  ttlMs: number;
  /** The longest a miss waits for an identical one another process sends (shared stores only). */
  coalesceWaitMs: number;
  /** Statuses whose answers are kept (200 by default). */
  statuses: ReadonlySet<number>;
  /** One answer's bytes at most. */
  maxEntryBytes: number;
  prices: PriceBook;
  clock: Clock;
  logger: Logger;
  /** `cache.semantic`, when on. */
  semantic: SemanticLookup | undefined;
}

const MISS = ['x-cache', 'MISS'];
const BYPASS = ['x-cache', 'BYPASS'];

function withHeader(ctx: RequestContext, pair: readonly string[]): void {
  ctx.extraHeaders = ctx.extraHeaders ? [...ctx.extraHeaders, ...pair] : (pair as string[]);
}

export function createCacheStage(deps: CacheStageDeps) {
  const { cache, clock } = deps;

  function hit(ctx: RequestContext): void {
    cache.tally.hits++;
    ctx.cacheResult = 'hit';
    // Nothing was reserved and nothing is spent; the tokens and the cost count as saved.
    ctx.spendSettled = true;
  }

  function saved(ctx: RequestContext, usage: Usage | undefined): void {
    ctx.usage = usage;
    if (!usage) return;
    const t = cache.tally;
    priceRequest(ctx, deps.prices);
    ctx.savedUsd = ctx.costUsd;
    ctx.costUsd = 0;
    ctx.costUnknown = false;
    t.savedInputTokens += usage.inputTokens;
    t.savedOutputTokens += usage.outputTokens;
    t.savedUsd += ctx.savedUsd ?? 0;
  }

  function answer(ctx: RequestContext, stored: StoredAnswer, similarity?: number): void {
    hit(ctx);
    saved(ctx, stored.usage);
    replay(ctx, stored, clock.now(), similarity);
  }

  /** A follower waits for the leader's answer, or leaves when its client does. */
  function follow(ctx: RequestContext, follower: Follower): Promise<Landing> {
    return new Promise((resolve, reject) => {
      ctx.cancel = () => reject(new ClientGone());
      follower.answer.then((landing) => {
        ctx.cancel = undefined;
        resolve(landing);
      });
    });
  }

  /** A follower served the leader's stream live, to its end; false: it could not join. */
  async function followLive(ctx: RequestContext, live: LiveAnswer): Promise<boolean> {
    if (ctx.clientGone) throw new ClientGone();
    const ended = replayLive(ctx, live, clock.now());
    if (!ended) {
      // Over before this follower got to run: its kept answer, if it was kept.
      if (!live.kept) return false;
      cache.tally.coalesced++;
      answer(ctx, live.kept);
      return true;
    }
    hit(ctx);
    cache.tally.coalesced++;
    const end = await ended;
    // The usage is known only now, before the request's log line is written.
    if (end.kind === 'ended') saved(ctx, end.usage);
    return true;
  }

  /** The leader's stream, shared live, once it goes out with a head that lets it be kept. */
  function goLive(ctx: RequestContext, key: string, d: CacheDirectives, recorder: AnswerRecorder) {
    if (!isStream(ctx) || !headMayBeKept(ctx, d, deps)) return undefined;
    const live = new LiveAnswer(recorder, liveHeadOf(ctx, clock.now()), deps.maxEntryBytes);
    cache.flights.goLive(key, live);
    return live;
  }

  /** The miss goes on through the stages; what its client gets is recorded and kept at its end. */
  function record(
    ctx: RequestContext,
    key: string,
    d: CacheDirectives,
    leads: boolean,
    probe?: SemanticProbe,
    leadsShared = false,
  ): void {
    const recorder = new AnswerRecorder(deps.maxEntryBytes, cache.recording);
    ctx.recorder = recorder;
    let live: LiveAnswer | undefined;
    // Only a followed leader watches its answer, and only until its first byte decides.
    if (leads)
      cache.flights.whenFollowed(key, () => {
        if (ctx.headSent) live = goLive(ctx, key, d, recorder);
        else
          recorder.watch(() => {
            recorder.watch(undefined);
            live = goLive(ctx, key, d, recorder);
          });
      });
    ctx.res.once('close', () => {
      let stored: StoredAnswer | undefined;
      try {
        stored = keptAnswer(ctx, recorder, d, deps, clock.now());
        if (stored) {
          const put = cache.store.put(key, stored);
          if (put instanceof Promise) {
            const kept = put.catch((err) => deps.logger.warn({ err }, 'caching an answer failed'));
            // Waiters in other processes read it once it is there.
            if (leadsShared) void kept.then(() => sharedDone(key));
            leadsShared = false;
          }
          cache.tally.stored++;
          if (probe) deps.semantic?.remember(probe, key, stored.upstream, stored.model);
        }
      } catch (err) {
        stored = undefined;
        deps.logger.warn({ err }, 'caching an answer failed');
      }
      recorder.release();
      if (leads) cache.flights.land(key, stored);
      if (leadsShared) sharedDone(key);
      live?.end(liveEndOf(ctx, recorder), stored);
    });
  }

  function sharedDone(key: string): void {
    cache.store.flights?.done(key);
  }

  /**
   * A leading miss on a store other processes share: it leads there too (`lead`), or waits for the
   * process that does and is answered from what that one kept (`answered`), or goes on its own.
   */
  async function acrossProcesses(
    ctx: RequestContext,
    key: string,
    d: CacheDirectives,
  ): Promise<'lead' | 'answered' | 'alone'> {
    const shared = cache.store.flights;
    // An answer that will not be kept (no-store) is nothing for other processes to wait for.
    if (!shared || !d.store) return 'alone';
    if (await shared.lead(key, deps.coalesceWaitMs)) return 'lead';
    await shared.landed(key, deps.coalesceWaitMs);
    if (ctx.clientGone) throw new ClientGone();
    const found = await lookup(key);
    if (!found || (d.maxAgeMs !== undefined && clock.now() - found.storedAt > d.maxAgeMs)) return 'alone';
    cache.tally.coalesced++;
    answer(ctx, found);
    cache.flights.land(key, found);
    return 'answered';
  }

  if (!deps.enabled) return () => {};
  return async function cacheStage(ctx: RequestContext): Promise<void> {
    if (!isCacheable(ctx)) return;
    const key = cacheKeyOf(ctx);
    if (key === undefined) return;
    const control = ctx.req.headers['cache-control'];
    const d = directivesOf(typeof control === 'string' ? control : undefined);
    if (!d.lookup) {
      cache.tally.bypassed++;
      ctx.cacheResult = 'bypass';
      withHeader(ctx, BYPASS);
      if (d.store) record(ctx, key, d, false);
      return;
    }
    const found = await lookup(key);
    if (found && (d.maxAgeMs === undefined || clock.now() - found.storedAt <= d.maxAgeMs)) {
      answer(ctx, found);
      return;
    }
    const follower = cache.flights.join(key);
    if (follower) {
      try {
        const landed = await follow(ctx, follower);
        if (landed instanceof LiveAnswer) {
          if (await followLive(ctx, landed)) return;
        } else if (landed) {
          cache.tally.coalesced++;
          answer(ctx, landed);
          return;
        }
      } finally {
        follower.leave();
      }
    }
    const leads = follower === undefined;
    let probe: SemanticProbe | undefined;
    let leadsShared = false;
    try {
      if (leads) {
        const across = await acrossProcesses(ctx, key, d);
        if (across === 'answered') return;
        leadsShared = across === 'lead';
        probe = await bySemantics(ctx, key);
        // Its client left during those round trips: its close was heard already, so nothing
        // would land the flight for the identical requests waiting on it.
        if (ctx.clientGone) throw new ClientGone();
      }
    } catch (err) {
      // Identical requests wait on this one: they must hear it will not answer them.
      cache.flights.land(key, undefined);
      if (leadsShared) sharedDone(key);
      throw err;
    }
    if (ctx.headSent) {
      if (leadsShared) sharedDone(key);
      return;
    }
    // A miss (or a follower whose leader's answer could not be kept): it goes upstream itself.
    cache.tally.misses++;
    ctx.cacheResult = 'miss';
    withHeader(ctx, MISS);
    record(ctx, key, d, leads, probe, leadsShared);
  };

  /** A store that fails to read is a miss, never a failed request. */
  async function lookup(key: string): Promise<StoredAnswer | undefined> {
    try {
      return await cache.store.get(key, clock.now());
    } catch (err) {
      deps.logger.warn({ err }, 'reading the response cache failed; the request goes upstream');
      return undefined;
    }
  }

  /** A leading miss looked up by meaning: answered when a near enough request's answer is kept. */
  async function bySemantics(ctx: RequestContext, key: string): Promise<SemanticProbe | undefined> {
    const semantic = deps.semantic;
    if (!semantic) return undefined;
    const probe = await semantic.probe(ctx, tenantOf(ctx), clock.now());
    const match = probe?.match;
    if (!match) return probe;
    const stored = await lookup(match.key);
    if (!stored) {
      semantic.index.remove(match.key);
      return probe;
    }
    if (semantic.settings.shadow) {
      cache.tally.shadowHits++;
      deps.logger.info(
        {
          id: ctx.id,
          similarity: Number(match.similarity.toFixed(4)),
          upstream: stored.upstream,
          model: stored.model,
        },
        'the semantic cache would have answered this request (shadow mode)',
      );
      return probe;
    }
    cache.tally.semanticHits++;
    answer(ctx, stored, match.similarity);
    // Identical requests that came meanwhile get the same answer.
    cache.flights.land(key, stored);
    return undefined;
  }
}
