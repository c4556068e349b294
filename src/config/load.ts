// Builds the effective config: defaults < file < env < flags, then provider presets; validated, frozen.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { PrefillStyle } from '../dialects/prefill.ts';
import { dialects } from '../dialects/registry.ts';
import { ConfigError, formatPath } from './config-error.ts';
import { envOverlay, presetKeys } from './env.ts';
import { type Env, expandVars } from './expand.ts';
import { providerPresets } from './presets.ts';
import { configSchema, type ParsedConfig, type UpstreamConfig } from './schema.ts';

type Tree = Record<string, unknown>;

/** Command-line flags that override everything else. */
export interface ConfigFlags {
  config?: string;
  host?: string;
  port?: number;
  optimize?: boolean;
  cache?: boolean;
  rateLimit?: boolean;
  logFile?: string;
  budget?: number;
}

/** The scope a key acts in at the provider, sent as headers with it. */
export interface KeyScope {
  readonly organization?: string | undefined;
  readonly project?: string | undefined;
}

export interface ResolvedUpstream
  extends Omit<UpstreamConfig, 'timeout' | 'idle_timeout' | 'prefill' | 'keys'> {
  /** The upstream's keys, in order. */
  readonly keys: readonly string[];
  /** Each key's scope (its own, else the upstream's), in the same order. */
  readonly key_scopes: readonly KeyScope[];
  readonly name: string;
  /** Time allowed until the response head. */
  readonly timeout: number;
  /** Longest silence allowed between two body chunks. */
  readonly idle_timeout: number;
  /** True when the client's own credentials are forwarded (no keys configured). */
  readonly passthrough: boolean;
  /**
   * A provider preset nobody chose: not named in the file, no keys, no OPENAI_API_URL. It is there
   * only so the provider's own models reach it with the client's key; it is not one of "the
   * configured upstreams" (the model list, the default for model-less calls).
   */
  readonly implicit: boolean;
  /** How it continues a trailing assistant message: configured, else its dialect's. */
  readonly prefill: PrefillStyle;
}

export interface Config extends Omit<ParsedConfig, 'upstreams'> {
  readonly upstreams: Readonly<Record<string, ResolvedUpstream>>;
  /** The file the config came from, if any. */
  readonly source?: string;
}

const DEFAULT_FILES = ['cooldown.yaml', 'cooldown.yml'];

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merges plain objects key by key; anything else in `over` replaces what is in `base`. */
function merge(base: unknown, over: unknown): unknown {
  if (!isTree(base) || !isTree(over)) return over === undefined ? base : over;
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

function readFile(path: string, env: Env): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `${path}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? err})`,
    ]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        return `${path}:${at.line}:${at.col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const problems: string[] = [];
  const tree = expandVars(doc.toJS(), env, problems) ?? {};
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${path}: ${p}`));
  if (!isTree(tree))
    throw new ConfigError([
      `${path}: the top level must be a mapping of sections (server:, upstreams:, ...)`,
    ]);
  return tree;
}

function expandTree(tree: Tree, env: Env): Tree {
  const problems: string[] = [];
  const expanded = expandVars(tree, env, problems) as Tree;
  if (problems.length > 0) throw new ConfigError(problems);
  return expanded;
}

function locateFile(flags: ConfigFlags, env: Env, cwd: string): string | undefined {
  const named = flags.config ?? env.COOLDOWN_CONFIG;
  if (named) return resolve(cwd, named);
  return DEFAULT_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
}

function flagOverlay(flags: ConfigFlags): Tree {
  const o: Tree = {};
  if (flags.host !== undefined) o.server = { host: flags.host };
  if (flags.port !== undefined) o.server = { ...(o.server as Tree), port: flags.port };
  if (flags.optimize === false) o.optimize = { enabled: false };
  if (flags.cache === false) o.cache = { enabled: false };
  if (flags.rateLimit === false) o.rate_limit = { enabled: false };
  if (flags.logFile !== undefined) o.log = { file: flags.logFile };
  return o;
}

function withDailyBudget(tree: Tree, usd: number): void {
  const budgets = Array.isArray(tree.budgets)
    ? tree.budgets.filter((b) => !(isTree(b) && isGlobalDaily(b)))
    : [];
  tree.budgets = [...budgets, { scope: 'global', period: 'daily', limit_usd: usd }];
}

function isGlobalDaily(b: Tree): boolean {
  return (b.scope ?? 'global') === 'global' && (b.period ?? 'daily') === 'daily';
}

/**
 * Every preset exists, with its keys (from the file, else its key variable) or passing clients'
 * own keys through. Its own models are always routed to it; the open-weight models several
 * providers serve only when it has keys or is named in the file. With OPENAI_API_URL set (any
 * OpenAI-compatible server), models nothing else claims go there. Returns the presets nobody chose.
 */
