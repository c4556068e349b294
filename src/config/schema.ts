// The one config schema: every section of the file, its defaults, and the types derived from it.
import proxyaddr from '@fastify/proxy-addr';
import { z } from 'zod';
import { configuredKeyDigestHex } from '../clients/key-digest.ts';
import { prefillStyles } from '../dialects/prefill.ts';
import { dialectNames } from '../dialects/registry.ts';
import { DURATION_HINT, parseDuration, parseRate, parseSize, RATE_HINT, SIZE_HINT } from './units.ts';

function unit<T>(parse: (v: string | number) => T | undefined, hint: string) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const parsed = parse(value);
    if (parsed === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message: `invalid value ${JSON.stringify(value)}: ${hint}`,
      });
      return z.NEVER;
    }
    return parsed;
  });
}

/** `${VAR}` always expands to a string: numbers and booleans written that way are read as such. */
function numeric<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v),
    schema,
  );
}
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

const duration = unit(parseDuration, DURATION_HINT);
const size = unit(parseSize, SIZE_HINT);
const rate = unit(parseRate, RATE_HINT);
const count = numeric(z.number().int().positive());

/** USD per million tokens: input, output, cached input (reads) and cache writes. */
const perMillion = numeric(z.number().min(0));
const modelPriceSchema = z.strictObject({
  input: perMillion,
  output: perMillion,
  cached_input: perMillion.optional(),
  cache_write: perMillion.optional(),
});

/** What a key may act for at the provider (OpenAI's organization and project): the key's, never a client's. */
const keyScope = { organization: z.string().min(1).optional(), project: z.string().min(1).optional() };

/** One key, as a string or with its own scope. */
const keyEntry = z.union([z.string(), z.strictObject({ key: z.string(), ...keyScope })]);

/** A list, or one comma-separated string (how pools arrive from env vars). */
const keyList = z
  .union([z.string(), z.array(keyEntry)])
  .transform((v) =>
    (Array.isArray(v) ? v : v.split(','))
      .map((k) => (typeof k === 'string' ? { key: k.trim() } : { ...k, key: k.key.trim() }))
      .filter((k) => k.key.length > 0),
  );

const httpUrl = z.string().refine((v) => /^https?:\/\/[^\s/]+/.test(v) && URL.canParse(v), {
  message: 'must be an http:// or https:// URL',
});

/** Per-key limits of an LLM upstream, or the pace of a REST upstream. */
const limitsSchema = z.strictObject({
  rpm: count.optional(),
  rpd: count.optional(),
  tpm: count.optional(),
  tpd: count.optional(),
  /** Anthropic-style separate input / output token limits per minute. */
  itpm: count.optional(),
  otpm: count.optional(),
  /** REST: a leaky bucket, `rate` with up to `burst` at once. */
  rate: rate.optional(),
  burst: count.optional(),
  max_concurrent: count.optional(),
});

