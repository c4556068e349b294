// How the gateway serves the dashboard: content types, caching, the CSP, assets found beside its
// own source whatever directory it runs in. (What the page renders: dashboard.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DASHBOARD_CSP } from '../../src/server/dashboard-routes.ts';
import { runCli } from '../support/cli.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';

describe('serving the dashboard', () => {
  let gw: TestGateway;
  const dir = mkdtempSync(join(tmpdir(), 'cooldown-dashboard-cwd-'));

  before(async () => {
    gw = await startGateway({ server: { admin_token: 'serving-test-admin-token-01' } });
  });
  after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the page and its assets, open without the admin token: types, caching, a same-origin CSP, no inline script', async () => {
    const stats = await fetch(`${gw.url}/stats`);
    assert.equal(stats.status, 401, 'the API behind it is not open');
    await stats.text();
    const res = await fetch(`${gw.url}/dashboard`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.equal(csp, DASHBOARD_CSP);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe|https?:|\*/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(urls.length >= 4, urls.join(' '));
    const assets = urls.filter((u) => u !== 'data:,');
    for (const url of assets)
      assert.match(url, /^\/dashboard\/assets\/[0-9a-f]{16}\/[a-z-]+\.(js|css)$/, url);
    for (const url of assets) {
      const asset = await fetch(`${gw.url}${url}`);
      assert.equal(asset.status, 200, url);
      assert.match(
        asset.headers.get('content-type') ?? '',
        url.endsWith('.js') ? /^text\/javascript/ : /^text\/css/,
      );
      assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.ok((await asset.text()).length > 100, url);
    }
    // The charting library comes from its package, through the same route.
    const main = assets.find((u) => u.endsWith('/main.js'))!;
    const uplot = await fetch(`${gw.url}${main.replace('main.js', 'uplot.js')}`);
    assert.equal(uplot.status, 200);
    assert.match(await uplot.text(), /export \{ uPlot as default \}/);
    // A page from an older version still gets its files, without being told to keep them.
    const old = await fetch(`${gw.url}/dashboard/assets/0000000000000000/main.js`);
    assert.equal(old.status, 200);
    assert.equal(old.headers.get('cache-control'), 'no-cache');
    await old.text();
    const missing = await fetch(`${gw.url}${main.replace('main.js', 'page-files.ts')}`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'route_not_found');
    const slash = await fetch(`${gw.url}/dashboard/`, { redirect: 'manual' });
    assert.equal(slash.status, 308);
    assert.equal(slash.headers.get('location'), '/dashboard');
  });

  test('a gateway started from another directory finds the page and its assets beside its own source', async () => {
    const run = runCli([], { COOLDOWN_PORT: '0', OPENAI_API_URL: 'http://127.0.0.1:9' }, dir);
    try {
      const url = (await run.waitForLog(/listening/)).url as string;
      const html = await (await fetch(`${url}/dashboard`)).text();
      const main = /src="([^"]+main\.js)"/.exec(html)?.[1];
      assert.ok(main, html);
      const res = await fetch(`${url}${main}`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /createAdminApi/);
    } finally {
      run.child.kill('SIGKILL');
      await run.exited();
    }
  });
});
