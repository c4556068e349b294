// The dashboard's reader of the admin API, against a real gateway with an admin token: the token
// goes as a bearer header, and each kind of answer (data, refused, locked out, unreachable) is told apart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAdminApi } from '../../src/dashboard/admin-api.js';
import { startGateway, type TestGateway } from '../support/gateway.ts';

const TOKEN = 'admin-token-for-the-page-0001';

function tabStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
}

describe("the dashboard's admin API reader", () => {
  let gw: TestGateway;
  const at =
    (base: string): typeof fetch =>
    (path, init) =>
      fetch(`${base}${String(path)}`, init);

  before(async () => {
    gw = await startGateway({ server: { admin_token: TOKEN } });
  });
  after(async () => {
    await gw.close();
  });

  test('with the token: the JSON of /stats; the token is kept under one name only', async () => {
    const storage = tabStorage();
    const api = createAdminApi(at(gw.url), storage);
    assert.equal(api.hasToken(), false);
    api.setToken(TOKEN);
    assert.equal(api.hasToken(), true);
    assert.deepEqual([...storage.items.values()], [TOKEN]);
    const answer = await api.get('/stats');
    assert.equal(answer.kind, 'ok');
    assert.equal(answer.kind === 'ok' && typeof answer.body.totals.requests, 'number');
    const recent = await api.get('/stats/recent');
    assert.equal(recent.kind === 'ok' && Array.isArray(recent.body.series), true);
    api.forgetToken();
    assert.equal(storage.items.size, 0);
  });

  test('an answer that is not JSON, and a gateway that is gone, are failures with a message', async () => {
    const api = createAdminApi(at(gw.url), tabStorage());
    api.setToken(TOKEN);
    const metrics = await api.get('/metrics');
    assert.deepEqual(metrics, { kind: 'failed', message: '/metrics did not answer JSON.' });
    const gone = createAdminApi(at('http://127.0.0.1:1'), tabStorage());
    assert.deepEqual(await gone.get('/stats'), { kind: 'failed', message: 'The gateway does not answer.' });
  });

  test('no token or a wrong one: unauthorized; an address that keeps trying: locked, with the wait', async () => {
    const api = createAdminApi(at(gw.url), tabStorage());
    assert.deepEqual(await api.get('/stats'), { kind: 'unauthorized' });
    api.setToken('wrong-token');
    for (let i = 0; i < 4; i++) assert.deepEqual(await api.get('/stats'), { kind: 'unauthorized' });
    const locked = await api.get('/stats');
    assert.equal(locked.kind, 'locked');
    assert.ok(locked.kind === 'locked' && locked.retryAfterS > 0 && locked.retryAfterS <= 60);
  });
});
