// Key budgets that several gateway processes share (through Redis): what every process reserved on
// a key and what the upstream's headers said about it, checked and counted in one atomic step.
//
//   local KeyBudget admits  ->  shared reserve (one round trip)  ->  0: send  |  wait ms: back in line
//   answer's headers        ->  shared update (not waited for)
//   settle                  ->  shared update, only when something changed
//   refused elsewhere       ->  the next answer that frees room is published; waiters ask again
//
// While the shared store cannot be reached each process enforces its share of every limit alone
// (limit ÷ the processes alive), and goes back to the shared count when the store answers again.
import type { Cost } from './cost.ts';

/** A configured limit the shared store checks (when headers say nothing fresh) and counts. */
export interface ConfiguredWindow {
  /** `requests/minute`, `tokens/day`: the same name the headers' windows get. */
  readonly name: string;
  readonly windowMs: number;
  readonly limit: number;
}

export interface SharedAsk {
  /** Wall-clock ms (processes on different hosts share instants, not monotonic clocks). */
  readonly now: number;
  readonly resetBufferMs: number;
  readonly useHeaders: boolean;
  readonly cost: Cost;
  readonly configured: readonly ConfiguredWindow[];
  /** What this process learned from headers, for windows the shared store knows nothing of. */
  readonly seeds: readonly ReportedWindow[];
  /**
   * While no process has heard the key's limits: how long one request holds it for all of them
   * (the upstream's header timeout; 0 when it sends no rate-limit headers).
   */
  readonly probeMs: number;
}

/** What a granted reservation counted in the shared store, to be taken back or corrected. */
export interface SharedGrant {
  /** Wall-clock ms of the reservation. */
  readonly at: number;
  /** Amounts counted as sent and not answered, per learned window: taken back by the answer. */
  readonly pending: ReadonlyArray<readonly [name: string, amount: number]>;
  readonly configured: readonly ConfiguredWindow[];
  /** The answer's headers were passed on (its pending amounts are taken back). */
  observed: boolean;
}

/** A window as an answer's headers reported it. */
export interface ReportedWindow {
  readonly name: string;
  readonly windowMs: number;
  readonly limit: number | undefined;
  readonly remaining: number | undefined;
  /** Wall-clock ms. */
  readonly resetAt: number | undefined;
}

export interface SharedUpdate {
  readonly now: number;
  readonly resetBufferMs: number;
  /** The upstream asked for quiet until this wall-clock ms (a 429's Retry-After). */
  readonly pauseUntil?: number;
  /** The grant whose pending amounts are taken back (its answer came, or it ended without one). */
  readonly answered?: SharedGrant;
  readonly reported?: readonly ReportedWindow[];
  /** Configured windows: the real amount minus the reserved one, counted at the reservation's time. */
  readonly corrections?: ReadonlyArray<{
    readonly window: ConfiguredWindow;
    readonly at: number;
    readonly delta: number;
  }>;
}

export interface SharedKeyBudgets {
  /** Whether reservations go through the shared store now (it is reachable). */
  readonly reachable: boolean;
  /** The fraction of every limit this process enforces alone: 1 while shared, 1/N while not. */
  readonly localShare: number;
  /** Moves on each (re)connection: the store may have come back empty, so seeds are sent again. */
  readonly epoch: number;
  /** A grant, or the ms until the key has room across all processes. Rejects when unreachable. */
  reserve(keyId: string, ask: SharedAsk): Promise<SharedGrant | number>;
  /** Sent without waiting; lost when the store is unreachable (the headers put it right again). */
  update(keyId: string, change: SharedUpdate): void;
  /**
   * `onFreed` hears when an answer (any process's) may have made room on a key this process was
   * refused on: the one listener for the key, replacing an earlier one. A hint, not a guarantee:
   * the refusal's own wait still ends the hold.
   */
  watch(keyId: string, onFreed: () => void): void;
  unwatch(keyId: string): void;
}
