// Where API calls without a model (`GET /v1/models`, files, batches) go, by the client's dialect.
import type { Config, ResolvedUpstream } from '../config/load.ts';
import { dialects } from '../dialects/registry.ts';
import type { WireFamily } from '../dialects/types.ts';

/** Upstream names; undefined: no upstream speaks that API. */
export interface DefaultUpstreams {
  readonly openai: string | undefined;
  readonly anthropic: string | undefined;
}

/** A route every model matches: `*` (or `**`). */
function isCatchAll(match: string): boolean {
  return /^\*+$/.test(match);
}

function pick(candidates: readonly ResolvedUpstream[], family: WireFamily): string | undefined {
  const speaks = (u: ResolvedUpstream) => dialects[u.dialect].family === family;
  return (candidates.find((u) => u.name === family && speaks(u)) ?? candidates.find(speaks))?.name;
}

/**
 * `routes.default` when set; else the upstream of a catch-all model route (a user with one
 * upstream and `match: "*"` means that one); else the preset of the dialect's name, or the first
 * upstream speaking it, among the upstreams the config chose before the presets nobody chose.
 */
export function defaultUpstreams(config: Config): DefaultUpstreams {
  const named = config.routes.default ?? config.routes.models.find((r) => isCatchAll(r.match))?.upstream;
  if (named !== undefined) return { openai: named, anthropic: named };
  const all = Object.values(config.upstreams);
  const chosen = all.filter((u) => !u.implicit);
  return {
    openai: pick(chosen, 'openai') ?? pick(all, 'openai'),
    anthropic: pick(chosen, 'anthropic') ?? pick(all, 'anthropic'),
  };
}
