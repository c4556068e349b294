// The dashboard's Spend, Clients and Cache sections in headless Chromium: a real gateway with prices, a
// global and a per-client budget and client limits, in front of a real mock; real traffic from named
// clients, and assertions on the budget rows, the clients table and the cache counts the page renders.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { formatUsd } from '../../src/dashboard/format.js';
import { launchBrowser } from '../support/browser.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const SPEND_KEY = 'sk-dash-spend-key-dddddddddddddddddd0004';
const HOSTILE_CLIENT = '<img src=x onerror="window.__hacked = 3">';

function send(gw: TestGateway, user: string): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': user },
    body: JSON.stringify({
      model: 'house-model',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hello' }],
    }),
  }).then(async (res) => {
    await res.arrayBuffer();
    return res;
  });
}

/** What the gateway says a request cost (its `x-cooldown-cost-usd`), or NaN when it says nothing. */
const pricedChat = (gw: TestGateway, user: string) =>
  send(gw, user).then((res) => Number(res.headers.get('x-cooldown-cost-usd') ?? Number.NaN));

let browser: Browser;

before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

describe('the dashboard, with budgets and client limits', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    mock = await startMockUpstream({ keys: [SPEND_KEY] });
    gw = await startGateway({
      upstreams: { openai: { url: mock.url, keys: [SPEND_KEY] } },
      routes: { models: [{ match: '*', upstream: 'openai' }] },
      // USD per million tokens: a cent a request or so, so the budget moves visibly.
      pricing: { 'house-model': { input: 1000, output: 1000 } },
      budgets: [
        { scope: 'global', period: 'daily', limit_usd: 5 },
        { scope: 'client', period: 'daily', limit_usd: 1 },
      ],
      // The client's label is the header's value, as a platform in front would set it; a slow
      // refill, so what the bucket has left still shows the requests sent.
      clients: { identify_by: 'header:x-user-id', limits: { rpm: 1, burst: 100 } },
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(`${gw.url}/dashboard`);
  });
  after(async () => {
    await page?.close();
    await gw?.close();
    await mock?.close();
  });

  test('the global budget shows what the traffic cost against its limit, and each client its own row', async () => {
    const costs = await Promise.all(Array.from({ length: 3 }, () => pricedChat(gw, 'alice')));
    for (const cost of costs) assert.ok(cost > 0, `cost ${cost}`);
    // Rounded to a millionth, as the budget report rounds it: the same number, so the same text.
    const spent = formatUsd(Math.round(costs.reduce((a, b) => a + b, 0) * 1e6) / 1e6);

    const global = page.locator('#later-spend .budget', { hasText: /^global/ });
    await global.locator('.budget-amount', { hasText: `${spent} of $5.00` }).waitFor();
    assert.match((await global.locator('.budget-period').textContent()) ?? '', /^daily \d{4}-\d{2}-\d{2}$/);
    assert.match((await global.locator('.budget-reset').textContent()) ?? '', /^resets in \d/);
    assert.equal(await global.getAttribute('class'), 'budget', 'not marked spent');
    const style = (await global.locator('.spend-fill').getAttribute('style')) ?? '';
    const width = Number(/width:\s*([\d.]+)%/.exec(style)?.[1]);
    assert.ok(width > 0 && width < 100, `bar at ${style}`);

    const total = (await page.locator('#spend-total dd').textContent()) ?? '';
    assert.match(total, /^\$\d+\.\d+$/);
    assert.notEqual(total, '$0.00');
    assert.equal(await page.locator('#spend-unpriced').count(), 0, 'every request was priced');

    const alice = page.locator('#later-spend .budget', { hasText: 'client alice (each)' });
    await alice.locator('.budget-amount', { hasText: `${spent} of $1.00` }).waitFor();
  });

  test('the clients table lists the client, its counts and what its limit has left', async () => {
    const summary = page.locator('#clients .clients-summary');
    await summary.waitFor();
    assert.match((await summary.textContent()) ?? '', /told apart by\s*header x-user-id/);
    assert.match((await summary.textContent()) ?? '', /client limits\s*on/);
    assert.match((await summary.textContent()) ?? '', /default limits\s*1 rpm \(burst 100\)/);

    const row = page.locator('#clients tbody tr', { hasText: 'alice' });
    await row.locator('td', { hasText: /^3$/ }).first().waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], 'alice');
    assert.deepEqual(cells.slice(1, 4), ['3', '0', '0'], cells.join(' | '));
    assert.equal(cells[4], '97 of 100', cells.join(' | '));
    assert.equal(cells[5], '–', 'no token limit');
    assert.match(cells[6] ?? '', /just now|s ago/);
  });

  test('a client label from a header is shown as text, in the table and in its budget row', async () => {
    assert.equal((await send(gw, HOSTILE_CLIENT)).status, 200);
    const cell = page.locator('#clients td.client', { hasText: '<img' }).first();
    await cell.waitFor();
    assert.equal(await cell.textContent(), HOSTILE_CLIENT);
    const subject = page.locator('#later-spend .budget-subject', { hasText: '<img' }).first();
    await subject.waitFor();
    assert.equal(await subject.textContent(), `client ${HOSTILE_CLIENT} (each)`);
    assert.equal(await page.evaluate('window.__hacked'), undefined);
    assert.equal(await page.evaluate('document.querySelectorAll("#clients img, #later img").length'), 0);
  });

  test('budget rows and the clients table fit a narrow screen; no script failed', async () => {
    const narrow = await browser.newPage({ viewport: { width: 420, height: 900 } });
    try {
      await narrow.goto(`${gw.url}/dashboard`);
      await narrow.locator('#later-spend .budget').first().waitFor();
      await narrow.locator('#clients tbody tr').first().waitFor();
      const overflow = await narrow.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(Number(overflow) <= 0, `${overflow}px wider than the screen`);
    } finally {
      await narrow.close();
    }
    assert.deepEqual(problems, []);
  });
});

describe('the dashboard, with the response cache on', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let page: Page;

  before(async () => {
    mock = await startMockUpstream({ keys: [SPEND_KEY] });
    gw = await startGateway({
      upstreams: { openai: { url: mock.url, keys: [SPEND_KEY] } },
      routes: { models: [{ match: '*', upstream: 'openai' }] },
      pricing: { 'house-model': { input: 1000, output: 1000 } },
      cache: { enabled: true, ttl: '10m' },
    });
    page = await browser.newPage();
    await page.goto(`${gw.url}/dashboard`);
  });
  after(async () => {
    await page?.close();
    await gw?.close();
    await mock?.close();
  });

  test('the cache section counts the hits and misses, what it holds and what the hits saved', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await send(gw, 'carol')).headers.get('x-cache'));
    assert.deepEqual(answers, ['MISS', 'HIT', 'HIT']);
    const section = page.locator('#later-cache');
    await section.locator('#cache-hits dd', { hasText: /^2$/ }).waitFor();
    await section.locator('#cache-misses dd', { hasText: /^1$/ }).waitFor();
    await section.locator('#cache-entries dd', { hasText: /^1$/ }).waitFor();
    await section.locator('#cache-ttl dd', { hasText: '600 s' }).waitFor();
    const ratio = await section.locator('#cache-hit-ratio dd').textContent();
    assert.match(ratio ?? '', /^66\.7%$|^67%$/);
    const saved = await section.locator('#cache-saved-usd dd').textContent();
    assert.ok(Number((saved ?? '').replace('$', '')) > 0, `saved ${saved}`);
    assert.equal(mock.received.length, 1);
  });
});
