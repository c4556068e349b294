// Who may send to one upstream, and when: its key pool, its paces, and a scheduler per host route.
// Without configured keys each client credential is its own key (its limits are its own), held in
// a bounded map so a flood of credentials cannot grow memory.
import { createHash } from 'node:crypto';
import type { ResolvedUpstream } from '../config/load.ts';
import { maskSecret } from '../config/mask.ts';
import type { HostRouteConfig } from '../config/schema.ts';
import type { Dialect } from '../dialects/types.ts';
import { type BudgetSettings, KeyBudget, type KeyBudgetStats } from '../limits/key-budget.ts';
import { Pace } from '../limits/pace.ts';
import type { SharedKeyBudgets } from '../limits/shared-key-budgets.ts';
import type { Clock } from '../time/clock.ts';
import { type BreakerSettings, CircuitBreaker } from './circuit-breaker.ts';
import { scopeHeaders } from './headers.ts';
import { KeyHealth, type KeyHealthStats } from './key-health.ts';
import { KeyPool, type PooledKey } from './key-pool.ts';
import { Scheduler } from './scheduler.ts';
import type { SharedBreakers } from './shared-breakers.ts';

/** Distinct client credentials tracked at once on a passthrough upstream. */
const MAX_CLIENT_KEYS = 1000;

export interface KeyStats extends KeyBudgetStats, KeyHealthStats {
  key: string;
}

export interface SchedulerStats {
  name: string;
  queue_length: number;
  in_flight: number;
  keys: KeyStats[];
}

function breakerSettings(upstream: ResolvedUpstream): BreakerSettings {
  const b = upstream.breaker;
  return {
    failures: b.failures,
    failureRatio: b.failure_ratio,
    minRequests: b.min_requests,
    cooldownMs: b.cooldown,
    maxCooldownMs: b.max_cooldown,
    probeIntervalMs: b.probe_interval,
  };
}

/** The name of something every process knows alike (a key, an upstream), hashed: never the key. */
function sharedId(name: string): string {
  return createHash('sha256').update(name).digest('base64url').slice(0, 32);
}

export class UpstreamAdmission {
  readonly #upstream: ResolvedUpstream;
  readonly #clock: Clock;
  readonly #settings: BudgetSettings;
  readonly #paces: Pace[];
  /** Identifies the settings the key budgets were made with. */
  readonly #limitsId: string;
  readonly #inherited = new Map<string, KeyBudget>();
  /** Egress shaping is on: limits apply and 429s wait for room. */
  readonly shaping: boolean;
  readonly #breaker: BreakerSettings;
  /** Opens when every key fails in a row: the provider itself is down. */
  readonly breaker: CircuitBreaker;
  readonly #keyed: KeyPool | undefined;
  /** route id + credential -> scheduler; insertion order is age (refreshed on use). */
  readonly #schedulers = new Map<string, Scheduler>();
  readonly #clientPools = new Map<string, KeyPool>();
  readonly #routePaces = new Map<HostRouteConfig, Pace>();
  readonly #shared: SharedKeyBudgets | undefined;

