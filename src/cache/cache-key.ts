// The exact cache's key: SHA-256 over who asks (the tenant), where it goes, and what it asks in a
// canonical form, so one tenant never gets another's answer and key order or moved prompt-cache
// markers do not make a repeat look new. The key holds no credential, only the digest around it.
import { hash } from 'node:crypto';
import { presentedKey } from '../clients/identity.ts';
import type { RequestContext } from '../pipeline/context.ts';

/** Request headers that change what an API answers (the API version, beta features). */
const ANSWER_HEADERS = ['anthropic-version', 'anthropic-beta', 'openai-beta', 'openai-organization'];

/** A REST API may take its credential in any header: every header that looks like one scopes it. */
const CREDENTIAL_LIKE = /key|token|auth|secret|session|signature|cookie/;

/** An Anthropic breakpoint (`{type: "ephemeral", ttl?}`), not a user's own field of that name. */
function isMarker(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

/** JSON with object keys sorted and Anthropic `cache_control` markers left out, at any depth. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const names = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const name of names) {
    const v = record[name];
    if (v === undefined || (name === 'cache_control' && isMarker(v))) continue;
    out += `${first ? '' : ','}${JSON.stringify(name)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * Who the answer belongs to: the credential the client presented (its digest goes in the key, not
 * the credential), the virtual key or header that names the client, and for REST calls every
 * header that may carry a credential. A client that presents none shares the anonymous scope.
 */
export function tenantOf(ctx: RequestContext): string {
  let tenant = presentedKey(ctx.req) ?? '';
  const id = ctx.client?.id;
  if (id !== undefined && (id.startsWith('vk:') || id.startsWith('header:'))) tenant += `\n${id}`;
  const h = ctx.req.headers;
  if (ctx.kind === 'rest') {
    for (const name of Object.keys(h).sort()) {
      if (CREDENTIAL_LIKE.test(name)) tenant += `\n${name}:${String(h[name])}`;
    }
  } else if (typeof h['x-cooldown-key'] === 'string') tenant += `\n${h['x-cooldown-key']}`;
  return tenant;
}

/** The body as the client sent it: a model the route renamed counts under the client's name. */
function requestedJson(ctx: RequestContext): Record<string, unknown> | undefined {
  const json = ctx.json;
  if (json === undefined || ctx.model === undefined || json.model === ctx.model) return json;
  return { ...json, model: ctx.model };
}

/** The key, or undefined for a body nested too deeply to write out (it is sent on uncached). */
export function cacheKeyOf(ctx: RequestContext): string | undefined {
  let input = `${tenantOf(ctx)}\n${ctx.target!.upstream.name}\n${ctx.req.method}\n${ctx.url}`;
  const h = ctx.req.headers;
  for (const name of ANSWER_HEADERS) {
    const value = h[name];
    if (value !== undefined) input += `\n${name}:${String(value)}`;
  }
  // A REST answer is negotiated: the same URL can come back in another format or encoding.
  if (ctx.kind === 'rest')
    input += `\naccept:${String(h.accept)}\naccept-encoding:${String(h['accept-encoding'])}`;
  const json = requestedJson(ctx);
  try {
    input += `\n\n${json === undefined ? '' : canonicalJson(json)}`;
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
  return hash('sha256', input, 'hex');
}
