// Three gateway processes (the real CLI, each its own process) on one real redis-server, in front
// of one mock provider whose hidden limit of 60 requests per window per key is reported only in
// its headers, shared by two keys. A burst spread over the three lands whole without the provider
// ever refusing one; the same burst without Redis makes the provider refuse (each process believes
// it owns each key whole). Redis dying mid-run leaves every process serving at its share, and the
// provider still never refuses one. A process killed with requests in flight holds nothing for long.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { BUDGET_PREFIX } from '../../src/store/redis-key-budgets.ts';
import {
  dealt,
  type Fleet,
  type FleetGateway,
  fleetSuite,
  freshChat,
  sharedOf,
  untilAllCounted,
} from '../support/fleet.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const WINDOW_MS = 2_000;
const LIMIT = 60;
const KEYS = ['sk-shared-pool-key-0000000000001', 'sk-shared-pool-key-0000000000002'];

describe('three gateways share one set of limits through Redis', () => {
  const suite = fleetSuite('cooldown-shared-');
  let mock: MockUpstream;

  before(async () => {
    mock = await startMockUpstream({ limits: { requests: LIMIT, windowMs: WINDOW_MS }, latencyMs: 40 });
  });
  after(async () => {
    await mock.close();
  });

  const startThree = (withRedis: boolean): Promise<Fleet> =>
    suite.startThree(
      {
        upstreams: {
          openai: { url: mock.url, keys: KEYS, rate_limits: { reset_buffer: '50ms' } },
        },
        cache: { enabled: false },
      },
      withRedis,
    );

  const burst = (gateways: FleetGateway[], n: number) => dealt(gateways, n, freshChat);

  const refusedByMock = () => mock.received.filter((r) => r.status === 429).length;

  test('a burst over three processes lands whole and the provider never refuses one', async () => {
    const { gateways, stop } = await startThree(true);
    try {
      mock.reset();
      const statuses = await burst(gateways, 150);
      assert.deepEqual(statuses, Array(150).fill(200), 'every request landed');
      assert.equal(refusedByMock(), 0, 'the provider never sent a 429');
      const perKey = KEYS.map((k) => mock.received.filter((r) => r.key === k).length);
      assert.equal(perKey[0]! + perKey[1]!, 150);
      assert.ok(
        perKey.every((n) => n > 0),
        `both keys carried the load: ${perKey}`,
      );
    } finally {
      await stop();
    }
  });

  test('without Redis the same burst makes the provider refuse: each process thinks it owns the keys', async () => {
    const { gateways, stop } = await startThree(false);
    try {
      mock.reset();
      const statuses = await burst(gateways, 150);
      // The gateways absorb the 429s (they wait and send again), but the provider saw too much.
      assert.deepEqual(statuses, Array(150).fill(200));
      assert.ok(refusedByMock() > 0, 'the provider refused some of the unshared burst');
    } finally {
      await stop();
    }
  });

  test('Redis killed mid-run: every request is still served at local shares, and sharing resumes after', async () => {
    const { gateways, stop } = await startThree(true);
    try {
      await untilAllCounted(gateways);
      mock.reset();
      assert.deepEqual(await burst(gateways, 30), Array(30).fill(200));
      await suite.redis.kill9();
      const during = await burst(gateways, 150);
      assert.deepEqual(during, Array(150).fill(200), 'served while Redis was down');
      // Alone, each process keeps to a third of each key's window: still never too much together.
      assert.equal(refusedByMock(), 0, 'the provider never sent a 429 during the outage');
      for (const g of gateways) {
        const shared = await sharedOf(g);
        assert.equal(shared.reachable, false);
        assert.equal(shared.processes, 3);
        assert.equal(shared.local_share, 1 / 3);
      }
      await suite.redis.restart();
      // Each process reconnects on its own backoff; /stats is the only outside view of it.
      for (const g of gateways) while (!(await sharedOf(g)).reachable);
      mock.reset();
      const again = await burst(gateways, 150);
      assert.deepEqual(again, Array(150).fill(200));
      assert.equal(refusedByMock(), 0, 'shared again: the provider never sent a 429');
    } finally {
      await stop();
    }
  });

  /** What the shared budgets count as sent and not yet answered, over every key. */
  async function pendingInRedis(): Promise<number> {
    const admin = new Redis(suite.redis.url, { maxRetriesPerRequest: 1 });
    try {
      let sum = 0;
      for (const key of await admin.keys(`${BUDGET_PREFIX}*`))
        for (const [field, value] of Object.entries(await admin.hgetall(key)))
          if (/\|pa\d+$/.test(field)) sum += Number(value);
      return sum;
    } finally {
      admin.disconnect();
    }
  }

  test('one gateway kill -9ed with requests in flight: what it reserved stops counting, the others go on', async () => {
    const { gateways, stop } = await startThree(true);
    try {
      await untilAllCounted(gateways);
      mock.reset();
      assert.deepEqual(await burst(gateways, 30), Array(30).fill(200), 'the keys are learned');
      // Twenty requests through the third gateway that the mock holds: reserved, never answered.
      const doomed = gateways[2]!;
      const held = Array.from({ length: 20 }, () =>
        freshChat(doomed.url, { 'x-mock-latency-ms': '60000' }).catch(() => 0),
      );
      await mock.waitForRequests(50);
      assert.equal(await pendingInRedis(), 20, 'its twenty are counted for every process');
      doomed.run.child.kill('SIGKILL');
      await doomed.run.exited();
      assert.deepEqual(await Promise.all(held), Array(20).fill(0), 'its clients lost their connections');
      // The two left send on; at a window's reset the dead process's sends are forgotten.
      const living = gateways.slice(0, 2);
      let rounds = 0;
      while ((await pendingInRedis()) > 0 && rounds < 10) {
        rounds++;
        assert.deepEqual(await burst(living, 120), Array(120).fill(200), `round ${rounds} landed whole`);
      }
      assert.equal(await pendingInRedis(), 0, `nothing of the dead process counts after ${rounds} rounds`);
      assert.equal(refusedByMock(), 0, 'the provider never sent a 429');
    } finally {
      await stop();
    }
  });
});