export const upstreamSchema = z.strictObject({
  url: httpUrl,
  dialect: z.enum(dialectNames).prefault('openai'),
  keys: keyList.prefault([]),
  /** Sent with every key of this upstream that does not name its own (`OpenAI-Organization`, `-Project`). */
  ...keyScope,
  balance: z.enum(['round_robin', 'least_loaded', 'most_remaining']).prefault('most_remaining'),
  limits: limitsSchema.prefault({}),
  rate_limits: z
    .strictObject({
      use_headers: flag.prefault(true),
      header_fallback: flag.prefault(true),
      header_timeout: duration.prefault('5s'),
      reset_buffer: duration.prefault('100ms'),
    })
    .prefault({}),
  queue: z.strictObject({ max_size: count.prefault(1000), timeout: duration.prefault('60s') }).prefault({}),
  /** Failures (connection, timeout, 5xx) sent again on another key; 429s are bounded by the queue deadline. */
  retries: z
    .strictObject({
      max: numeric(z.number().int().min(0).max(10)).prefault(2),
      /** Once every key failed a request: wait this (doubling, with jitter) before the next round. */
      backoff: duration.prefault('500ms'),
      max_backoff: duration.prefault('10s'),
    })
    .prefault({}),
  /** Per key, and per upstream (every key failing in a row): stop sending to what keeps failing. */
  breaker: z
    .strictObject({
      failures: count.prefault(3),
      failure_ratio: numeric(z.number().gt(0).max(1)).prefault(0.5),
      min_requests: count.prefault(10),
      cooldown: duration.prefault('5s'),
      max_cooldown: duration.prefault('5m'),
      /** While a fallback serves the route, the longest an open breaker waits before its next probe. */
      probe_interval: duration.prefault('15s'),
    })
    .prefault({}),
  /** Time to the response head; defaults to `server.request_timeout`. */
  timeout: duration.optional(),
  /** Longest wait from sending to the first content (a stream's first event, or the body); unset: none. */
  first_token_timeout: duration.optional(),
  connect_timeout: duration.prefault('10s'),
  /** Longest silence between two body chunks; defaults to `timeout`. */
  idle_timeout: duration.optional(),
  /** Keep-alive connections per upstream origin. */
  max_connections: count.prefault(256),
  /** How it continues a trailing assistant message (stream rescue); default: its dialect's. */
  prefill: z.enum(prefillStyles).optional(),
  /** Output-token bound assumed when a request gives none (for reservations). */
  default_max_tokens: count.prefault(4096),
});

const fallbackSchema = z.strictObject({
  upstream: z.string(),
  model: z.string().optional(),
  /** Overrides the upstream's `prefill` for this model (one server may host models that differ). */
  prefill: z.enum(prefillStyles).optional(),
});

const modelRouteSchema = z.strictObject({
  match: z.string().min(1),
  upstream: z.string(),
  model: z.string().optional(),
  fallbacks: z.array(fallbackSchema).prefault([]),
  /** Share of the queue deadline the primary may take to admit a request before a fallback serves it. */
  fallback_after: numeric(z.number().gt(0).max(1)).prefault(0.5),
  stream_rescue: flag.prefault(false),
  /** Overrides the upstreams' `first_token_timeout` for requests on this route. */
  first_token_timeout: duration.optional(),
});

const hostPattern = z
  .string()
  .regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, {
    message: 'must be a host name like api.github.com or *.example.com (no scheme, port or path)',
  })
  .transform((v) => v.toLowerCase());

const hostRouteSchema = z.strictObject({
  match: hostPattern,
  upstream: z.string().optional(),
  limits: z.strictObject({ rate: rate.optional(), burst: count.optional() }).optional(),
});

const clientLimits = z.strictObject({
  /** Requests per minute, a token bucket refilling rpm/60 a second. */
  rpm: count.optional(),
  /** Requests at once before the bucket is empty; default: rpm. */
  burst: count.optional(),
  /** Tokens per minute (input estimate plus output bound, settled to real usage). */
  tpm: count.optional(),
});

/** `api_key` (a hash of the client's credential), `ip`, or `header:<name>` (a header a platform in front sets). */
const identifyBy = z.union([
  z.enum(['api_key', 'ip']),
  z
    .string()
    .regex(/^header:[A-Za-z0-9-]+$/, { message: 'must be api_key, ip or header:<name>' })
    .transform((v) => v.toLowerCase() as `header:${string}`),
]);

const budgetSchema = z.strictObject({
  scope: z.enum(['global', 'client', 'upstream', 'model']).prefault('global'),
  /** The client, upstream or model it caps; none: each one separately (the global scope has none). */
  name: z.string().min(1).optional(),
  period: z.enum(['hourly', 'daily', 'weekly', 'monthly']).prefault('daily'),
  limit_usd: numeric(z.number().positive()),
  /** Let requests for models with no known price through (their cost is not counted). */
  allow_unknown: flag.prefault(false),
});

