// Which headers cross the gateway, in each direction, and the credential swap on the way out.
import type { KeyScope } from '../config/load.ts';
import type { Dialect } from '../dialects/types.ts';

/** Connection-level headers (RFC 9110 §7.6.1) and ones undici sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
]);

/** Where clients put API keys; replaced by the upstream's own key when it has keys. */
const CREDENTIALS = new Set(['authorization', 'x-api-key', 'api-key', 'x-goog-api-key']);

/**
 * Headers that change what a key may act for (a wrong one makes the provider answer 401 as if the
 * key were bad). With the gateway's own keys they are properties of the key, never the client's.
 */
const KEY_SCOPE = new Set(['openai-organization', 'openai-project']);

/**
 * The headers of a request of the gateway's own (`GET /v1/models`) sent with one of its keys: the
 * key as the dialect sends it, its scope, and what the dialect requires on such calls.
 */
export function ownCallHeaders(
  dialect: Dialect,
  key: { secret: string; scope: readonly string[] },
): string[] {
  const out = [dialect.auth.header, dialect.auth.prefix + key.secret, ...key.scope];
  for (const [name, value] of Object.entries(dialect.keyCheck?.headers ?? {})) out.push(name, value);
  return out;
}

/** A key's scope as header pairs, sent with it. */
export function scopeHeaders(scope: KeyScope | undefined): readonly string[] {
  const out: string[] = [];
  if (scope?.organization) out.push('openai-organization', scope.organization);
  if (scope?.project) out.push('openai-project', scope.project);
  return out;
}

/**
 * What names the client at the provider, as header pairs in the order sent: its credentials and
 * their scope. A passthrough upstream is asked with these for calls of the gateway's own.
 */
export function clientCredentials(rawHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (CREDENTIALS.has(name) || KEY_SCOPE.has(name)) out.push(name, rawHeaders[i + 1]!);
  }
  return out;
}

export interface OutgoingHeaderOptions {
  /** The upstream key to send; undefined passes the client's own credentials through. */
  key: string | undefined;
  /** Header pairs of the key's scope (organization, project), sent with it. */
  keyScope: readonly string[];
  /** The client's credential is the gateway's (a virtual key): never sent on, even without a key. */
  dropCredentials?: boolean;
  dialect: Dialect;
  /** The body was rebuilt, so its length changed (undici sets the new one). */
  bodyRebuilt: boolean;
  /** Ask for an uncompressed answer, because the gateway reads it (usage). */
  identityEncoding: boolean;
  /** The request's `Connection` header: the headers it names are hop-by-hop too. */
  connection?: string | string[] | undefined;
}

/** The header names a `Connection` header lists (RFC 9110 §7.6.1), lower case; undefined for none. */
export function connectionScoped(connection: string | string[] | undefined): Set<string> | undefined {
  // Nearly always just `keep-alive` (or `close`): nothing named.
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return undefined;
  const names = new Set<string>();
  for (const value of Array.isArray(connection) ? connection : [connection])
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '' && name !== 'close' && name !== 'keep-alive') names.add(name);
    }
  return names.size > 0 ? names : undefined;
}

/** Client request headers -> upstream request headers, as a flat [name, value, ...] list. */
export function outgoingHeaders(rawHeaders: readonly string[], options: OutgoingHeaderOptions): string[] {
  const out: string[] = [];
  const scoped = connectionScoped(options.connection);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || scoped?.has(name)) continue;
    if (name.startsWith('x-cooldown-')) continue;
    if (
      (options.key !== undefined || options.dropCredentials) &&
      (CREDENTIALS.has(name) || KEY_SCOPE.has(name))
    )
      continue;
    if (options.bodyRebuilt && name === 'content-length') continue;
    if (options.identityEncoding && name === 'accept-encoding') continue;
    out.push(name, rawHeaders[i + 1]!);
  }
  if (options.key !== undefined) {
    out.push(options.dialect.auth.header, options.dialect.auth.prefix + options.key);
    for (const h of options.keyScope) out.push(h);
  }
  return out;
}

const RESPONSE_DROP = new Set([...HOP_BY_HOP].filter((h) => h !== 'host'));

export interface IncomingHeaderOptions {
  requestId: string;
  upstreamName: string;
  /** The body goes out with a different length than upstream sent (or unknown). */
  dropLength: boolean;
}

/** Upstream response headers -> client response headers, plus the gateway's own. */
export function incomingHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  options: IncomingHeaderOptions,
): string[] {
  const out: string[] = [];
  const scoped = connectionScoped(headers.connection);
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || RESPONSE_DROP.has(name) || scoped?.has(name)) continue;
    if (options.dropLength && name === 'content-length') continue;
    // The upstream's own ids (`x-request-id`, `request-id`) pass unchanged: users quote them to
    // their provider. The gateway's id has a header of its own.
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  out.push(
    'x-cooldown-request-id',
    options.requestId,
    'x-proxy',
    'cooldown',
    'x-cooldown-upstream',
    options.upstreamName,
  );
  return out;
}
