// The gateway's own model list: what the upstreams list, each under the name that reaches it
// through the model routes, and the routes' own names (aliases). Pure: lists and routes in.
import type { Config } from '../config/load.ts';
import { providerPresets } from '../config/presets.ts';
import type { ModelRouteConfig } from '../config/schema.ts';
import { dialects } from '../dialects/registry.ts';
import type { GatewayModel, ListedModel } from '../dialects/wire/map-model-list.ts';
import type { UpstreamModels } from '../upstreams/model-catalog.ts';
import { isGlob, type ModelRouter } from './model-routes.ts';

/**
 * The upstreams whose lists make the gateway's: the LLM API upstreams the config chose (not the
 * presets nobody chose, not REST upstreams, not those a host route uses), in config order.
 */
export function modelListUpstreams(config: Config): string[] {
  const rest = new Set(config.routes.hosts.map((r) => r.upstream));
  return Object.values(config.upstreams)
    .filter((u) => !u.implicit && dialects[u.dialect].family !== 'generic' && !rest.has(u.name))
    .map((u) => u.name);
}

/** A preset's own route (`whisper-1` to openai), which names no model anybody chose. */
function isPresetRoute(route: ModelRouteConfig): boolean {
  const preset = providerPresets.find((p) => p.name === route.upstream);
  return (
    preset !== undefined &&
    route.model === undefined &&
    (preset.models.includes(route.match) || preset.sharedModels.includes(route.match))
  );
}

/**
 * The config's routes whose `match` is one model name that really reaches them (no earlier glob
 * takes it). A preset's own names are not among them: the upstream's list says if it has them.
 */
export function aliasRoutes(config: Config, router: ModelRouter): ModelRouteConfig[] {
  return config.routes.models.filter(
    (route) => !isGlob(route.match) && !isPresetRoute(route) && router.match(route.match)?.route === route,
  );
}

/**
 * Each listed model under the name a client sends to reach it: its own id when the routes send
 * that id to this upstream unchanged, else `upstream/id`, else (a glob route takes even the
 * prefixed name elsewhere) it is left out, as no name reaches it. So two upstreams listing the
 * same id never both claim it. Then the aliases not listed already. Names longer than `maxId` are
 * left out (the gateway refuses them as models).
 */
export function unionModels(
  lists: readonly UpstreamModels[],
  aliases: readonly ModelRouteConfig[],
  router: ModelRouter,
  maxId: number,
): GatewayModel[] {
  const out: GatewayModel[] = [];
  // Routing ignores case, so `Qwen/X` and `qwen/x` are one name.
  const seen = new Set<string>();
  const add = (id: string, upstream: string, created: number, listed: ListedModel | undefined) => {
    const key = id.toLowerCase();
    if (id.length > maxId || seen.has(key)) return;
    seen.add(key);
    out.push({ id, upstream, created, listed });
  };
  const reaches = (name: string, upstream: string, model: string) => {
    const match = router.match(name);
    return match !== undefined && match.upstream === upstream && match.model === model;
  };
  for (const { upstream, models } of lists) {
    for (const m of models) {
      if (reaches(m.id, upstream, m.id)) add(m.id, upstream, m.created, m);
      else {
        const prefixed = `${upstream}/${m.id}`;
        if (reaches(prefixed, upstream, m.id)) add(prefixed, upstream, m.created, m);
      }
    }
  }
  for (const route of aliases) {
    const target = route.model ?? route.match;
    const listed = lists.find((l) => l.upstream === route.upstream)?.models.find((m) => m.id === target);
    add(route.match, route.upstream, listed?.created ?? 0, undefined);
  }
  return out;
}
