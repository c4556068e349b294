// The clients seen lately, for /stats and the dashboard: requests and refusals per client, and what
// its own limits have left. Bounded: the least recently seen are forgotten first.
import type { ClientLimitsConfig } from '../config/schema.ts';
import type { RequestContext } from '../pipeline/context.ts';
import type { Claim, StateStore } from '../store/state-store.ts';
import { ingressClaims, isIngressClaim } from './ingress-limits.ts';

/** Clients listed at most. */
const CLIENTS_LIMIT = 200;
/** The least-recently-seen order is kept to this granularity (ms). */
const TOUCH_MS = 1000;

interface Seen {
  id: string;
  label: string;
  limits: ClientLimitsConfig;
  requests: number;
  rateLimited: number;
  overBudget: number;
  lastSeenMs: number;
  /** Wall ms it was last moved to the newest end of the map. */
  movedMs: number;
}

export interface ClientStats {
  /** Masked: a virtual key's name, a masked key, an address, a header's value. */
  client: string;
  requests: number;
  rate_limited: number;
  over_budget: number;
  last_seen_s_ago: number;
  limits: ClientLimitsConfig;
  /** What its buckets hold now (absent: no such limit, or untouched lately). */
  remaining: { requests?: number; tokens?: number };
}

export class ClientTally {
  readonly #seen = new Map<string, Seen>();

  record(ctx: RequestContext, wallMs: number): void {
    const client = ctx.client;
    if (!client) return;
    let seen = this.#seen.get(client.id);
    if (seen) {
      // Moved to the newest end at most once a second: the map's table is long-lived, and each
      // delete-and-set on it makes a new one in the old generation (garbage only a full GC frees).
      if (wallMs - seen.movedMs >= TOUCH_MS || wallMs < seen.movedMs) {
        seen.movedMs = wallMs;
        this.#seen.delete(client.id);
        this.#seen.set(client.id, seen);
      }
    } else {
      if (this.#seen.size >= CLIENTS_LIMIT) this.#seen.delete(this.#seen.keys().next().value!);
      seen = {
        id: client.id,
        label: client.label,
        limits: client.limits,
        requests: 0,
        rateLimited: 0,
        overBudget: 0,
        lastSeenMs: 0,
        movedMs: wallMs,
      };
      this.#seen.set(client.id, seen);
    }
    seen.requests++;
    seen.limits = client.limits;
    seen.lastSeenMs = wallMs;
    if (ctx.errorCode === 'rate_limit_exceeded' && ctx.claims === undefined) seen.rateLimited++;
    else if (ctx.errorCode === 'budget_exceeded') seen.overBudget++;
  }

  /** How a client id is shown (its masked label), if it was seen lately. */
  labelOf(id: string): string | undefined {
    return this.#seen.get(id)?.label;
  }

  /** Most recent first. Buckets are read from a synchronous store only (a shared one is not asked per scrape). */
  list(store: StateStore, now: number): ClientStats[] {
    const out: ClientStats[] = [];
    for (const s of this.#seen.values()) {
      const remaining: ClientStats['remaining'] = {};
      const claims: Claim[] = [];
      ingressClaims(s.id, s.limits, 1, claims);
      for (const claim of claims) {
        const level = store.level(claim, now);
        if (typeof level === 'number' && isIngressClaim(claim))
          remaining[claim.dimension] = Math.floor(level);
      }
      out.push({
        client: s.label,
        requests: s.requests,
        rate_limited: s.rateLimited,
        over_budget: s.overBudget,
        last_seen_s_ago: Math.max(0, Math.round((now - s.lastSeenMs) / 1000)),
        limits: s.limits,
        remaining,
      });
    }
    return out.reverse();
  }
}
