// An upstream at run time: its config, dialect, where it lives, its connection pool and its keys.
import type { Dispatcher } from 'undici';
import type { Config, ResolvedUpstream } from '../config/load.ts';
import { type HostRouteConfig, upstreamSchema } from '../config/schema.ts';
import { dialects } from '../dialects/registry.ts';
import type { Dialect } from '../dialects/types.ts';
import type { SharedKeyBudgets } from '../limits/shared-key-budgets.ts';
import { parseUpstreamBase, type UpstreamBase } from '../routing/url-join.ts';
import type { Clock } from '../time/clock.ts';
import { UpstreamAdmission } from './admission.ts';
import { createDispatcher } from './dispatcher.ts';
import { KeyCheck } from './key-check.ts';
import { createKeyRing, type KeyRing } from './key-ring.ts';
import type { SharedBreakers } from './shared-breakers.ts';

export interface Upstream {
  readonly name: string;
  readonly config: ResolvedUpstream;
  readonly dialect: Dialect;
  /** Where requests go; undefined for a host route's implicit upstream (`https://<Host>`). */
  readonly base: UpstreamBase | undefined;
  readonly dispatcher: Dispatcher;
  /** Keys in turn, for when egress shaping is off. */
  readonly keys: KeyRing;
  /** Queues, key budgets and paces, for when it is on. */
  readonly admission: UpstreamAdmission;
  /** Tells a bad key from a client's bad request, before a key leaves the pool. */
  readonly keyCheck: KeyCheck;
  /** Uploads streamed through now, and the most at once (half its connections). */
  readonly uploads: { active: number; readonly max: number };
}

export interface UpstreamSet {
  readonly byName: ReadonlyMap<string, Upstream>;
  /** Every upstream, the implicit ones of host routes included. */
  all(): Upstream[];
  /** The implicit upstream of each host route that names none. */
  forHostRoute(route: HostRouteConfig): Upstream | undefined;
  close(): Promise<void>;
}

export interface UpstreamSetOptions {
  ambientProxy: boolean;
  /** Egress shaping (`rate_limit.enabled`); off, keys and failover still work. */
  shaping: boolean;
  /** The upstreams a config reload replaces (key budgets carry over). */
  previous?: UpstreamSet | undefined;
  clock: Clock;
  /** Key budgets shared with other gateway processes (Redis), when there are any. */
  sharedBudgets?: SharedKeyBudgets | undefined;
  /** Circuit breakers shared with them. */
  sharedBreakers?: SharedBreakers | undefined;
}

function build(
  config: ResolvedUpstream,
  outboundProxy: string | undefined,
  options: UpstreamSetOptions,
  fixed: boolean,
): Upstream {
  const base = fixed ? parseUpstreamBase(config.url) : undefined;
  const dialect = dialects[config.dialect];
  const dispatcher = createDispatcher({
    ...(base ? { origin: base.origin } : {}),
    connections: config.max_connections,
    connectTimeoutMs: config.connect_timeout,
    proxy: outboundProxy,
    ambientProxy: options.ambientProxy,
  });
  return {
    name: config.name,
    config,
    dialect,
    base,
    keys: createKeyRing(config.keys, config.key_scopes),
    admission: new UpstreamAdmission(
      config,
      dialect,
      options.clock,
      options.shaping,
      options.previous?.byName.get(config.name)?.admission,
      options.sharedBudgets,
      options.sharedBreakers,
    ),
    dispatcher,
    uploads: { active: 0, max: Math.max(1, Math.floor(config.max_connections / 2)) },
    keyCheck: new KeyCheck({ dialect, base, dispatcher }, options.clock),
  };
}

export function createUpstreamSet(config: Config, options: UpstreamSetOptions): UpstreamSet {
  const byName = new Map<string, Upstream>();
  for (const u of Object.values(config.upstreams))
    byName.set(u.name, build(u, config.outbound_proxy, options, true));

  const implicit = new Map<HostRouteConfig, Upstream>();
  for (const route of config.routes.hosts) {
    if (route.upstream !== undefined) continue;
    const parsed = upstreamSchema.parse({ url: 'https://host-route.invalid', dialect: 'generic' });
    const timeout = config.server.request_timeout;
    const resolved: ResolvedUpstream = {
      ...parsed,
      keys: [],
      key_scopes: [],
      name: `host:${route.match}`,
      timeout,
      idle_timeout: timeout,
      passthrough: true,
      implicit: false,
      prefill: 'none',
    };
    implicit.set(route, build(resolved, config.outbound_proxy, options, false));
  }

  return {
    byName,
    all: () => [...byName.values(), ...implicit.values()],
    forHostRoute: (route) =>
      route.upstream !== undefined ? byName.get(route.upstream) : implicit.get(route),
    async close() {
      const every = [...byName.values(), ...implicit.values()];
      for (const u of every) u.admission.close();
      await Promise.all(every.map((u) => u.dispatcher.close()));
    },
  };
}
