// GET /dashboard as a person sees it, in headless Chromium: a real gateway in front of real mock
// upstreams with hidden limits, real traffic, and assertions on what the page renders. The page
// itself is open; the admin API behind it asks for the token, which never lands in a URL or the page.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { maskSecret } from '../../src/config/mask.ts';
import { launchBrowser } from '../support/browser.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const KEYS = ['sk-dash-upstream-key-aaaaaaaaaaaaaaaa0001', 'sk-dash-upstream-key-bbbbbbbbbbbbbbbb0002'];
const BACKUP_KEY = 'sk-dash-backup-key-cccccccccccccccccc0003';
const TOKEN = 'dashboard-admin-token-0001';
const HOSTILE_MODEL = '<script>window.__hacked = 1</script><img src=x onerror="window.__hacked = 2">';

function chat(gw: TestGateway, model: string): Promise<number> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hello' }] }),
  }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });
}

function config(primary: MockUpstream, backup: MockUpstream, server: Record<string, unknown> = {}) {
  return {
    server,
    upstreams: {
      openai: { url: primary.url, keys: KEYS },
      // One key, no retries, a breaker that opens at the first failure and stays open.
      backup: {
        url: backup.url,
        keys: [BACKUP_KEY],
        retries: { max: 0 },
        breaker: { failures: 1, cooldown: '10m', max_cooldown: '10m' },
      },
    },
    routes: {
      models: [
        { match: 'gpt-*', upstream: 'openai' },
        { match: 'backup-*', upstream: 'backup' },
      ],
    },
  };
}

/** Waits (polling the DOM, no fixed sleep) until an element matching `selector` has the text. */
async function waitForText(page: Page, selector: string, text: string | RegExp): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout: 20_000 });
}

const keyCard = (page: Page, key: string) => page.locator('article.key', { hasText: maskSecret(key) });

let browser: Browser;
let primary: MockUpstream;
let backup: MockUpstream;
const dir = mkdtempSync(join(tmpdir(), 'cooldown-dashboard-'));

