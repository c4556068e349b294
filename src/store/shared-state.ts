// What gateway processes on one Redis share besides answers: the roster of live processes, the
// upstream keys' budgets, which fall back to each process's share of every limit while Redis is away,
// and the circuit breakers of upstreams and their keys.
import type { Clock } from '../time/clock.ts';
import { ProcessRoster } from './process-roster.ts';
import { RedisBreakers } from './redis-breakers.ts';
import type { RedisConnection } from './redis-connection.ts';
import { RedisKeyBudgets } from './redis-key-budgets.ts';
import { SharedReach } from './shared-reach.ts';

export interface SharedState {
  readonly roster: ProcessRoster;
  readonly budgets: RedisKeyBudgets;
  readonly breakers: RedisBreakers;
  /** Whether limits are counted in Redis now, and this process's share when not. */
  readonly reach: SharedReach;
  readonly connection: RedisConnection;
  stats(): SharedStats;
  /**
   * Waits (at most `ms`) for Redis and a first heartbeat, so a process that has just started does
   * not take every limit for itself before it has heard of the others. False: Redis is away.
   */
  ready(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/** /stats `shared`: whether limits are enforced together now, or by this process at its share. */
export interface SharedStats {
  /** `redis`, or null when this process shares nothing (no `store.redis`). */
  store: 'redis' | null;
  /** The Redis URL, its password masked. */
  location?: string;
  /** Redis answers in time: limits are counted across every process. */
  reachable?: boolean;
  /** Processes alive at the last heartbeat (this one included). */
  processes?: number;
  /** The part of every limit this process enforces alone: 1 while shared, 1/processes while not. */
  local_share?: number;
  /** Budget updates that could not reach Redis (lost; the next headers put the count right). */
  lost_updates?: number;
}

export const NOT_SHARED: SharedStats = { store: null };

export function openSharedState(connection: RedisConnection, clock: Clock): SharedState {
  const roster = new ProcessRoster(connection, { clock });
  const reach = new SharedReach(connection, roster, clock);
  const budgets = new RedisKeyBudgets(connection, reach);
  const breakers = new RedisBreakers(connection, roster.id, clock);
  return {
    roster,
    budgets,
    breakers,
    reach,
    connection,
    stats: () => ({
      store: 'redis',
      location: connection.location,
      reachable: reach.reachable,
      processes: roster.peers,
      local_share: reach.share,
      lost_updates: budgets.lostUpdates,
    }),
    async ready(ms) {
      if (!(await connection.whenReady(ms))) return false;
      await roster.beat();
      return true;
    },
    close: () => roster.close(),
  };
}
