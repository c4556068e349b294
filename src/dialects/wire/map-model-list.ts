// Model lists in the two shapes clients know: an upstream's list read into one form, and a list
// written out as OpenAI's (`{object: "list", data}`) or as Anthropic's (paged by id cursors).
import { isRecord, tryParseJson } from './json-peek.ts';

export type ModelListShape = 'openai' | 'anthropic';

/** One model as an upstream listed it. */
export interface ListedModel {
  readonly id: string;
  /** Epoch seconds (Anthropic's `created_at` converted); 0 when not given. */
  readonly created: number;
  /** The shape it came in; its other fields (context windows, capabilities) go out in that shape. */
  readonly shape: ModelListShape;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** One entry of a list the gateway answers itself. */
export interface GatewayModel {
  /** What a client sends as `model` (`groq/llama-3.1-8b-instant` when prefixed). */
  readonly id: string;
  readonly upstream: string;
  readonly created: number;
  /** As the upstream listed it; undefined for a route's alias. */
  readonly listed: ListedModel | undefined;
}

/** More than any provider lists; an upstream sending more has the rest left out. */
export const MAX_LISTED_MODELS = 2000;

function createdOf(item: Record<string, unknown>): number {
  const created = item.created;
  if (typeof created === 'number' && Number.isFinite(created) && created >= 0) return Math.floor(created);
  const at = typeof item.created_at === 'string' ? Date.parse(item.created_at) : Number.NaN;
  return Number.isFinite(at) && at >= 0 ? Math.floor(at / 1000) : 0;
}

/** The models of an upstream's `GET /v1/models` body; undefined when it is not a model list. */
export function readModelList(body: string, shape: ModelListShape): ListedModel[] | undefined {
  const parsed = tryParseJson(body);
  if (!isRecord(parsed) || !Array.isArray(parsed.data)) return undefined;
  const out: ListedModel[] = [];
  for (const item of parsed.data) {
    if (out.length === MAX_LISTED_MODELS) break;
    if (!isRecord(item) || typeof item.id !== 'string' || item.id === '') continue;
    out.push({ id: item.id, created: createdOf(item), shape, raw: item });
  }
  return out;
}

/** `2025-10-01T00:00:00Z`, as Anthropic writes instants. */
function instant(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function text(value: unknown, otherwise: string): string {
  return typeof value === 'string' ? value : otherwise;
}

/** An entry in OpenAI's shape; one listed that way keeps its other fields. */
export function openaiModel(m: GatewayModel): Record<string, unknown> {
  const raw = m.listed?.shape === 'openai' ? m.listed.raw : undefined;
  return {
    ...raw,
    id: m.id,
    object: 'model',
    created: m.created,
    owned_by: text(raw?.owned_by, m.upstream),
  };
}

/** An entry in Anthropic's shape; one listed that way keeps its other fields. */
export function anthropicModel(m: GatewayModel): Record<string, unknown> {
  const raw = m.listed?.shape === 'anthropic' ? m.listed.raw : undefined;
  return {
    ...raw,
    type: 'model',
    id: m.id,
    display_name: text(raw?.display_name, m.id),
    created_at: text(raw?.created_at, instant(m.created)),
  };
}

export function openaiModelList(models: readonly GatewayModel[]): Record<string, unknown> {
  return { object: 'list', data: models.map(openaiModel) };
}

/** Anthropic's page: `limit` entries after `afterId`, or the `limit` entries before `beforeId`. */
export interface PageQuery {
  readonly limit: number;
  readonly afterId?: string | undefined;
  readonly beforeId?: string | undefined;
}

/** A cursor not in the list (it changed between pages) gives an empty page, not an error. */
export function anthropicModelPage(
  models: readonly GatewayModel[],
  query: PageQuery,
): Record<string, unknown> {
  const at = (id: string) => models.findIndex((m) => m.id === id);
  let start: number;
  let end: number;
  let more: boolean;
  if (query.beforeId !== undefined) {
    end = Math.max(0, at(query.beforeId));
    start = Math.max(0, end - query.limit);
    more = start > 0;
  } else {
    const after = query.afterId === undefined ? -1 : at(query.afterId);
    start = query.afterId !== undefined && after === -1 ? models.length : after + 1;
    end = Math.min(models.length, start + query.limit);
    more = end < models.length;
  }
  const data = models.slice(start, end).map(anthropicModel);
  return {
    data,
    has_more: more,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}
