// The rate-limit budget of one upstream key: its configured limits and what its answers taught.
//
//   per (dimension, window):  live (from headers) while fresh  ->  else configured (sliding window)
//   reserve(cost) before sending, settle(actual) after, observe(headers) on every answer
//
// A request is admitted only when every window it touches has room for it. A cold key (never
// answered yet) sends one request and waits for its headers before sending more.
//
// An output bound is the client's ceiling, not a forecast: one larger than a whole window (Claude
// Code asks for 64000 tokens against an `otpm` of 8000) reserves that window whole, so the request
// waits for a full window and the upstream decides. Only the prompt itself can be too large.
import type { LimitDimension, LimitWindow, RateLimitReading } from '../dialects/types.ts';
import type { Clock } from '../time/clock.ts';
import { amountFor, type Cost } from './cost.ts';
import { LiveWindow } from './live-window.ts';
import type {
  ConfiguredWindow,
  ReportedWindow,
  SharedGrant,
  SharedKeyBudgets,
} from './shared-key-budgets.ts';
import { SlidingWindow } from './sliding-window.ts';
import { WINDOW_MS } from './window-length.ts';

export interface StaticLimits {
  rpm?: number | undefined;
  rpd?: number | undefined;
  tpm?: number | undefined;
  tpd?: number | undefined;
  itpm?: number | undefined;
  otpm?: number | undefined;
}

export interface BudgetSettings {
  limits: StaticLimits;
  /** Learn limits from response headers. */
  useHeaders: boolean;
  /** Apply the configured limits when the headers say nothing (fresh). */
  headerFallback: boolean;
  /** How long a cold key waits for its first answer before trusting the config alone. */
  headerTimeoutMs: number;
  /** Added to every reported reset, for clock skew. */
  resetBufferMs: number;
  /** The dialect sends rate-limit headers at all (NVIDIA does not: nothing to wait for). */
  upstreamReportsLimits: boolean;
}

export interface Reservation {
  readonly seq: number;
  readonly cost: Cost;
  /** Monotonic ms when reserved. */
  readonly at: number;
  /** What the shared store counted for it (other processes see it), once confirmed there. */
  shared?: SharedGrant | undefined;
}

/** This key as the processes sharing it know it: the shared store and the key's id there. */
export interface SharedKey {
  readonly budgets: SharedKeyBudgets;
  /** A hash naming the key in the shared store (never the key). */
  readonly id: string;
}

type WindowKey = `${LimitDimension}/${LimitWindow}`;

const STATIC_WINDOWS: ReadonlyArray<[keyof StaticLimits, LimitDimension, LimitWindow]> = [
  ['rpm', 'requests', 'minute'],
  ['rpd', 'requests', 'day'],
  ['tpm', 'tokens', 'minute'],
  ['tpd', 'tokens', 'day'],
  ['itpm', 'input_tokens', 'minute'],
  ['otpm', 'output_tokens', 'minute'],
];

export interface WindowStats {
  dimension: LimitDimension;
  window: LimitWindow;
  configured_limit?: number;
  learned_limit?: number;
  remaining?: number;
  reset_in_ms?: number;
  source: 'headers' | 'config' | 'none';
}

export interface KeyBudgetStats {
  in_flight: number;
  answers: number;
  paused_for_ms: number;
  /** Shared keys: ms the shared count (other processes' sends) still holds this key back. */
  held_for_ms?: number;
  windows: WindowStats[];
}

export class KeyBudget {
  readonly #settings: BudgetSettings;
  readonly #clock: Clock;
  readonly #static = new Map<WindowKey, SlidingWindow>();
  readonly #live = new Map<WindowKey, LiveWindow>();
  /** Every window's key, configured or reported, once each; made again when a window is first reported. */
  #keys: readonly WindowKey[] | undefined;
  #seq = 0;
  #inFlight = 0;
  #answers = 0;
  #firstSentAt: number | undefined;
  #pausedUntil = 0;
  readonly #shared: SharedKey | undefined;
  /** Monotonic ms until which the shared store said this key has no room (other processes used it). */
  #heldUntil = 0;
  /**
   * Whether the next reservation carries what this process learned: the store knew nothing of it,
   * or has (re)connected since the last grant (a restarted Redis comes back empty).
   */
  #seedsWanted = true;
  #seededEpoch = -1;

