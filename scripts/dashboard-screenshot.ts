// Regenerates docs/dashboard.png: a real gateway in front of mock upstreams with hidden limits, a
// minute of mixed traffic from three clients under budgets (a burst that has to wait, 429s the
// upstream sends anyway, a refusal), then a photograph of the dashboard at 1280 px. Run: npm run dashboard:screenshot [-- FILE]
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchBrowser } from '../test/support/browser.ts';
import { startGateway, type TestGateway } from '../test/support/gateway.ts';
import { startMockUpstream } from '../test/support/mock-upstream.ts';

const OUT = resolve(process.argv[2] ?? 'docs/dashboard.png');
const SECONDS = Number(process.env.SCREENSHOT_SECONDS ?? 60);
const OPENAI_KEYS = [
  'sk-proj-docs-example-key-aaaaaaaaaaaa7f3a',
  'sk-proj-docs-example-key-bbbbbbbbbbbb91c4',
];
const ANTHROPIC_KEY = 'sk-ant-api03-docs-example-key-cccccccc52de';

/** The teams of a platform in front, which names each caller in `x-user-id`. */
const USERS = ['search-team', 'support-bot', 'nightly-evals'];
let sent = 0;

function send(gw: TestGateway, path: string, body: unknown): Promise<void> {
  const user = USERS[sent++ % USERS.length]!;
  return fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-user-id': user },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }).then((res) => res.arrayBuffer().then(() => undefined));
}

const chat = (gw: TestGateway, model: string) =>
  send(gw, '/v1/chat/completions', {
    model,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Summarise the release notes in three bullet points.' }],
  });
const message = (gw: TestGateway) =>
  send(gw, '/v1/messages', {
    model: 'claude-sonnet-4-5',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Review this diff for race conditions.' }],
  });

// Hidden from the gateway: 24 requests and 6000 tokens per key per 15 s, learned from the headers.
const openaiMock = await startMockUpstream({
  keys: OPENAI_KEYS,
  limits: { requests: 24, tokens: 6000, windowMs: 15_000 },
  latencyMs: 180,
});
const anthropicMock = await startMockUpstream({
  keys: [ANTHROPIC_KEY],
  limits: { requests: 12, tokens: 12_000, inputTokens: 10_000, outputTokens: 2000, windowMs: 15_000 },
  latencyMs: 350,
});
const gw = await startGateway({
  upstreams: {
    openai: { url: openaiMock.url, keys: OPENAI_KEYS },
    anthropic: { url: anthropicMock.url, dialect: 'anthropic', keys: [ANTHROPIC_KEY] },
  },
  clients: { identify_by: 'header:x-user-id', limits: { rpm: 600, tpm: 200_000 } },
  // Small enough that a minute of these short requests fills the bars visibly.
  budgets: [
    { scope: 'global', period: 'daily', limit_usd: 0.05 },
    { scope: 'client', period: 'daily', limit_usd: 0.01 },
    { scope: 'model', name: 'claude-sonnet-4-5', period: 'monthly', limit_usd: 0.01 },
  ],
});
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  await page.goto(`${gw.url}/dashboard`);
  const inFlight: Promise<void>[] = [];
  for (let s = 0; s < SECONDS; s++) {
    // A steady 1-3 requests a second, and a burst of 8 a second the keys cannot take at once.
    const rate = s > SECONDS * 0.45 && s < SECONDS * 0.6 ? 8 : 1 + (s % 3);
    for (let i = 0; i < rate; i++) inFlight.push(chat(gw, i % 3 === 0 ? 'gpt-4o' : 'gpt-4o-mini'));
    if (s % 2 === 0) inFlight.push(message(gw));
    // The upstream answers 429 now and then although the budget said yes: retried, not passed on.
    if (s % 15 === 5)
      openaiMock.addFault({
        fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
        times: 2,
      });
    if (s % 20 === 10) inFlight.push(send(gw, '/v1/chat/completions', '{"model": "gpt-4o", '));
    await sleep(1000);
  }
  await page.locator('#recent tbody tr').first().waitFor();
  await sleep(1500);
  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`wrote ${OUT}`);
  await Promise.allSettled(inFlight);
} finally {
  await browser.close();
  await gw.close();
  await openaiMock.close();
  await anthropicMock.close();
}
