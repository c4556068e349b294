// Environment variables as a config overlay: COOLDOWN_* names, the seed names, and provider keys.

import { ConfigError } from './config-error.ts';
import type { Env } from './expand.ts';
import type { ProviderPreset } from './presets.ts';

type Tree = Record<string, unknown>;

function set(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Tree;
  }
  node[path.at(-1)!] = value;
}

function present(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function integer(env: Env, name: string, problems: string[]): number | undefined {
  const v = present(env, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) {
    problems.push(`${name}: ${JSON.stringify(v)} is not a whole number`);
    return undefined;
  }
  return Number(v);
}

function positiveNumber(env: Env, name: string, problems: string[]): number | undefined {
  const v = present(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    problems.push(`${name}: ${JSON.stringify(v)} is not a positive number`);
    return undefined;
  }
  return n;
}

/** Durations from env: a bare number is milliseconds, like everywhere in the config. */
function durationValue(v: string): string | number {
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** The settings the environment overrides, as a partial config tree (validated later with the rest). */
export function envOverlay(env: Env): { overlay: Tree; budgetUsd?: number } {
  const problems: string[] = [];
  const overlay: Tree = {};
  const host = present(env, 'COOLDOWN_HOST');
  if (host) set(overlay, ['server', 'host'], host);
  const port = integer(env, 'COOLDOWN_PORT', problems) ?? integer(env, 'PORT', problems);
  if (port !== undefined) set(overlay, ['server', 'port'], port);
  const token = present(env, 'COOLDOWN_ADMIN_TOKEN');
  if (token) set(overlay, ['server', 'admin_token'], token);
  const timeout = present(env, 'REQUEST_TIMEOUT');
  if (timeout) set(overlay, ['server', 'request_timeout'], durationValue(timeout));
  const proxy = present(env, 'PROXY_URL');
  if (proxy) set(overlay, ['outbound_proxy'], proxy);
  const rpm = integer(env, 'RATE_LIMIT', problems);
  if (rpm !== undefined) set(overlay, ['clients', 'limits', 'rpm'], rpm);
  const ttl = present(env, 'CACHE_TTL');
  if (ttl) set(overlay, ['cache', 'ttl'], durationValue(ttl));
  // Megabytes, as the seed meant it (earlier releases read it as an entry count).
  const sizeMb = positiveNumber(env, 'MAX_CACHE_SIZE', problems);
  if (sizeMb !== undefined) set(overlay, ['cache', 'max_size_mb'], sizeMb);
  const redis = present(env, 'REDIS_URL');
  if (redis) set(overlay, ['store', 'redis'], redis);
  const level = present(env, 'COOLDOWN_LOG_LEVEL');
  if (level) set(overlay, ['log', 'level'], level);
  const budgetUsd = positiveNumber(env, 'COOLDOWN_BUDGET', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return budgetUsd === undefined ? { overlay } : { overlay, budgetUsd };
}

/** Keys for a preset from `NAME_API_KEYS` (comma-separated pool) or `NAME_API_KEY`. */
export function presetKeys(env: Env, preset: ProviderPreset): string[] {
  const pool = present(env, `${preset.keyEnv}S`) ?? present(env, preset.keyEnv) ?? '';
  return pool
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}

/** Whether the conventional proxy variables are set (then undici's EnvHttpProxyAgent honours NO_PROXY too). */
export function hasAmbientProxy(env: Env): boolean {
  return ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some(
    (name) => present(env, name) !== undefined,
  );
}
