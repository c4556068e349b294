// A deterministic corpus of agent requests in both dialects, one per kind of tool output: JSON API
// results, scored search results, logs with a few errors, a time series with an incident, a file
// listing, a repeated tool call, prose and code. Each case names the strings that must survive
// (error items) and the texts that must not change (user words, prose, code).

export type Dialect = 'openai' | 'anthropic';

export interface AgentCase {
  category: string;
  dialect: Dialect;
  body: Record<string, unknown>;
  /** Unique strings of the error items: each must still be in the optimized request. */
  errorMarkers: string[];
  /** Texts that must reach the model byte for byte. */
  untouched: string[];
}

/** mulberry32: a small seeded generator, so every run builds the same corpus. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Output {
  text: string;
  errorMarkers: string[];
  request: string;
}

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1'];
const WORDS =
  'the service handles checkout traffic for the storefront and keeps a small queue of pending orders while the ledger settles payments'.split(
    ' ',
  );

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const clock = (i: number) =>
  `2025-03-14T${pad(8 + Math.floor(i / 3600))}:${pad(Math.floor(i / 60) % 60)}:${pad(i % 60)}Z`;

function apiResults(random: () => number, n: number): Output {
  const errorMarkers: string[] = [];
  const items = Array.from({ length: n }, (_, i) => {
    const failed = i % 97 === 41;
    const id = `ord-${100000 + i}`;
    if (failed) errorMarkers.push(id);
    return {
      id,
      customer_id: 90000000000000000 + i * 7,
      status: failed ? 'failed' : pick(random, ['paid', 'shipped', 'delivered']),
      amount_cents: 1000 + Math.floor(random() * 9000),
      currency: 'EUR',
      region: pick(random, REGIONS),
      created_at: clock(i),
      error: failed ? { code: 'card_declined', message: 'payment failed: card declined' } : null,
    };
  });
  return {
    text: JSON.stringify(items, null, 2),
    errorMarkers,
    request: 'Which orders failed today and why?',
  };
}

function searchResults(random: () => number, n: number): Output {
  const results = Array.from({ length: n }, (_, i) => ({
    rank: i + 1,
    score: Number((1 - i / (n * 1.1) + random() * 0.01).toFixed(4)),
    url: `https://docs.example.com/guide/${pick(random, ['queues', 'limits', 'keys', 'billing'])}/${i}`,
    title: `${pick(random, ['Configuring', 'Tuning', 'Understanding', 'Monitoring'])} ${pick(random, ['rate limits', 'key pools', 'retry budgets', 'webhooks'])} part ${i}`,
    snippet: Array.from({ length: 18 }, () => pick(random, WORDS)).join(' '),
  }));
  return {
    text: JSON.stringify({ query: 'webhooks retry', total: n * 40, results }),
    errorMarkers: [],
    request: 'Find the docs about webhooks retry budgets.',
  };
}

function logs(random: () => number, n: number): Output {
  const errorMarkers: string[] = [];
  const lines = Array.from({ length: n }, (_, i) => {
    const bad = i % 151 === 77;
    const requestId = `req-${pad(i, 6)}`;
    if (bad) errorMarkers.push(requestId);
    return {
      ts: clock(i),
      level: bad ? 'ERROR' : pick(random, ['INFO', 'INFO', 'DEBUG']),
      service: pick(random, ['api', 'worker', 'scheduler']),
      request_id: requestId,
      msg: bad
        ? 'upstream refused connection to db-primary:5432'
        : `handled ${pick(random, ['GET', 'POST'])} /v1/items`,
      duration_ms: Math.floor(5 + random() * 40),
    };
  });
  return { text: JSON.stringify(lines), errorMarkers, request: 'Look at the worker logs: anything wrong?' };
}

function timeSeries(random: () => number, n: number): Output {
  const start = Math.floor(n * 0.6);
  const points = Array.from({ length: n }, (_, i) => {
    const incident = i >= start && i < start + 12;
    return {
      timestamp: clock(i * 10),
      p99_latency_ms: Math.round((incident ? 2400 : 180) + random() * 30),
      rps: Math.round(850 + random() * 40),
      cpu: Number((0.42 + random() * 0.05).toFixed(3)),
    };
  });
  return { text: JSON.stringify(points, null, 1), errorMarkers: [], request: 'When did latency spike?' };
}

function fileListing(random: () => number, n: number): Output {
  const files = Array.from({ length: n }, (_, i) => ({
    path: `src/${pick(random, ['server', 'limits', 'cache', 'routing'])}/${pick(random, ['queue', 'pool', 'store', 'table'])}-${i}.ts`,
    size: 800 + Math.floor(random() * 9000),
    mode: '0644',
    modified: clock(i * 37),
  }));
  return {
    text: JSON.stringify(files, null, 2),
    errorMarkers: [],
    request: 'Where is the cache store implemented?',
  };
}

function prose(random: () => number, n: number): Output {
  const paragraphs = Array.from({ length: Math.max(1, Math.floor(n / 6)) }, () =>
    Array.from({ length: 60 }, () => pick(random, WORDS)).join(' '),
  );
  return { text: paragraphs.join('\n\n'), errorMarkers: [], request: 'Summarize the design notes.' };
}

function code(random: () => number, n: number): Output {
  const fns = Array.from(
    { length: Math.max(1, Math.floor(n / 4)) },
    (_, i) =>
      `export function step${i}(input: number[]): number {\n  let total = 0;\n  for (const value of input) {\n    if (value > ${Math.floor(random() * 100)}) total += value;\n  }\n  return total;\n}\n`,
  );
  return { text: fns.join('\n'), errorMarkers: [], request: 'Explain what src/steps.ts computes.' };
}

const SYSTEM = 'You are a coding agent. Use the tools to inspect the system before answering.';

function openaiBody(out: Output, repeat: boolean): Record<string, unknown> {
  const call = (id: string) => ({
    id,
    type: 'function',
    function: { name: 'run_tool', arguments: '{"q":"x"}' },
  });
  const messages: unknown[] = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: out.request },
    { role: 'assistant', content: 'Let me look.', tool_calls: [call('call_1')] },
  ];
  if (repeat) {
    messages.push({ role: 'tool', tool_call_id: 'call_1', content: out.text });
    messages.push({ role: 'assistant', content: 'Checking again.', tool_calls: [call('call_2')] });
    messages.push({ role: 'tool', tool_call_id: 'call_2', content: out.text });
  } else {
    messages.push({ role: 'tool', tool_call_id: 'call_1', content: out.text });
  }
  return { model: 'gpt-4o', messages };
}

function anthropicBody(out: Output, repeat: boolean): Record<string, unknown> {
  const use = (id: string) => ({ type: 'tool_use', id, name: 'run_tool', input: { q: 'x' } });
  const result = (id: string) => ({
    type: 'tool_result',
    tool_use_id: id,
    content: [{ type: 'text', text: out.text }],
  });
  const messages: unknown[] = [
    { role: 'user', content: out.request },
    { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, use('toolu_1')] },
  ];
  if (repeat) {
    messages.push({ role: 'user', content: [result('toolu_1')] });
    messages.push({
      role: 'assistant',
      content: [{ type: 'text', text: 'Checking again.' }, use('toolu_2')],
    });
    messages.push({ role: 'user', content: [result('toolu_2')] });
  } else {
    messages.push({ role: 'user', content: [result('toolu_1')] });
  }
  return { model: 'claude-sonnet-4-5', max_tokens: 1024, system: SYSTEM, messages };
}

type Generator = (random: () => number, n: number) => Output;

/** Category, generator, items per ~1k estimated tokens, and whether the output's text must stay as it is. */
const CATEGORIES: [string, Generator, number, boolean][] = [
  ['api-results', apiResults, 17, false],
  ['search-results', searchResults, 16, false],
  ['logs', logs, 29, false],
  ['time-series', timeSeries, 40, false],
  ['file-listing', fileListing, 32, false],
  ['repeated-call', logs, 15, false],
  ['prose', prose, 63, true],
  ['code', code, 100, true],
];

export const CATEGORY_NAMES = CATEGORIES.map(([name]) => name);

/** The corpus at about `kiloTokens` thousand tokens of tool output per request, in both dialects. */
export function createAgentCorpus(seed: number, kiloTokens: number): AgentCase[] {
  const random = createRandom(seed);
  const cases: AgentCase[] = [];
  for (const [category, generate, perK, keepText] of CATEGORIES) {
    const out = generate(random, Math.max(12, Math.round(perK * kiloTokens)));
    const repeat = category === 'repeated-call';
    const untouched = keepText ? [out.request, out.text] : [out.request];
    for (const dialect of ['openai', 'anthropic'] as const) {
      const body = dialect === 'openai' ? openaiBody(out, repeat) : anthropicBody(out, repeat);
      cases.push({ category, dialect, body, errorMarkers: out.errorMarkers, untouched });
    }
  }
  return cases;
}
