// Model routes: the first glob that matches a model picks its upstream (and may rename the model).
import picomatch from 'picomatch';
import type { ModelRouteConfig } from '../config/schema.ts';

export interface ModelMatch {
  readonly upstream: string;
  /** The model name to send upstream. */
  readonly model: string;
  readonly route: ModelRouteConfig | undefined;
}

export interface ModelRouter {
  match(model: string): ModelMatch | undefined;
  /** Names whose match is remembered (bounded in count and in each name's length). */
  readonly cached: number;
}

/** Longer model names are not remembered (the parse stage refuses them anyway). */
const CACHED_NAME_LIMIT = 256;
const CACHED_NAMES = 10_000;

/** A `match` with glob characters; any other is one model name (an alias when the route renames). */
export function isGlob(match: string): boolean {
  return match.includes('*') || match.includes('[') || match.includes('?');
}

/** Model names compare without regard to case, as the glob routes do. */
function exactly(name: string): (model: string) => boolean {
  const lower = name.toLowerCase();
  return (model) => model.length === lower.length && model.toLowerCase() === lower;
}

export function createModelRouter(
  routes: readonly ModelRouteConfig[],
  upstreamNames: readonly string[],
): ModelRouter {
  // `*` must also cross `/` (NVIDIA's `meta/llama-...`), so slashes are not path separators here.
  const compiled = routes.map((route) => ({
    route,
    test: isGlob(route.match)
      ? picomatch(route.match, { nocase: true, dot: true, bash: true })
      : exactly(route.match),
  }));
  const upstreams = new Set(upstreamNames);
  const cache = new Map<string, ModelMatch | null>();
  const resolve = (model: string): ModelMatch | undefined => {
    for (const { route, test } of compiled) {
      if (test(model)) return { upstream: route.upstream, model: route.model ?? model, route };
    }
    // `groq/llama-3.1-8b-instant`: an upstream's name as a prefix picks it and is stripped.
    const slash = model.indexOf('/');
    if (slash > 0 && upstreams.has(model.slice(0, slash))) {
      return { upstream: model.slice(0, slash), model: model.slice(slash + 1), route: undefined };
    }
    return undefined;
  };
  return {
    match(model) {
      const hit = cache.get(model);
      if (hit !== undefined) return hit ?? undefined;
      const found = resolve(model);
      // Clients use a handful of model names; the bounds only stop a flood of random or huge ones.
      if (cache.size < CACHED_NAMES && model.length <= CACHED_NAME_LIMIT) cache.set(model, found ?? null);
      return found;
    },
    get cached() {
      return cache.size;
    },
  };
}
