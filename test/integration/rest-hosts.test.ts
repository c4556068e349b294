// Host-routed REST calls: forwarded by Host header, bodies streamed through, unknown hosts refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { json, send } from '../support/http.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

describe('REST host routes', () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  before(async () => {
    mock = await startMockUpstream();
    gw = await startGateway({
      upstreams: {
        github: { url: mock.url, dialect: 'generic' },
        keyed: { url: `${mock.url}/base`, dialect: 'generic', keys: ['ghp_upstreamkey00000000001'] },
      },
      routes: {
        hosts: [
          { match: 'api.github.com', upstream: 'github' },
          { match: '*.example.com', upstream: 'keyed' },
        ],
      },
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('an exact host is forwarded with its path and query, client credentials passed through', async () => {
    const res = await send(gw.url, {
      path: '/users/octocat?per_page=5',
      headers: { host: 'api.github.com', authorization: 'token client-own-token' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-cooldown-upstream'], 'github');
    const r = mock.received.at(-1)!;
    assert.equal(r.path, '/users/octocat?per_page=5');
    assert.equal(r.headers.authorization, 'token client-own-token');
  });

  test('the port in the Host header is ignored', async () => {
    const res = await send(gw.url, { path: '/rate_limit', headers: { host: 'API.github.com:443' } });
    assert.equal(res.status, 200);
    assert.equal(mock.received.at(-1)!.path, '/rate_limit');
  });

  test('a wildcard host matches at a dot boundary; a keyed upstream replaces the credential', async () => {
    const res = await send(gw.url, {
      path: '/v1/items',
      headers: { host: 'a.b.example.com', authorization: 'Bearer mine' },
    });
    assert.equal(res.status, 200);
    const r = mock.received.at(-1)!;
    assert.equal(r.path, '/base/items', 'the base path replaces the leading /v1');
    assert.equal(r.headers.authorization, 'Bearer ghp_upstreamkey00000000001');
  });

  test('a bare domain does not match its wildcard and is refused, never forwarded', async () => {
    const before = mock.received.length;
    for (const host of ['example.com', 'badexample.com', 'api.evil.com']) {
      const res = await send(gw.url, { path: '/x', headers: { host } });
      assert.equal(res.status, 403, host);
      assert.equal((json(res.body).error as { code: string }).code, 'host_not_allowed');
    }
    assert.equal(mock.received.length, before);
  });

  test('a large upload streams through unparsed', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 'x');
    const res = await send(gw.url, {
      method: 'POST',
      path: '/upload',
      headers: { host: 'api.github.com', 'content-type': 'application/octet-stream' },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(json(res.body).bodyBytes, body.length);
    assert.equal(mock.received.at(-1)!.bodyBytes, body.length);
  });

  test('an admin path on a REST host goes to the REST host, not to the gateway', async () => {
    const res = await send(gw.url, { path: '/health', headers: { host: 'api.github.com' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-cooldown-upstream'], 'github');
    assert.equal(mock.received.at(-1)!.path, '/health');
  });
});

describe('REST uploads of unannounced size', () => {
  test('a chunked upload over max_body is cut off with 413 and the gateway keeps serving', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway({
      server: { max_body: '64kb' },
      upstreams: { files: { url: mock.url, dialect: 'generic' } },
      routes: { hosts: [{ match: 'files.example.net', upstream: 'files' }] },
    });
    try {
      const res = await send(gw.url, {
        method: 'PUT',
        path: '/blob',
        headers: { host: 'files.example.net', 'transfer-encoding': 'chunked' },
        body: Buffer.alloc(200 * 1024, 'z'),
      });
      assert.equal(res.status, 413);
      assert.equal((json(res.body).error as { code: string }).code, 'payload_too_large');
      const small = await send(gw.url, {
        method: 'PUT',
        path: '/blob',
        headers: { host: 'files.example.net', 'transfer-encoding': 'chunked' },
        body: Buffer.alloc(10 * 1024, 'z'),
      });
      assert.equal(small.status, 200);
      assert.equal(json(small.body).bodyBytes, 10 * 1024);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
