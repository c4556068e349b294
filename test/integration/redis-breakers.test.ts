// Circuit breakers shared by three gateway processes (the real CLI) on one real redis-server: a
// key that fails opens its breaker in the process that saw the failures, and the other two stop
// sending to it at once, without a failure of their own; without Redis each has to learn alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dealt, type Fleet, type FleetGateway, fleetSuite, freshChat } from '../support/fleet.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const GOOD = 'sk-shared-breaker-good-00000000000001';
const BAD = 'sk-shared-breaker-bad-500-000000000002';

async function badKeyBreaker(g: FleetGateway): Promise<string> {
  const stats = (await (await fetch(`${g.url}/stats`)).json()) as {
    upstreams: { name: string; queues: { keys: { key: string; breaker: { state: string } }[] }[] }[];
  };
  const keys = stats.upstreams.find((u) => u.name === 'openai')!.queues[0]!.keys;
  return keys.find((k) => k.key.endsWith(BAD.slice(-4)))!.breaker.state;
}

describe('circuit breakers shared through Redis', () => {
  const suite = fleetSuite('cooldown-breakers-');
  let mock: MockUpstream;
  const sentToBad = () => mock.received.filter((r) => r.key === BAD).length;

  before(async () => {
    mock = await startMockUpstream({ keys: [GOOD, BAD] });
    mock.addFault({ key: BAD, fault: { kind: 'status', status: 500 } });
  });
  after(async () => {
    await mock.close();
  });

  const startThree = (withRedis: boolean): Promise<Fleet> =>
    suite.startThree(
      {
        upstreams: {
          openai: {
            url: mock.url,
            keys: [GOOD, BAD],
            balance: 'round_robin',
            retries: { max: 3, backoff: '10ms' },
            // Long enough that no breaker half-opens during the test.
            breaker: { failures: 2, cooldown: '10m', max_cooldown: '1h' },
          },
        },
        cache: { enabled: false },
      },
      withRedis,
    );

  /** Requests through `g` alone until its breaker for the bad key opens (a bounded number). */
  async function openThrough(g: FleetGateway): Promise<void> {
    for (let i = 0; i < 20 && (await badKeyBreaker(g)) !== 'open'; i++)
      assert.equal(await freshChat(g.url), 200);
    assert.equal(await badKeyBreaker(g), 'open');
  }

  test('a key one process found failing is open in the others: they never send to it', async () => {
    const { gateways, stop } = await startThree(true);
    try {
      const [first, ...others] = gateways as [FleetGateway, ...FleetGateway[]];
      await openThrough(first);
      // The opening is a message; /stats is the outside view of each process having heard it.
      for (const g of others) {
        for (let i = 0; i < 500 && (await badKeyBreaker(g)) !== 'open'; i++);
        assert.equal(await badKeyBreaker(g), 'open', 'heard from the first process');
      }
      const before = sentToBad();
      assert.deepEqual(await dealt(others, 20, freshChat), Array(20).fill(200), 'the good key serves them');
      assert.equal(sentToBad(), before, 'not one request went to the open key');
    } finally {
      await stop();
    }
  });

  test('without Redis each process sends to the failing key until its own breaker opens', async () => {
    const { gateways, stop } = await startThree(false);
    try {
      const [first, ...others] = gateways as [FleetGateway, ...FleetGateway[]];
      await openThrough(first);
      for (const g of others) assert.equal(await badKeyBreaker(g), 'closed');
      const before = sentToBad();
      // One at a time: a burst of failures on the bad key would open the whole upstream's breaker.
      for (const g of others) for (let i = 0; i < 4; i++) assert.equal(await freshChat(g.url), 200);
      assert.ok(sentToBad() >= before + 2, 'each of the others tried it');
    } finally {
      await stop();
    }
  });
});
