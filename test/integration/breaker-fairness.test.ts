// One client's request that always fails must not keep the breakers open for everyone else: its
// retries are not the upstream's verdict again and again, so healthy requests get through.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chatNumbered } from '../support/chat.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const KEY = 'sk-fairness-upstream-key-aaaaaaaaaaaa01';

describe('a request that always fails', () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  before(async () => {
    mock = await startMockUpstream();
    gw = await startGateway({
      upstreams: {
        openai: {
          url: mock.url,
          keys: [KEY],
          retries: { max: 4 },
          breaker: { failures: 2, cooldown: '300ms', max_cooldown: '5s' },
          queue: { timeout: '3s' },
        },
      },
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('counts once against the breakers, however often it is retried, and healthy requests are served', async () => {
    // The fault travels with the request (its content, say): every attempt of it fails.
    const poisoned = Array.from({ length: 3 }, (_, i) =>
      chatNumbered(gw, i, { 'x-mock-fault': 'status=500' }),
    );
    const healthy = Array.from({ length: 8 }, (_, i) => chatNumbered(gw, 100 + i));
    const poisonedAnswers = await Promise.all(poisoned);
    const healthyAnswers = await Promise.all(healthy);
    for (const res of poisonedAnswers) {
      assert.ok(res.status >= 500, 'the failing request gets a failure');
      await res.arrayBuffer();
    }
    const statuses = await Promise.all(
      healthyAnswers.map(async (res) => {
        await res.arrayBuffer();
        return res.status;
      }),
    );
    assert.deepEqual(statuses, Array(8).fill(200));
    const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
      upstreams: { breaker: { state: string } }[];
    };
    assert.equal(stats.upstreams[0]!.breaker.state, 'closed');
  });
});
