// Host routes for plain REST APIs: exact names first, then the longest `*.` wildcard at a dot boundary.
import type { HostRouteConfig } from '../config/schema.ts';

export interface HostRouter {
  match(host: string): HostRouteConfig | undefined;
}

export function createHostRouter(routes: readonly HostRouteConfig[]): HostRouter {
  const exact = new Map<string, HostRouteConfig>();
  const wildcards: Array<{ suffix: string; route: HostRouteConfig }> = [];
  for (const route of routes) {
    if (route.match.startsWith('*.')) wildcards.push({ suffix: route.match.slice(1), route });
    else if (!exact.has(route.match)) exact.set(route.match, route);
  }
  wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
  return {
    match(host) {
      const hit = exact.get(host);
      if (hit) return hit;
      // `*.example.com` covers `api.example.com` and `a.b.example.com`, never `example.com` or `badexample.com`.
      for (const w of wildcards) if (host.length > w.suffix.length && host.endsWith(w.suffix)) return w.route;
      return undefined;
    },
  };
}
