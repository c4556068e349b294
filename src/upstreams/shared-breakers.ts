// Circuit breakers that several gateway processes share (through Redis): a breaker one process opens
// is open in every process until the same instant, and one that a probe closes is closed everywhere.
//
//   local breaker opens / closes  ->  announce(id, open until | 0)  ->  every other process hears it
//   a process that starts, or comes back to the store, asks what is open now
//
// Only the open-until instant is shared; each process keeps its own failure counts and sends its own
// half-open probe when the shared cool-down ends.

export interface SharedBreakers {
  /** Tells the other processes the breaker `id` is open until `untilWallMs` (0: it closed). */
  announce(id: string, untilWallMs: number): void;
  /** `heard` gets what other processes announce for `id` (the latest follower wins). */
  follow(id: string, heard: (untilWallMs: number) => void): void;
  /** `heard` stops hearing `id` (a later follower of the same id keeps hearing it). */
  unfollow(id: string, heard: (untilWallMs: number) => void): void;
}

/** A breaker's link to the others: its id in the shared store, and the store. */
export interface BreakerPeers {
  readonly breakers: SharedBreakers;
  readonly id: string;
}