before(async () => {
  // Three requests per key per two seconds, unannounced: the gateway learns it from the headers.
  primary = await startMockUpstream({ keys: KEYS, limits: { requests: 3, windowMs: 2000 }, latencyMs: 20 });
  backup = await startMockUpstream({ keys: [BACKUP_KEY] });
  backup.addFault({ fault: { kind: 'status', status: 500 } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await primary?.close();
  await backup?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard, with no admin token set', () => {
  let gw: TestGateway;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    gw = await startGateway(config(primary, backup));
    page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`${gw.url}/dashboard`);
  });
  after(async () => {
    await page?.close();
    await gw?.close();
  });

  test('shows totals, each key with its learned capacity and breaker, and the recent requests', async () => {
    const statuses = await Promise.all(Array.from({ length: 8 }, () => chat(gw, 'gpt-4o-mini')));
    assert.deepEqual(statuses, Array(8).fill(200));
    assert.equal(await chat(gw, 'backup-model'), 500);

    await waitForText(page, '#total-requests .tile-value', /^9$/);
    await waitForText(page, '#total-requests .tile-detail', '5xx 1');
    for (const key of KEYS) {
      const card = keyCard(page, key);
      // The limit the mock never announced, learned from its headers and labelled as such.
      await card.locator('.capacity', { hasText: /\d of 3 left/ }).waitFor();
      assert.match(
        (await card.locator('.capacity').first().textContent()) ?? '',
        /requests \/ minute.*learned/,
      );
      assert.match((await card.locator('header').textContent()) ?? '', /breaker closed/);
    }
    const backupCard = page.locator('article.upstream', { hasText: 'backup' });
    await backupCard.locator('.breaker-open').first().waitFor();
    assert.match(
      (await backupCard.locator('header').first().textContent()) ?? '',
      /breaker open · probe in \d/,
    );
    await waitForText(page, '#total-absorbed-429s .tile-value', /^[1-9]\d*$/);

    const row = page.locator('#recent tbody tr', { hasText: 'gpt-4o-mini' }).first();
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.ok(cells.includes('POST /v1/chat/completions'), cells.join(' | '));
    assert.ok(cells.includes('openai'), cells.join(' | '));
    assert.ok(cells.includes('200'), cells.join(' | '));
    assert.ok(
      cells.some((c) => KEYS.map(maskSecret).includes(c)),
      cells.join(' | '),
    );
    await waitForText(page, '#later-cache', 'Off');
    // Plain chat has no tool output to shrink: looked at, left as sent.
    await waitForText(page, '#later-saved', /requests changed\s*0 of [1-9]/);
    await waitForText(page, '#later-spend', 'No budgets configured');
    await waitForText(page, '#later-spend', /cost since start\s*\$\d/);
    // No key sent and none configured: each client is known by its address.
    await waitForText(page, '#clients td.client', '127.0.0.1');
    await waitForText(page, '#clients .clients-summary', /told apart by\s*API key/);
  });

  test('updates as traffic goes on, without a reload', async () => {
    await page.evaluate('window.__samePage = true');
    const before = Number(await page.locator('#total-requests .tile-value').textContent());
    const rowsBefore = await page.locator('#recent tbody tr').count();
    const statuses = await Promise.all(Array.from({ length: 3 }, () => chat(gw, 'gpt-4o')));
    assert.deepEqual(statuses, [200, 200, 200]);
    await waitForText(page, '#total-requests .tile-value', new RegExp(`^${before + 3}$`));
    await page
      .locator('#recent tbody tr')
      .nth(rowsBefore + 2)
      .waitFor();
    assert.equal(await page.evaluate('window.__samePage'), true);
    const requests = await Promise.all(
      KEYS.map((k) => keyCard(page, k).locator('.key-numbers').textContent()),
    );
    const sent = requests.map((text) => Number(/requests\s*(\d+)/.exec(text ?? '')?.[1]));
    assert.equal(sent[0]! + sent[1]!, primary.received.length, requests.join(' / '));
  });

  test('client-supplied text is shown as text, never run', async () => {
    assert.equal(await chat(gw, HOSTILE_MODEL), 404);
    const cell = page.locator('#recent td.model', { hasText: '<script>' }).first();
    await cell.waitFor();
    assert.equal(await cell.textContent(), HOSTILE_MODEL);
    assert.equal(await page.evaluate('window.__hacked'), undefined);
    assert.equal(await page.evaluate('document.scripts.length'), 1, 'only the page own module script');
    assert.equal(await page.evaluate('document.querySelectorAll("#recent img").length'), 0);
  });

  test('no upstream key appears anywhere in the page', async () => {
    await waitForText(page, '#upstreams', maskSecret(BACKUP_KEY));
    const html = await page.content();
    const text = String(await page.evaluate('document.body.innerText'));
    for (const key of [...KEYS, BACKUP_KEY]) {
      assert.ok(!html.includes(key), `${key} in the HTML`);
      assert.ok(!text.includes(key), `${key} in the text`);
      // Not even its middle: a mask shows the start and the end only.
      assert.ok(!html.includes(key.slice(8, -6)));
    }
    assert.ok(html.includes(maskSecret(KEYS[0]!)));
  });

  test('nothing was refused by the CSP and no script failed', () => {
    assert.deepEqual(problems, []);
  });

  test('fits a narrow screen without sideways scrolling, and can be photographed', async () => {
    const narrow = await browser.newPage({ viewport: { width: 420, height: 900 } });
    try {
      await narrow.goto(`${gw.url}/dashboard`);
      await waitForText(narrow, '#total-requests .tile-value', /^\d+$/);
      await narrow.locator('article.key').first().waitFor();
      const overflow = await narrow.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(Number(overflow) <= 0, `${overflow}px wider than the screen`);
    } finally {
      await narrow.close();
    }
    const file = join(dir, 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.deepEqual([...readFileSync(file).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  });
});

describe('the dashboard, with an admin token set', () => {
  let gw: TestGateway;

  before(async () => {
    gw = await startGateway(config(primary, backup, { admin_token: TOKEN }));
    assert.equal(await chat(gw, 'gpt-4o'), 200);
  });
  after(async () => {
    await gw?.close();
  });

  test('the page loads without it, asks for it, refuses a wrong one and shows data with the right one', async () => {
    const stats = await fetch(`${gw.url}/stats`);
    assert.equal(stats.status, 401);
    await stats.text();
    const page = await browser.newPage();
    try {
      const res = await page.goto(`${gw.url}/dashboard`);
      assert.equal(res?.status(), 200);
      const form = page.locator('#token-form');
      await form.waitFor({ state: 'visible' });
      assert.equal(await page.locator('#dashboard').isVisible(), false);
      assert.match((await page.locator('#token-message').textContent()) ?? '', /has an admin token/);

      await page.locator('#token-input').fill('not-the-token');
      await page.locator('#token-form button').click();
      await waitForText(page, '#token-message', 'That token was refused');
      await form.waitFor({ state: 'visible' });
      assert.equal(await page.evaluate('sessionStorage.length'), 0, 'a refused token is not kept');

      await page.locator('#token-input').fill(TOKEN);
      await page.locator('#token-input').press('Enter');
      await waitForText(page, '#total-requests .tile-value', /^1$/);
      assert.equal(await form.isVisible(), false);
      assert.ok(!page.url().includes(TOKEN), page.url());
      assert.ok(!(await page.content()).includes(TOKEN), 'the token is not in the page');
      assert.equal(
        await page.evaluate(`Object.values(sessionStorage).includes(${JSON.stringify(TOKEN)})`),
        true,
      );

      // The tab keeps it: a reload shows data without asking again.
      await page.reload();
      await waitForText(page, '#total-requests .tile-value', /^\d+$/);
      assert.equal(await form.isVisible(), false);
      assert.ok(!page.url().includes(TOKEN));
    } finally {
      await page.close();
    }
  });
});