function applyPresets(tree: Tree, env: Env): Set<string> {
  const upstreams = isTree(tree.upstreams) ? tree.upstreams : {};
  const routes = isTree(tree.routes) ? tree.routes : {};
  const customOpenAI = env.OPENAI_API_URL?.trim() || undefined;
  const presetRoutes: Tree[] = [];
  const implicit = new Set<string>();
  for (const preset of providerPresets) {
    const named = isTree(upstreams[preset.name]);
    const fromFile = named ? (upstreams[preset.name] as Tree) : {};
    const base: Tree = { url: preset.url, dialect: preset.dialect };
    if (preset.limits) base.limits = { ...preset.limits };
    // Keys given in the file win over the environment, so a shell's stray OPENAI_API_KEY never replaces a pool.
    const envKeys = presetKeys(env, preset);
    if (fromFile.keys === undefined) base.keys = envKeys;
    const upstream = merge(base, fromFile) as Tree;
    // Everything else in the environment beats the file.
    if (preset.name === 'openai' && customOpenAI) upstream.url = customOpenAI;
    upstreams[preset.name] = upstream;
    const keyed =
      fromFile.keys !== undefined ? fromFile.keys !== '' && fromFile.keys !== null : envKeys.length > 0;
    if (!keyed && !named && !(preset.name === 'openai' && customOpenAI)) implicit.add(preset.name);
    for (const match of preset.models) presetRoutes.push({ match, upstream: preset.name });
    if (keyed || named)
      for (const match of preset.sharedModels) presetRoutes.push({ match, upstream: preset.name });
  }
  if (customOpenAI) presetRoutes.push({ match: '*', upstream: 'openai' });
  tree.upstreams = upstreams;
  tree.routes = {
    ...routes,
    models: [...(Array.isArray(routes.models) ? routes.models : []), ...presetRoutes],
  };
  return implicit;
}

function checkReferences(config: ParsedConfig, where: string): void {
  const problems: string[] = [];
  const known = Object.keys(config.upstreams);
  const check = (name: string | undefined, path: string) => {
    if (name !== undefined && !(name in config.upstreams)) {
      problems.push(
        `${where}${path}: unknown upstream ${JSON.stringify(name)} (known: ${known.join(', ') || 'none'})`,
      );
    }
  };
  const family = (name: string) => {
    const u = config.upstreams[name];
    return u ? dialects[u.dialect].family : undefined;
  };
  for (const [i, r] of config.routes.models.entries()) {
    check(r.upstream, `routes.models[${i}].upstream`);
    for (const [j, f] of r.fallbacks.entries()) {
      check(f.upstream, `routes.models[${i}].fallbacks[${j}].upstream`);
      // A fallback gets the client's request as it is: it must speak the same API.
      const [primary, fallback] = [family(r.upstream), family(f.upstream)];
      if (primary && fallback && primary !== fallback) {
        problems.push(
          `${where}routes.models[${i}].fallbacks[${j}].upstream: ${JSON.stringify(f.upstream)} speaks the ${fallback} API, the route's upstream the ${primary} API`,
        );
      }
    }
  }
  for (const [i, r] of config.routes.hosts.entries()) check(r.upstream, `routes.hosts[${i}].upstream`);
  check(config.routes.default, 'routes.default');
  if (problems.length > 0) throw new ConfigError(problems);
}

/** A store a setting names must be configured: Redis has no default address to fall back on. */
function checkStores(config: ParsedConfig, where: string): void {
  if (config.cache.store === 'redis' && config.store.redis === undefined) {
    throw new ConfigError([
      `${where}cache.store: redis needs store.redis, the Redis the gateways share answers through (redis://host:6379), or REDIS_URL set`,
    ]);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export interface LoadOptions {
  env?: Env;
  flags?: ConfigFlags;
  cwd?: string;
  /** A config tree instead of a file (tests, embedding). */
  tree?: Tree;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const file = options.tree ? undefined : locateFile(flags, env, options.cwd ?? process.cwd());
  const fromFile = options.tree ? expandTree(options.tree, env) : file ? readFile(file, env) : {};
  const { overlay, budgetUsd } = envOverlay(env);
  const tree = merge(merge(fromFile, overlay), flagOverlay(flags)) as Tree;
  const budget = flags.budget ?? budgetUsd;
  if (budget !== undefined) withDailyBudget(tree, budget);
  const implicit = applyPresets(tree, env);

  const where = file ? `${file}: ` : '';
  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.flatMap((issue) => {
        if (issue.code === 'unrecognized_keys') {
          return issue.keys.map((key) => `${where}${formatPath([...issue.path, key])}: unknown key`);
        }
        return `${where}${formatPath(issue.path)}: ${issue.message}`;
      }),
    );
  }
  const config = parsed.data;
  checkReferences(config, where);
  checkStores(config, where);
  const upstreams: Record<string, ResolvedUpstream> = {};
  for (const [name, u] of Object.entries(config.upstreams)) {
    const timeout = u.timeout ?? config.server.request_timeout;
    upstreams[name] = {
      ...u,
      keys: u.keys.map((k) => k.key),
      key_scopes: u.keys.map((k) => ({
        organization: k.organization ?? u.organization,
        project: k.project ?? u.project,
      })),
      name,
      timeout,
      idle_timeout: u.idle_timeout ?? timeout,
      passthrough: u.keys.length === 0,
      implicit: implicit.has(name),
      prefill: u.prefill ?? dialects[u.dialect].prefill,
    };
  }
  return deepFreeze({ ...config, upstreams, ...(file ? { source: file } : {}) });
}
