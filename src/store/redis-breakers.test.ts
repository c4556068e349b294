// Shared breakers in a real redis-server: an opening announced by one process reaches the others
// (not itself), a process that follows late asks what is open now, a closing removes it, and the
// key left in Redis expires when the breaker may probe again.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, beforeEach, describe, test } from 'node:test';
import { connectedRedis } from '../../test/support/redis-connection.ts';
import { startRedisServer, type TestRedis } from '../../test/support/redis-server.ts';
import { systemClock } from '../time/clock.ts';
import { BREAKER_CHANNEL, BREAKER_PREFIX, RedisBreakers } from './redis-breakers.ts';
import type { RedisConnection } from './redis-connection.ts';

/** The next value `follow` hears for an id. */
function nextHeard(
  breakers: RedisBreakers,
  id: string,
): { heard: Promise<number>; subscribed: Promise<void> } {
  let resolve: (until: number) => void = () => {};
  const heard = new Promise<number>((r) => {
    resolve = r;
  });
  const subscribed = breakers.follow(id, resolve);
  return { heard, subscribed };
}

describe('RedisBreakers', () => {
  let redis: TestRedis;
  let a: RedisConnection;
  let b: RedisConnection;
  let breakersA: RedisBreakers;
  let breakersB: RedisBreakers;

  before(async () => {
    redis = await startRedisServer();
    a = await connectedRedis(redis.url);
    b = await connectedRedis(redis.url);
    breakersA = new RedisBreakers(a, 'process-a', systemClock);
    breakersB = new RedisBreakers(b, 'process-b', systemClock);
  });
  after(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });
  beforeEach(async () => {
    await a.client.flushall();
  });

  test('an opening reaches the other process, not the one that announced it', async () => {
    const heardByA: number[] = [];
    let answered: () => void = () => {};
    const aHeardB = new Promise<void>((resolve) => {
      answered = resolve;
    });
    await breakersA.follow('up', (until) => {
      heardByA.push(until);
      if (until === 0) answered();
    });
    const { heard, subscribed } = nextHeard(breakersB, 'up');
    await subscribed;
    const until = Date.now() + 60_000;
    breakersA.announce('up', until);
    assert.equal(await heard, until);
    const ttl = await a.client.pttl(`${BREAKER_PREFIX}up`);
    assert.ok(ttl > 55_000 && ttl <= 60_000, `the key lives until the probe: ${ttl} ms`);
    // Published after A's own, B's closing reaches A after it would have: A heard only B's.
    breakersB.announce('up', 0);
    await aHeardB;
    assert.deepEqual(heardByA, [0]);
  });

  test('a process that follows after the opening is told at once; a closing removes it', async () => {
    const until = Date.now() + 30_000;
    breakersA.announce('key1', until);
    await a.client.ping();
    const heard: number[] = [];
    let closed: () => void = () => {};
    const closing = new Promise<void>((resolve) => {
      closed = resolve;
    });
    await breakersB.follow('key1', (at) => {
      heard.push(at);
      if (at === 0) closed();
    });
    await b.client.ping(); // its question (GET) was sent before this, on the same connection
    // The message may reach it as well, after it followed: hearing it twice changes nothing.
    assert.deepEqual([...new Set(heard)], [until], 'asked what is open now');
    breakersA.announce('key1', 0);
    await closing;
    assert.deepEqual([...new Set(heard)], [until, 0]);
    assert.equal(await a.client.exists(`${BREAKER_PREFIX}key1`), 0);
  });

  test('the breaker a reload replaced stops hearing; its newer namesake keeps hearing', async () => {
    const heardBy: string[] = [];
    let heardNew: () => void = () => {};
    const newHeard = new Promise<void>((resolve) => {
      heardNew = resolve;
    });
    const old = () => heardBy.push('old');
    const newer = () => {
      heardBy.push('new');
      heardNew();
    };
    await breakersB.follow('up', old);
    await breakersB.follow('up', newer); // the reload's breaker for the same upstream
    breakersB.unfollow('up', old); // the old pipeline retires after it
    breakersA.announce('up', Date.now() + 60_000);
    await newHeard;
    assert.deepEqual(heardBy, ['new']);
    breakersB.unfollow('up', newer);
  });
  test('an opening published while only the subscriber was away is asked for once it is back', async () => {
    const { heard, subscribed } = nextHeard(breakersB, 'lost');
    await subscribed;
    const until = Date.now() + 60_000;
    // The subscribers are cut and the opening published in one step: no subscriber hears it, and the
    // main connections never drop (no 'up' to re-ask on).
    // Both processes' subscribers are cut: the test ends only once both are back.
    const back = Promise.all([once(a, 'resubscribed'), once(b, 'resubscribed')]);
    await a.client
      .multi()
      .client('KILL', 'TYPE', 'pubsub')
      .set(`${BREAKER_PREFIX}lost`, String(until), 'PX', 60_000)
      .publish(BREAKER_CHANNEL, `process-a lost ${until}`)
      .exec();
    assert.equal(await heard, until);
    await back;
    assert.equal(b.healthy, true, 'the main connection stayed up');
  });
});
