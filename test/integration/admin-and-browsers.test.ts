// Who may use the gateway: web pages only from listed origins, admin endpoints only on its own
// names and with the admin token when one is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { captureLog, mockConfig, startGateway, type TestGateway } from '../support/gateway.ts';
import { json, send } from '../support/http.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

describe('browsers and admin endpoints', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  const chat = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

  before(async () => {
    mock = await startMockUpstream();
    gw = await startGateway(
      mockConfig(mock.url, {
        server: { admin_token: 'admin-secret-token-123', allowed_origins: ['https://app.example.org'] },
      }),
    );
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test("a page from another site cannot spend the gateway's keys, even with a simple text/plain POST", async () => {
    const before = mock.received.length;
    const res = await send(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: {
        'content-type': 'text/plain',
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
      body: chat,
    });
    assert.equal(res.status, 403);
    assert.equal((json(res.body).error as { code: string }).code, 'origin_not_allowed');
    const form = await send(gw.url, {
      method: 'POST',
      path: '/v1/files',
      headers: { 'sec-fetch-site': 'cross-site' },
      body: 'x',
    });
    assert.equal(form.status, 403);
    assert.equal(mock.received.length, before, 'nothing was forwarded');
  });

  test('a listed origin gets through, with CORS headers, and its preflight is answered', async () => {
    const preflight = await send(gw.url, {
      method: 'OPTIONS',
      path: '/v1/chat/completions',
      headers: {
        origin: 'https://app.example.org',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.org');
    assert.equal(preflight.headers['access-control-allow-headers'], 'authorization, content-type');
    const res = await send(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', origin: 'https://app.example.org' },
      body: chat,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.org');
  });

  test('a page the gateway serves itself (same origin) is allowed', async () => {
    const origin = gw.url;
    const res = await send(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', origin },
      body: chat,
    });
    assert.equal(res.status, 200);
  });

  test('/health is open on the own host and carries the gateway headers; what it fronts needs the token', async () => {
    const res = await send(gw.url, { path: '/health' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-proxy'], 'cooldown');
    assert.match(String(res.headers['x-request-id']), /^req_/);
    assert.equal(json(res.body).upstreams, undefined);
    const admin = await send(gw.url, {
      path: '/health',
      headers: { authorization: 'Bearer admin-secret-token-123' },
    });
    assert.ok((json(admin.body).upstreams as string[]).includes('openai'));
  });

  test('admin endpoints refuse a foreign Host (DNS rebinding)', async () => {
    const res = await send(gw.url, {
      path: '/stats',
      headers: { host: 'attacker.example.com', authorization: 'Bearer admin-secret-token-123' },
    });
    assert.equal(res.status, 403);
  });

  test('/stats needs the admin token when one is set', async () => {
    const without = await send(gw.url, { path: '/stats' });
    assert.equal(without.status, 401);
    assert.equal((json(without.body).error as { code: string }).code, 'unauthorized');
    const wrong = await send(gw.url, { path: '/stats', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const right = await send(gw.url, {
      path: '/stats',
      headers: { authorization: 'Bearer admin-secret-token-123' },
    });
    assert.equal(right.status, 200);
    const stats = json(right.body) as { upstreams: Array<{ name: string }> };
    assert.ok(stats.upstreams.some((u) => u.name === 'openai'));
    assert.ok(!right.body.includes('sk-upstream-openai-key-0001'), 'keys only masked');
  });

  test('admin paths that do not exist answer in the gateway error shape', async () => {
    const res = await send(gw.url, { method: 'POST', path: '/health' });
    assert.equal(res.status, 404);
    assert.equal((json(res.body).error as { code: string }).code, 'route_not_found');
  });

  test('an address that keeps failing the admin token is refused for a while, and each failure is logged', async () => {
    const log = captureLog();
    const guarded = await startGateway(
      mockConfig(mock.url, { server: { admin_token: 'another-admin-token-456' } }),
      {},
      { log },
    );
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++)
        statuses.push(
          (await send(guarded.url, { path: '/stats', headers: { authorization: `Bearer guess-${i}` } }))
            .status,
        );
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
      const right = await send(guarded.url, {
        path: '/stats',
        headers: { authorization: 'Bearer another-admin-token-456' },
      });
      assert.equal(right.status, 429, 'even the right token waits out the refusal');
      assert.ok(Number(right.headers['retry-after']) > 0);
      guarded.gateway.log.flush();
      const warnings = log.lines().filter((l) => l.level === 40 && String(l.msg).includes('admin'));
      assert.equal(warnings.length, 5);
      assert.ok(!JSON.stringify(warnings).includes('guess-'), 'the token tried is never logged');
    } finally {
      await guarded.close();
    }
  });
});
