// Coalescing across processes in a real redis-server: one process leads a key at a time, a waiter
// elsewhere hears the leader land, a leader that dies holds the waiters no longer than the lock's
// time (virtual), and a waiter that comes after the landing does not wait at all.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, beforeEach, describe, test } from 'node:test';
import { connectedRedis } from '../../test/support/redis-connection.ts';
import { startRedisServer, type TestRedis } from '../../test/support/redis-server.ts';
import { createManualClock } from '../time/clock.ts';
import type { RedisConnection } from './redis-connection.ts';
import { FLIGHT_PREFIX, LANDED_CHANNEL, RedisFlights } from './redis-flights.ts';

describe('RedisFlights', () => {
  let redis: TestRedis;
  let a: RedisConnection;
  let b: RedisConnection;
  const clock = createManualClock();
  let flightsA: RedisFlights;
  let flightsB: RedisFlights;

  before(async () => {
    redis = await startRedisServer();
    a = await connectedRedis(redis.url);
    b = await connectedRedis(redis.url);
    flightsA = new RedisFlights(a, clock);
    flightsB = new RedisFlights(b, clock);
    await Promise.all([flightsA.subscribed, flightsB.subscribed]);
  });
  beforeEach(async () => {
    await a.client.flushall();
  });
  after(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  test('one leader per key; the waiter elsewhere goes on when the leader lands', async () => {
    assert.equal(await flightsA.lead('k1', 30_000), true);
    assert.equal(await flightsB.lead('k1', 30_000), false, 'A holds it');
    assert.equal(await flightsB.lead('k2', 30_000), true, 'another key is another flight');
    let landed = false;
    const waiting = flightsB.landed('k1', 30_000).then(() => {
      landed = true;
    });
    await b.client.ping();
    assert.equal(landed, false);
    flightsA.done('k1');
    await waiting;
    assert.equal(await a.client.exists(`${FLIGHT_PREFIX}k1`), 0, 'the lock is gone');
  });

  test('a leader that never lands holds a waiter only until the wait is over', async () => {
    assert.equal(await flightsA.lead('k1', 30_000), true);
    let landed = false;
    const waiting = flightsB.landed('k1', 30_000).then(() => {
      landed = true;
    });
    await b.client.ping();
    clock.advance(29_999);
    await b.client.ping();
    assert.equal(landed, false);
    clock.advance(1);
    await waiting;
  });

  test('a waiter that comes after the landing does not wait; a stale leader cannot free a newer lock', async () => {
    assert.equal(await flightsA.lead('k1', 30_000), true);
    flightsA.done('k1');
    await a.client.ping();
    await flightsB.landed('k1', 60_000);
    assert.equal(await flightsB.lead('k1', 30_000), true, 'B leads the next flight');
    flightsA.done('k1');
    await a.client.ping();
    assert.equal((await a.client.get(`${FLIGHT_PREFIX}k1`)) !== null, true, "B's lock stays");
  });
  test('a landing published while only the subscriber was away wakes the waiter once it is back', async () => {
    assert.equal(await flightsA.lead('k1', 30_000), true);
    const waiting = flightsB.landed('k1', 30_000);
    await b.client.ping();
    // The lock goes and the landing is published with every subscriber cut, in one step: nobody
    // hears it, and no timer is advanced, so only asking again can end the wait.
    // Both processes' subscribers are cut: the test ends only once both are back.
    const back = Promise.all([once(a, 'resubscribed'), once(b, 'resubscribed')]);
    await a.client
      .multi()
      .client('KILL', 'TYPE', 'pubsub')
      .del(`${FLIGHT_PREFIX}k1`)
      .publish(LANDED_CHANNEL, 'k1')
      .exec();
    await waiting;
    await back;
    assert.equal(b.healthy, true, 'the main connection stayed up');
  });
});