  /**
   * `shaping` off (`--no-rate-limit`): no limit holds anything back (no budgets, paces or learned
   * limits), but keys, breakers and failover work as ever.
   */
  constructor(
    upstream: ResolvedUpstream,
    dialect: Dialect,
    clock: Clock,
    shaping = true,
    /** The same upstream before a config reload: budgets of keys kept with the same limits carry over. */
    previous?: UpstreamAdmission,
    /** Other gateway processes share the keys' budgets through this (Redis). */
    shared?: SharedKeyBudgets,
    /** ... and the breakers of the upstream and its configured keys through this. */
    breakers?: SharedBreakers,
  ) {
    this.#upstream = upstream;
    this.#shared = shaping ? shared : undefined;
    this.#clock = clock;
    this.shaping = shaping;
    this.#limitsId = JSON.stringify([shaping, dialect.name, upstream.limits, upstream.rate_limits]);
    // What the keys have sent and learned stays true across a reload; their health starts afresh.
    if (previous && previous.#limitsId === this.#limitsId) {
      for (const key of previous.#keyed?.keys ?? [])
        if (key.secret !== undefined) this.#inherited.set(key.secret, key.budget);
    }
    const limits = shaping ? upstream.limits : {};
    this.#settings = {
      limits,
      useHeaders: shaping && upstream.rate_limits.use_headers,
      headerFallback: upstream.rate_limits.header_fallback,
      headerTimeoutMs: upstream.rate_limits.header_timeout,
      resetBufferMs: upstream.rate_limits.reset_buffer,
      upstreamReportsLimits: dialect.rateLimitHeaders.length > 0,
    };
    this.#paces = limits.rate ? [new Pace(limits.rate, limits.burst)] : [];
    this.#breaker = breakerSettings(upstream);
    // Only a run of failures across every key opens it; one bad key among good ones never does.
    this.breaker = new CircuitBreaker(
      {
        ...this.#breaker,
        failures: this.#breaker.failures * Math.max(1, upstream.keys.length),
        failureRatio: Number.POSITIVE_INFINITY,
      },
      clock,
    );
    if (breakers) this.breaker.share({ breakers, id: sharedId(`upstream\u0000${upstream.name}`) });
    // Client pools share this breaker but each wakes only its own queue: wake them all.
    this.breaker.onClose(() => {
      for (const s of this.#schedulers.values()) s.pool.changed();
    });
    if (upstream.keys.length > 0) {
      this.#keyed = this.#pool(
        upstream.keys.map((secret, i) =>
          this.#key(secret, maskSecret(secret), scopeHeaders(upstream.key_scopes[i])),
        ),
      );
      // Configured keys are the same in every process; a client's own key (passthrough) is not shared.
      if (breakers)
        for (const key of this.#keyed.keys)
          key.health.breaker.share({ breakers, id: sharedId(`${upstream.name}\u0000${key.secret}`) });
      this.#inherited.clear();
    }
  }

  /** A reload replaced this upstream (or the gateway stops): its breakers stop following the others. */
  close(): void {
    this.breaker.unshare();
    for (const key of this.#keyed?.keys ?? []) key.health.breaker.unshare();
  }

  /** The scheduler for a request: per host route (for its pace) and, on passthrough, per credential. */
  schedulerFor(route: HostRouteConfig | undefined, credential: string): Scheduler {
    const id = this.#keyed ? (route?.match ?? '') : `${route?.match ?? ''}\u0000${credential}`;
    const found = this.#schedulers.get(id);
    if (found) {
      if (!this.#keyed) {
        // Refresh its age so the least recently used client is the one evicted.
        this.#schedulers.delete(id);
        this.#schedulers.set(id, found);
      }
      return found;
    }
    const pool = this.#keyed ?? this.#clientPool(credential);
    const paces = [...this.#paces];
    if (this.shaping && route?.limits?.rate) {
      let pace = this.#routePaces.get(route);
      if (!pace) {
        pace = new Pace(route.limits.rate, route.limits.burst);
        this.#routePaces.set(route, pace);
      }
      paces.push(pace);
    }
    const scheduler = new Scheduler({
      name: route ? `${this.#upstream.name} (${route.match})` : this.#upstream.name,
      pool,
      paces,
      maxQueue: this.#upstream.queue.max_size,
      queueTimeoutMs: this.#upstream.queue.timeout,
      clock: this.#clock,
    });
    this.#schedulers.set(id, scheduler);
    if (!this.#keyed) this.#evictIdle();
    return scheduler;
  }

  stats(): SchedulerStats[] {
    const keyStats = (pool: KeyPool) =>
      pool.keys.map((k) => ({ key: k.label, ...k.health.stats(), ...k.budget.stats() }));
    // Configured keys show before the first request made a queue for them.
    if (this.#keyed && this.#schedulers.size === 0)
      return [{ name: this.#upstream.name, queue_length: 0, in_flight: 0, keys: keyStats(this.#keyed) }];
    return [...this.#schedulers.values()].map((s) => ({
      name: s.name,
      queue_length: s.queueLength,
      in_flight: s.pool.inFlight,
      keys: keyStats(s.pool),
    }));
  }

  /** `credential`: what the key is (the secret, or a passthrough client's own), for its shared id. */
  #key(
    secret: string | undefined,
    label: string,
    scope: readonly string[] = [],
    credential = secret,
  ): PooledKey {
    return {
      secret,
      scope,
      label,
      budget:
        (secret !== undefined && this.#inherited.get(secret)) ||
        new KeyBudget(this.#settings, this.#clock, this.#sharedKey(credential ?? '')),
      health: new KeyHealth(this.#breaker, this.#clock),
    };
  }

  #sharedKey(credential: string) {
    if (!this.#shared) return undefined;
    // The same key on the same upstream is one budget in every process; the hash never shows it.
    return { budgets: this.#shared, id: sharedId(`${this.#upstream.name}\u0000${credential}`) };
  }

  #pool(keys: PooledKey[]): KeyPool {
    return new KeyPool(keys, {
      name: this.#upstream.name,
      balance: this.#upstream.balance,
      maxConcurrent: this.shaping ? this.#upstream.limits.max_concurrent : undefined,
      upstreamBreaker: this.breaker,
    });
  }

  #clientPool(credential: string): KeyPool {
    let pool = this.#clientPools.get(credential);
    if (!pool) {
      pool = this.#pool([
        this.#key(
          undefined,
          credential ? `client ${maskSecret(credential)}` : 'no credential',
          [],
          credential,
        ),
      ]);
      this.#clientPools.set(credential, pool);
    }
    return pool;
  }

  #evictIdle(): void {
    if (this.#schedulers.size <= MAX_CLIENT_KEYS) return;
    for (const [id, s] of this.#schedulers) {
      if (this.#schedulers.size <= MAX_CLIENT_KEYS) break;
      if (s.queueLength > 0 || s.pool.inFlight > 0) continue;
      this.#schedulers.delete(id);
      s.dispose();
      const credential = id.slice(id.indexOf('\u0000') + 1);
      if (![...this.#schedulers.keys()].some((k) => k.endsWith(`\u0000${credential}`))) {
        for (const key of this.#clientPools.get(credential)?.keys ?? []) key.budget.forget();
        this.#clientPools.delete(credential);
      }
    }
  }
}
