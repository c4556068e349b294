// A key leaves the pool only when the key itself is bad: the headers that change what a key may act
// for are the key's, not the client's, and a refusal is confirmed with a request of the gateway's
// own before a key is removed; one client request never removes more than one key.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { send } from '../support/http.ts';
import { startMockUpstream } from '../support/mock-upstream.ts';

const GOOD = [
  'sk-good-key-one-ffffffffffffffffffffffff1',
  'sk-good-key-two-ffffffffffffffffffffffff2',
  'sk-good-key-three-ffffffffffffffffffffff3',
];
const BAD = ['sk-revoked-key-one-ggggggggggggggggggggg1', 'sk-revoked-key-two-ggggggggggggggggggggg2'];

function chat(gw: TestGateway, headers: Record<string, string> = {}) {
  return send(gw.url, {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
}

async function removedKeys(gw: TestGateway): Promise<string[]> {
  const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
    upstreams: { name: string; queues: { keys: { key: string; removed?: string }[] }[] }[];
  };
  const keys = stats.upstreams.find((u) => u.name === 'openai')!.queues.flatMap((q) => q.keys);
  return keys.filter((k) => k.removed !== undefined).map((k) => k.key);
}

describe('which keys leave the pool', () => {
  test("a client's OpenAI-Organization never reaches the upstream: the key's own organization goes instead", async () => {
    const mock = await startMockUpstream({ keys: GOOD, organization: 'org-team' });
    const gw = await startGateway({
      upstreams: { openai: { url: mock.url, keys: GOOD, organization: 'org-team', project: 'proj-1' } },
    });
    try {
      const res = await chat(gw, { 'OpenAI-Organization': 'org-stale', 'OpenAI-Project': 'proj-other' });
      assert.equal(res.status, 200);
      const sent = mock.received[0]!.headers;
      assert.equal(sent['openai-organization'], 'org-team');
      assert.equal(sent['openai-project'], 'proj-1');
      assert.deepEqual(await removedKeys(gw), []);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('a per-key organization wins over the upstream one', async () => {
    const mock = await startMockUpstream({ keys: GOOD });
    const gw = await startGateway({
      upstreams: {
        openai: { url: mock.url, keys: [{ key: GOOD[0], organization: 'org-own' }], organization: 'org-all' },
      },
    });
    try {
      assert.equal((await chat(gw)).status, 200);
      assert.equal(mock.received[0]!.headers['openai-organization'], 'org-own');
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test("a 401 that is about the request is the client's answer: the key is checked on its own and stays", async () => {
    const mock = await startMockUpstream({ keys: GOOD });
    const gw = await startGateway({ upstreams: { openai: { url: mock.url, keys: GOOD } } });
    mock.addFault({ fault: { kind: 'status', status: 401 }, path: '/chat/completions', times: 1 });
    try {
      const res = await chat(gw);
      assert.equal(res.status, 401);
      assert.deepEqual(await removedKeys(gw), [], 'no key left the pool');
      const check = mock.received.find((r) => r.method === 'GET' && r.path === '/v1/models');
      assert.ok(check, 'the key was checked with a request of the gateway own');
      assert.equal(check.body.length, 0);
      assert.equal((await chat(gw)).status, 200, 'the next call is served');
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('a revoked key is confirmed bad and leaves; one request removes one key at most', async () => {
    const mock = await startMockUpstream({ keys: [GOOD[0]!] });
    const gw = await startGateway({
      upstreams: { openai: { url: mock.url, keys: [...BAD, GOOD[0]!], balance: 'round_robin' } },
    });
    try {
      const first = await chat(gw);
      assert.equal(first.status, 401, 'the second bad key is not removed by the same request');
      assert.equal((await removedKeys(gw)).length, 1);
      // Later requests meet the other bad key in turn: it is confirmed and leaves, and they are served.
      for (let i = 0; i < 3; i++) assert.equal((await chat(gw)).status, 200);
      assert.equal((await removedKeys(gw)).length, 2);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