  constructor(settings: BudgetSettings, clock: Clock, shared?: SharedKey) {
    this.#settings = settings;
    this.#clock = clock;
    this.#shared = shared;
    for (const [name, dimension, window] of STATIC_WINDOWS) {
      const limit = settings.limits[name];
      if (limit !== undefined)
        this.#static.set(`${dimension}/${window}`, new SlidingWindow(limit, WINDOW_MS[window]));
    }
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Milliseconds until `cost` can be sent on this key (0: now; Infinity: it never fits). */
  waitFor(cost: Cost): number {
    const now = this.#clock.monotonic();
    let wait = Math.max(0, this.#pausedUntil - now, this.#heldUntil - now);
    if (this.#probing(now))
      wait = Math.max(wait, this.#firstSentAt! + this.#settings.headerTimeoutMs - now, 1);
    for (const key of this.#windowKeys()) {
      const w = this.#windowWait(key, cost, now);
      if (w === Number.POSITIVE_INFINITY) return w;
      if (w > wait) wait = w;
    }
    return wait;
  }

  /** Whether `cost` is larger than what this key may ever send in one window. */
  neverFits(cost: Cost): boolean {
    return this.tooLarge(cost) !== undefined;
  }

  /** Why `cost` can never be sent on this key (its prompt is over a whole window), for the refusal. */
  tooLarge(cost: Cost): string | undefined {
    const now = this.#clock.monotonic();
    for (const key of this.#windowKeys()) {
      if (this.#windowWait(key, cost, now) !== Number.POSITIVE_INFINITY) continue;
      const [dimension, window] = key.split('/') as [LimitDimension, LimitWindow];
      const live = this.#live.get(key);
      const limit = this.#useLive(live, now) ? live!.limit : this.#static.get(key)?.limit;
      const source = this.#useLive(live, now)
        ? 'reported by the upstream'
        : `configured as ${configName(key)}`;
      return `its prompt (about ${cost.inputTokens} tokens, estimated from its text) is more than the key's ${dimension.replace('_', ' ')} per ${window} limit of ${limit} (${source})`;
    }
    return undefined;
  }

  reserve(cost: Cost): Reservation {
    const at = this.#clock.monotonic();
    const seq = ++this.#seq;
    this.#inFlight++;
    this.#firstSentAt ??= at;
    for (const [key, window] of this.#static)
      window.add(reservedIn(cost, dimensionOf(key), window.limit), at);
    for (const [key, window] of this.#live)
      window.record(seq, reservedIn(cost, dimensionOf(key), window.limit), at);
    return { seq, cost, at };
  }

  /** The request is over: `actual` replaces the estimate (undefined: the estimate stands). */
  settle(reservation: Reservation, actual: Cost | undefined): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (reservation.shared) this.#settleShared(reservation, reservation.shared, actual);
    if (!actual) return;
    for (const [key, window] of this.#static) {
      const d = dimensionOf(key);
      window.add(amountFor(actual, d) - reservedIn(reservation.cost, d, window.limit), reservation.at);
    }
    for (const [key, window] of this.#live)
      window.correct(reservation.seq, amountFor(actual, dimensionOf(key)));
  }

  /** What the answer to `reservation` said about this key's limits (an answer with none counts too). */
  observe(reservation: Reservation, reading: RateLimitReading): void {
    this.#answers++;
    if (!this.#settings.useHeaders) return;
    const now = this.#clock.monotonic();
    const wallNow = this.#clock.now();
    if (reservation.shared) this.#observeShared(reservation.shared, reading, wallNow);
    for (const w of reading.windows) {
      const key: WindowKey = `${w.dimension}/${w.window}`;
      let live = this.#live.get(key);
      if (!live) {
        live = new LiveWindow(WINDOW_MS[w.window]);
        live.countSent(reservedIn(reservation.cost, w.dimension, w.limit));
        this.#live.set(key, live);
        this.#keys = undefined;
      }
      // Resets come as wall-clock instants; waits run on the monotonic clock, immune to clock jumps.
      const resetAt = w.resetAt === undefined ? undefined : now + (w.resetAt - wallNow);
      live.observe(
        reservation.seq,
        { limit: w.limit, remaining: w.remaining, resetAt },
        now,
        this.#settings.resetBufferMs,
      );
    }
  }

  /** The upstream refused (429, 503, 529): send nothing on this key for `ms`. */
  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.monotonic() + ms);
    const shared = this.#shared;
    if (shared?.budgets.reachable) {
      const now = this.#clock.now();
      shared.budgets.update(shared.id, {
        now,
        resetBufferMs: this.#settings.resetBufferMs,
        pauseUntil: now + ms,
      });
    }
  }

  /**
   * After `reserve`, when other processes share this key: the shared store's verdict. Undefined
   * when there is nothing to ask (no sharing, or the store is unreachable: local shares apply);
   * else resolves with 0 (counted everywhere: send) or the ms to wait, during which this key
   * admits nothing here either. A store that fails to answer is away for a while (see
   * `reachable`): the request goes back in line (1 ms) and is admitted at the local share.
   */
  confirm(reservation: Reservation): Promise<number> | undefined {
    const shared = this.#shared;
    if (!shared?.budgets.reachable || (!this.#settings.useHeaders && this.#static.size === 0))
      return undefined;
    const configured: ConfiguredWindow[] = [];
    for (const [key, window] of this.#static)
      if (this.#useStatic(key))
        configured.push({ name: key, windowMs: window.windowMs, limit: window.limit });
    const now = this.#clock.now();
    const epoch = shared.budgets.epoch;
    const ask = {
      now,
      resetBufferMs: this.#settings.resetBufferMs,
      useHeaders: this.#settings.useHeaders,
      cost: reservation.cost,
      configured,
      seeds: this.#seedsWanted || epoch !== this.#seededEpoch ? this.#seeds(now) : [],
      probeMs: this.#settings.upstreamReportsLimits ? this.#settings.headerTimeoutMs : 0,
    };
    return shared.budgets.reserve(shared.id, ask).then(
      (granted) => {
        if (typeof granted !== 'number') {
          reservation.shared = granted;
          // Counted against nothing learned: the store may have lost it (evicted); tell it next time.
          this.#seedsWanted = granted.pending.length === 0;
          this.#seededEpoch = epoch;
          return 0;
        }
        this.#heldUntil = Math.max(this.#heldUntil, this.#clock.monotonic() + granted);
        return granted;
      },
      // Not counted anywhere: back in line, where the store now counts as away and the local share rules.
      () => 1,
    );
  }

  /**
   * Shared keys: `then` hears when an answer anywhere may have made room after the shared store
   * refused this key; the hold ends and the queue asks again. The latest listener wins (a reload
   * hands this budget to a new pool).
   */
  onSharedRoom(then: () => void): void {
    const shared = this.#shared;
    if (!shared) return;
    shared.budgets.watch(shared.id, () => {
      if (this.#heldUntil === 0) return;
      this.#heldUntil = 0;
      then();
    });
  }

  /** This key is no longer used here (its client's pool was evicted): nothing listens for it. */
  forget(): void {
    if (this.#shared) this.#shared.budgets.unwatch(this.#shared.id);
  }

  stats(): KeyBudgetStats {
    const now = this.#clock.monotonic();
    const windows: WindowStats[] = [];
    for (const key of this.#windowKeys()) {
      const [dimension, window] = key.split('/') as [LimitDimension, LimitWindow];
      const fixed = this.#static.get(key);
      const live = this.#live.get(key);
      const useLive = this.#useLive(live, now);
      const remaining = useLive
        ? live!.available(now, this.#settings.resetBufferMs)
        : fixed
          ? fixed.limit - fixed.used(now)
          : undefined;
      const entry: WindowStats = {
        dimension,
        window,
        source: useLive ? 'headers' : this.#useStatic(key) ? 'config' : 'none',
      };
      if (fixed) entry.configured_limit = fixed.limit;
      if (live?.limit !== undefined) entry.learned_limit = live.limit;
      if (remaining !== undefined) entry.remaining = Math.max(0, Math.round(remaining));
      const resetIn = useLive ? live!.resetIn(now) : undefined;
      if (resetIn !== undefined) entry.reset_in_ms = Math.round(resetIn);
      windows.push(entry);
    }
    const held = this.#shared ? { held_for_ms: Math.max(0, Math.round(this.#heldUntil - now)) } : {};
    return {
      in_flight: this.#inFlight,
      answers: this.#answers,
      paused_for_ms: Math.max(0, Math.round(this.#pausedUntil - now)),
      ...held,
      windows,
    };
  }

  /** The effective limit of a window (learned while fresh, else configured), for response headers. */
  limitOf(dimension: LimitDimension, window: LimitWindow): number | undefined {
    const key: WindowKey = `${dimension}/${window}`;
    const live = this.#live.get(key);
    if (this.#useLive(live, this.#clock.monotonic()) && live!.limit !== undefined) return live!.limit;
    return this.#static.get(key)?.limit;
  }

  remainingOf(dimension: LimitDimension, window: LimitWindow): number | undefined {
    const key: WindowKey = `${dimension}/${window}`;
    const now = this.#clock.monotonic();
    const live = this.#live.get(key);
    if (this.#useLive(live, now)) return live!.available(now, this.#settings.resetBufferMs);
    const fixed = this.#static.get(key);
    return fixed ? fixed.limit - fixed.used(now) : undefined;
  }

  // Read on every admission; windows are added only when first reported, so it is made rarely.
  #windowKeys(): readonly WindowKey[] {
    this.#keys ??= [...new Set([...this.#static.keys(), ...this.#live.keys()])];
    return this.#keys;
  }

  #useLive(live: LiveWindow | undefined, now: number): boolean {
    return this.#settings.useHeaders && live?.isFresh(now) === true;
  }

  #useStatic(key: WindowKey): boolean {
    return this.#static.has(key) && (!this.#settings.useHeaders || this.#settings.headerFallback);
  }

  #windowWait(key: WindowKey, cost: Cost, now: number): number {
    const d = dimensionOf(key);
    if (amountFor(cost, d) === 0) return 0;
    const live = this.#live.get(key);
    // Alone while the shared store is away: this process may use only its share of each limit.
    const share = this.#shared?.budgets.localShare ?? 1;
    if (this.#useLive(live, now))
      return live!.waitFor(reservedIn(cost, d, live!.limit), now, this.#settings.resetBufferMs, share);
    if (this.#useStatic(key)) {
      const fixed = this.#static.get(key)!;
      return fixed.waitFor(reservedIn(cost, d, fixed.limit), now, share);
    }
    return 0;
  }

  /** The fresh windows this process learned, as the shared store would hold them (wall-clock resets). */
  #seeds(wallNow: number): ReportedWindow[] {
    const seeds: ReportedWindow[] = [];
    if (this.#live.size === 0) return seeds;
    const now = this.#clock.monotonic();
    for (const [key, live] of this.#live) {
      if (!this.#useLive(live, now)) continue;
      const available = live.available(now, this.#settings.resetBufferMs);
      const resetIn = live.resetIn(now);
      seeds.push({
        name: key,
        windowMs: live.windowMs,
        limit: live.limit,
        remaining: available === undefined ? undefined : Math.max(0, Math.floor(available)),
        resetAt: resetIn === undefined ? undefined : wallNow + resetIn,
      });
    }
    return seeds;
  }

  #observeShared(grant: SharedGrant, reading: RateLimitReading, now: number): void {
    const shared = this.#shared!;
    const reported = reading.windows.map((w) => ({
      name: `${w.dimension}/${w.window}`,
      windowMs: WINDOW_MS[w.window],
      limit: w.limit,
      remaining: w.remaining,
      resetAt: w.resetAt,
    }));
    grant.observed = true;
    shared.budgets.update(shared.id, {
      now,
      resetBufferMs: this.#settings.resetBufferMs,
      answered: grant,
      reported,
    });
  }

  /** The shared count hears the real amounts, and takes back what no answer took back. */
  #settleShared(reservation: Reservation, grant: SharedGrant, actual: Cost | undefined): void {
    const corrections = [];
    if (actual) {
      for (const window of grant.configured) {
        const d = dimensionOf(window.name as WindowKey);
        const delta = amountFor(actual, d) - reservedIn(reservation.cost, d, window.limit);
        if (delta !== 0) corrections.push({ window, at: grant.at, delta });
      }
    }
    const answered = grant.observed || grant.pending.length === 0 ? undefined : grant;
    if (corrections.length === 0 && answered === undefined) return;
    grant.observed = true;
    const shared = this.#shared!;
    shared.budgets.update(shared.id, {
      now: this.#clock.now(),
      resetBufferMs: this.#settings.resetBufferMs,
      ...(answered ? { answered } : {}),
      corrections,
    });
  }

  /** Until its first answer (or header_timeout), a key sends one request at a time. */
  #probing(now: number): boolean {
    return (
      this.#settings.useHeaders &&
      this.#settings.upstreamReportsLimits &&
      this.#answers === 0 &&
      this.#inFlight > 0 &&
      this.#firstSentAt !== undefined &&
      now - this.#firstSentAt < this.#settings.headerTimeoutMs
    );
  }
}

function dimensionOf(key: WindowKey): LimitDimension {
  return key.slice(0, key.indexOf('/')) as LimitDimension;
}

/**
 * What `cost` reserves in a window of `limit`: a token amount over the whole window is clamped to
 * it, as long as the prompt alone fits (the output bound is only a ceiling; the upstream decides).
 */
export function reservedIn(cost: Cost, dimension: LimitDimension, limit: number | undefined): number {
  const amount = amountFor(cost, dimension);
  if (limit === undefined || amount <= limit) return amount;
  if (dimension === 'output_tokens') return limit;
  // Input and total windows: the prompt is counted as it is (a prompt over the window never fits).
  if (dimension === 'tokens' && cost.inputTokens <= limit) return limit;
  return amount;
}

function configName(key: WindowKey): string {
  for (const [name, dimension, window] of STATIC_WINDOWS)
    if (key === `${dimension}/${window}`) return `\`${name}\``;
  return key;
}
