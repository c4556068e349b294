// What the limiter believes, per upstream and key: the state behind /stats (and later /metrics).
import type { SchedulerStats } from '../upstreams/admission.ts';
import type { UpstreamSet } from '../upstreams/upstream.ts';

export interface UpstreamStats {
  name: string;
  dialect: string;
  keys: number;
  queue: { max_size: number; timeout_ms: number };
  /** One entry per queue: the upstream's own, per REST host route, per client key on passthrough. */
  queues: SchedulerStats[];
}

export interface GatewayStats {
  shaping: boolean;
  upstreams: UpstreamStats[];
}

export function collectStats(upstreams: UpstreamSet, shaping: boolean): GatewayStats {
  return {
    shaping,
    upstreams: upstreams.all().map((u) => ({
      name: u.name,
      dialect: u.dialect.name,
      keys: u.config.keys.length,
      queue: { max_size: u.config.queue.max_size, timeout_ms: u.config.queue.timeout },
      queues: u.admission.stats(),
    })),
  };
}