/** Two virtual keys with one name would share one client's limits; one key twice is a paste error. */
function uniqueKeys(keys: ReadonlyArray<{ name: string; key: string }>, ctx: z.RefinementCtx): void {
  const names = new Set<string>();
  const digests = new Set<string>();
  keys.forEach((k, i) => {
    if (names.has(k.name))
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${k.name}" is used twice` });
    // The same key in clear and as its sha256: form is the same key.
    const digest = configuredKeyDigestHex(k.key);
    if (digests.has(digest))
      ctx.addIssue({ code: 'custom', path: [i, 'key'], message: 'this key is given twice' });
    names.add(k.name);
    digests.add(digest);
  });
}

function isTrustList(list: string): boolean {
  try {
    proxyaddr.compile(
      list
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    );
    return true;
  } catch {
    return false;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).prefault('127.0.0.1'),
      port: numeric(z.number().int().min(0).max(65535)).prefault(8787),
      admin_token: z.string().min(1).optional(),
      max_body: size.prefault('10mb'),
      request_timeout: duration.prefault('600s'),
      /** true (any proxy), or a comma list of addresses, CIDRs, `loopback`, `linklocal`, `uniquelocal`. */
      trust_proxy: z
        .union([
          z.boolean(),
          z.string().refine(isTrustList, {
            message:
              'must be true, false, or a comma list of addresses, CIDRs, loopback, linklocal, uniquelocal',
          }),
        ])
        .prefault(false),
      /** More names this gateway is reached by (besides loopback, IPs and single-label names). */
      hostnames: z.array(z.string().transform((v) => v.toLowerCase())).prefault([]),
      /** Web origins whose pages may call the gateway from a browser (`*`: any). */
      allowed_origins: z.array(z.string()).prefault([]),
      /** Open client connections at most; beyond it new ones are refused. */
      max_connections: count.prefault(10_000),
      /** How long in-flight requests may take to finish on shutdown. */
      shutdown_grace: duration.prefault('10s'),
      /** Longest a client may take to send its request head. */
      headers_timeout: duration.prefault('30s'),
      /** Longest a client may take to send its whole request, body included. */
      body_timeout: duration.prefault('300s'),
      /** Longest silence between two chunks of a request body. */
      body_idle_timeout: duration.prefault('30s'),
      /** How long an idle client connection is kept open. */
      keep_alive_timeout: duration.prefault('65s'),
      /** Honour clients' `x-cooldown-priority`; default: only when listening on loopback (one user). */
      client_priority: flag.optional(),
    })
    .prefault({}),
  upstreams: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), upstreamSchema).prefault({}),
  routes: z
    .strictObject({
      models: z.array(modelRouteSchema).prefault([]),
      hosts: z.array(hostRouteSchema).prefault([]),
      /** Upstream for `/v1/*` requests that carry no model (`GET /v1/models`, files, ...). */
      default: z.string().optional(),
    })
    .prefault({}),
  clients: z
    .strictObject({
      identify_by: identifyBy.prefault('api_key'),
      limits: clientLimits.prefault({}),
      /** Limits of particular clients: `match` is an IP, a header's value, or `sha256:<hex>` of an API key. */
      overrides: z.array(z.strictObject({ match: z.string().min(1), limits: clientLimits })).prefault([]),
      /** Clients whose limit state is held at once; the least recently seen are forgotten first. */
      max_tracked: count.prefault(100_000),
      keys: z
        .array(
          z.strictObject({
            name: z.string().min(1),
            key: z.string().min(1),
            limits: clientLimits.optional(),
            budget: numeric(z.number().positive()).optional(),
          }),
        )
        .superRefine(uniqueKeys)
        .prefault([]),
    })
    .prefault({}),
  cache: z
    .strictObject({
      enabled: flag.prefault(true),
      ttl: duration.prefault('5m'),
      /** All cached answers together, in MB (their bytes as kept). */
      max_size_mb: numeric(z.number().positive()).prefault(100),
      /** One answer at most, in MB: a larger one is not kept. */
      max_entry_mb: numeric(z.number().positive()).prefault(8),
      max_entries: count.prefault(10_000),
      /** Answer statuses that are kept. */
      statuses: z.array(z.number().int().min(200).max(599)).min(1).prefault([200]),
      store: z.enum(['memory', 'sqlite', 'redis']).prefault('memory'),
      /** With `store: redis`: the longest a miss waits for an identical one another process sends. */
      coalesce_wait: duration.prefault('30s'),
      semantic: z
        .strictObject({
          enabled: flag.prefault(false),
          /** Cosine similarity from which a cached answer to a paraphrase is served. */
          threshold: numeric(z.number().min(0).max(1)).prefault(0.95),
          /** Only log would-be hits with their similarity; serve nothing. */
          shadow: flag.prefault(false),
          /** The upstream whose embeddings model embeds the requests (default: the OpenAI default). */
          upstream: z.string().min(1).optional(),
          model: z.string().min(1).prefault('text-embedding-3-small'),
          /** Requests remembered by meaning at most (the oldest are forgotten first). */
          max_entries: count.prefault(10_000),
          /** Also requests that sample (temperature not 0): their answers vary by design. */
          any_temperature: flag.prefault(false),
          /** The longest an embedding may take before the request goes on without one. */
          timeout: duration.prefault('5s'),
        })
        .prefault({}),
    })
    .prefault({}),
  budgets: z.array(budgetSchema).prefault([]),
  /** The IANA time zone budget periods follow (a day starts at its midnight). */
  budgets_timezone: z
    .string()
    .min(1)
    .refine(isTimeZone, { message: 'must be an IANA time zone such as UTC or Europe/Berlin' })
    .prefault('UTC'),
  /** Prices per million tokens by model name, over (or beside) the bundled price dataset. */
  pricing: z.record(z.string().min(1).max(256), modelPriceSchema).prefault({}),
  optimize: z
    .strictObject({
      enabled: flag.prefault(true),
      /** Big JSON arrays in tool output keep a representative subset of their items (lossy). */
      crush_json: flag.prefault(true),
      /** Pretty JSON minified, trailing spaces and runs of blank lines collapsed (lossless). */
      compact: flag.prefault(true),
      /** A tool output identical to an earlier one becomes a reference to it. */
      dedupe: flag.prefault(true),
      /** Anthropic: cache_control breakpoints on a long stable prefix, when the client set none. */
      prompt_cache: flag.prefault(false),
      /** `newest`: lossy changes only to the newest turn's tool outputs (the provider's prefix cache keeps hitting); `all`. */
      lossy_scope: z.enum(['newest', 'all']).prefault('newest'),
      /** A tool output under this many tokens is not crushed. */
      min_tokens: count.prefault(500),
      /** Items kept from one array at most (items with errors are kept beyond it). */
      max_items: count.prefault(40),
    })
    .prefault({}),
  /** Egress shaping as a whole (`--no-rate-limit` turns it off). */
  rate_limit: z.strictObject({ enabled: flag.prefault(true) }).prefault({}),
  store: z
    .strictObject({
      /** The SQLite file of spend and counters; `:memory:` keeps nothing across a restart. */
      sqlite: z.string().min(1).prefault('./.cooldown/state.db'),
      /** The Redis that gateways share state through: `redis://[user:password@]host[:port][/db]`, `rediss://` for TLS. */
      redis: z
        .string()
        .refine((v) => /^rediss?:\/\/[^\s/]+/.test(v) && URL.canParse(v), {
          message: 'must be a redis:// or rediss:// URL (redis://host:6379)',
        })
        .optional(),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).prefault('info'),
      file: z.string().optional(),
      /** One line per request at info level. */
      requests: flag.prefault(true),
    })
    .prefault({}),
  outbound_proxy: httpUrl.optional(),
});

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type UpstreamConfig = ParsedConfig['upstreams'][string];
export type ModelRouteConfig = ParsedConfig['routes']['models'][number];
export type HostRouteConfig = ParsedConfig['routes']['hosts'][number];
export type LimitsConfig = UpstreamConfig['limits'];
export type ClientLimitsConfig = z.output<typeof clientLimits>;
export type BudgetConfig = ParsedConfig['budgets'][number];
export type ClientsConfig = ParsedConfig['clients'];
