// bench/shaping: a burst against an upstream whose limits are hidden (reported only in headers),
// (a) straight from the official SDKs with their own retries, (b) through the gateway with static
// limits only, (c) through the gateway learning from headers. In the OpenAI, Anthropic and
// Cerebras header dialects, for a request-limited and a token-limited upstream.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { loadConfig } from '../src/config/load.ts';
import { runCallers } from '../src/demo/callers.ts';
import { createGateway } from '../src/gateway.ts';
import { silentLogOutput } from '../src/log/logger.ts';
import { estimateTokens } from '../src/mock/mock-content.ts';
import { type MockDialect, type MockLimits, startMockUpstream } from '../src/mock/mock-upstream.ts';

export interface ShapingOptions {
  requests: number;
  concurrency: number;
  windowMs: number;
}

type Mode = 'a: SDK direct' | 'b: static limits' | 'c: header limits';
const MODES: readonly Mode[] = ['a: SDK direct', 'b: static limits', 'c: header limits'];
const DIALECTS: readonly MockDialect[] = ['openai', 'anthropic', 'cerebras'];

const PROMPT = 'Summarize the plot of a short story about a lighthouse keeper in two sentences.';
const MAX_TOKENS = 100;
const KEY = 'sk-bench-shaping-key-0000000000000001';

interface Result {
  dialect: MockDialect;
  kind: 'requests' | 'tokens';
  mode: Mode;
  ok: number;
  failed: number;
  upstream429: number;
  upstreamCalls: number;
  ms: number;
  utilization: number;
}

/** What the hidden limits allow per window, and the same limit as a per-minute static config. */
function limitsFor(kind: 'requests' | 'tokens', windowMs: number) {
  const tokensPerRequest = estimateTokens(PROMPT.length) + MAX_TOKENS;
  if (kind === 'requests') {
    const perWindow = 20;
    return {
      mock: { requests: perWindow, windowMs } as MockLimits,
      perWindow,
      staticLimits: { rpm: (perWindow * 60_000) / windowMs },
    };
  }
  const tokens = 20 * tokensPerRequest;
  return {
    mock: { tokens, windowMs } as MockLimits,
    perWindow: Math.floor(tokens / tokensPerRequest),
    staticLimits: { tpm: (tokens * 60_000) / windowMs },
  };
}

async function runOne(
  dialect: MockDialect,
  kind: 'requests' | 'tokens',
  mode: Mode,
  o: ShapingOptions,
): Promise<Result> {
  const { mock: limits, perWindow, staticLimits } = limitsFor(kind, o.windowMs);
  const mock = await startMockUpstream({ dialect, limits });
  const anthropic = dialect === 'anthropic';
  let baseUrl = mock.url;
  let close = async () => {};
  if (mode !== 'a: SDK direct') {
    const name = anthropic ? 'anthropic' : 'openai';
    const upstream =
      mode === 'b: static limits'
        ? {
            url: mock.url,
            dialect,
            keys: [KEY],
            limits: staticLimits,
            rate_limits: { use_headers: false },
            queue: { max_size: 10_000, timeout: '10m' },
          }
        : { url: mock.url, dialect, keys: [KEY], queue: { max_size: 10_000, timeout: '10m' } };
    const config = loadConfig({
      tree: {
        server: { port: 0 },
        store: { sqlite: ':memory:' },
        cache: { enabled: false },
        upstreams: { [name]: upstream },
      },
      env: {},
    });
    const gateway = createGateway({ config, log: silentLogOutput(), env: {} });
    baseUrl = await gateway.listen();
    close = () => gateway.close();
  }
  const openai = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: KEY });
  const claude = new Anthropic({ baseURL: baseUrl, apiKey: KEY });
  const one = async () => {
    if (anthropic) {
      await claude.messages.create({
        model: 'claude-bench-model',
        max_tokens: MAX_TOKENS,
        messages: [{ role: 'user', content: PROMPT }],
      });
    } else {
      await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        max_tokens: MAX_TOKENS,
        messages: [{ role: 'user', content: PROMPT }],
      });
    }
  };
  const run = await runCallers(Array.from({ length: o.requests }), o.concurrency, one);
  const ok = run.outcomes.filter((r) => r.ok).length;
  const failed = run.outcomes.length - ok;
  // Until the last success: failures that give up late say nothing about the use of capacity.
  const ms = Math.max(0, ...run.outcomes.filter((r) => r.ok).map((r) => r.endedAt));
  const upstream429 = mock.received.filter((r) => r.status === 429).length;
  const upstreamCalls = mock.received.length;
  // Perfect use of the capacity: full windows back to back, the last batch sent as its window opens.
  const idealMs = (Math.ceil(o.requests / perWindow) - 1) * o.windowMs;
  await close();
  await mock.close();
  return {
    dialect,
    kind,
    mode,
    ok,
    failed,
    upstream429,
    upstreamCalls,
    ms,
    utilization: ok === o.requests ? idealMs / Math.max(ms, 1) : 0,
  };
}

export async function runShaping(o: ShapingOptions): Promise<void> {
  process.stdout.write(
    `${o.requests} requests from ${o.concurrency} concurrent clients; hidden limit: 20 requests (or 20 requests' tokens) per ${o.windowMs / 1000} s window, per key\n`,
  );
  process.stdout.write(
    'dialect    limit     mode               ok  failed  upstream 429s  upstream calls  time s  utilization\n',
  );
  // Each scenario has its own mock and gateway; they run side by side (the load is light).
  const all = await Promise.all(
    DIALECTS.flatMap((dialect) =>
      (['requests', 'tokens'] as const).flatMap((kind) =>
        MODES.map((mode) => runOne(dialect, kind, mode, o)),
      ),
    ),
  );
  for (const r of all) {
    // Upstream 429s per client request: above 100% means requests were refused more than once.
    const share = `${r.upstream429} (${((r.upstream429 / o.requests) * 100).toFixed(1)}%)`;
    process.stdout.write(
      `${r.dialect.padEnd(10)} ${r.kind.padEnd(9)} ${r.mode.padEnd(17)} ${String(r.ok).padStart(4)} ${String(r.failed).padStart(7)}  ${share.padStart(13)}  ${String(r.upstreamCalls).padStart(14)}  ${(r.ms / 1000).toFixed(1).padStart(6)}  ${r.utilization ? `${(r.utilization * 100).toFixed(0)}%` : '-'}\n`,
    );
  }
}
