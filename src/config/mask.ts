// Secrets shown masked (`sk-pro...abcd`) wherever config or keys are displayed.
import type { Rate } from './units.ts';
import { formatDuration } from './units.ts';

/**
 * A secret as it may be shown: provider keys (long) keep their first 6 and last 4 characters, so
 * a person can tell them apart; shorter secrets keep only their last 4, and short ones nothing.
 */
export function maskSecret(secret: string): string {
  if (secret.length >= 32) return `${secret.slice(0, 6)}...${secret.slice(-4)}`;
  if (secret.length >= 16) return `...${secret.slice(-4)}`;
  return '***';
}

/** Query parameters that carry credentials (`?api_key=`, `&token=`). */
const SECRET_QUERY =
  /([?&](?:api[_-]?key|key|token|access[_-]?token|secret|password|auth|sig|signature)=)[^&#]*/gi;

/**
 * Hides what a URL carries of credentials: the password of `scheme://user:password@host` (one
 * containing a raw `@` too), a bare `scheme://TOKEN@host`, and secret query values.
 */
export function maskUrlCredentials(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!m) return url.replace(SECRET_QUERY, '$1***');
  let authority = m[2]!;
  // The host follows the last `@` of the authority: a password may hold one unescaped.
  const at = authority.lastIndexOf('@');
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    authority = `${colon === -1 ? '***' : `${userinfo.slice(0, colon)}:***`}${authority.slice(at)}`;
  }
  return m[1]! + authority + m[3]!.replace(SECRET_QUERY, '$1***');
}

function isRate(v: unknown): v is Rate {
  return typeof v === 'object' && v !== null && 'count' in v && 'perMs' in v && Object.keys(v).length === 2;
}

const SECRET_KEYS = new Set(['admin_token', 'key']);
const URL_KEYS = new Set(['outbound_proxy', 'redis', 'url']);
const DURATION_KEYS = new Set([
  'request_timeout',
  'shutdown_grace',
  'header_timeout',
  'reset_buffer',
  'timeout',
  'connect_timeout',
  'idle_timeout',
  'first_token_timeout',
  'backoff',
  'max_backoff',
  'cooldown',
  'max_cooldown',
  'probe_interval',
  'headers_timeout',
  'body_timeout',
  'body_idle_timeout',
  'keep_alive_timeout',
  'ttl',
]);

/** The config as a user would write it back: secrets masked, durations and rates in their units. */
export function displayConfig(node: unknown, key = ''): unknown {
  if (key === 'keys' && Array.isArray(node) && node.every((k) => typeof k === 'string'))
    return node.map(maskSecret);
  if (typeof node === 'string') {
    if (SECRET_KEYS.has(key)) return maskSecret(node);
    if (URL_KEYS.has(key)) return maskUrlCredentials(node);
    return node;
  }
  if (typeof node === 'number' && DURATION_KEYS.has(key)) return formatDuration(node);
  if (isRate(node)) return `${node.count}/${formatDuration(node.perMs).replace(/^1(?=[a-z]+$)/, '')}`;
  if (Array.isArray(node)) return node.map((v) => displayConfig(v));
  if (typeof node === 'object' && node !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = displayConfig(v, k);
    return out;
  }
  return node;
}
