// Request coalescing: the first miss for a key leads, the rest follow and get its answer (or none),
// the counts go back to zero when it lands, and a later miss for the key leads a new flight.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Flights } from './flights.ts';
import type { StoredAnswer } from './stored-answer.ts';

function answer(text: string): StoredAnswer {
  return {
    status: 200,
    headers: ['content-type', 'application/json'],
    body: Buffer.from(text),
    stream: false,
    storedAt: 0,
    expiresAt: 1000,
    upstream: 'openai',
    model: 'gpt-4o-mini',
    usage: undefined,
  };
}

describe('Flights', () => {
  test('the first to join leads (undefined), the next ones follow the same flight', () => {
    const flights = new Flights();
    assert.equal(flights.join('k'), undefined);
    const a = flights.join('k');
    const b = flights.join('k');
    assert.ok(a);
    assert.equal(a, b);
    assert.equal(flights.waiting, 2);
    assert.equal(flights.size, 1);
  });

  test('landing gives every follower the answer and brings the counts back to 0', async () => {
    const flights = new Flights();
    flights.join('k');
    const followers = [flights.join('k')!, flights.join('k')!, flights.join('k')!];
    const kept = answer('{"ok":true}');
    flights.land('k', kept);
    assert.equal(flights.waiting, 0);
    assert.equal(flights.size, 0);
    const got = await Promise.all(followers.map((f) => f.answer));
    for (const g of got) assert.equal(g, kept);
  });

  test('landing without an answer lets every follower go on its own', async () => {
    const flights = new Flights();
    flights.join('k');
    const followers = [flights.join('k')!, flights.join('k')!];
    flights.land('k', undefined);
    assert.deepEqual(await Promise.all(followers.map((f) => f.answer)), [undefined, undefined]);
    assert.equal(flights.waiting, 0);
  });

  test('flights for different keys are apart', async () => {
    const flights = new Flights();
    assert.equal(flights.join('a'), undefined);
    assert.equal(flights.join('b'), undefined, 'another key leads its own flight');
    const onA = flights.join('a')!;
    const onB = flights.join('b')!;
    assert.equal(flights.size, 2);
    assert.equal(flights.waiting, 2);
    flights.land('a', answer('A'));
    assert.equal(flights.size, 1);
    assert.equal(flights.waiting, 1, 'only the followers of a stopped waiting');
    flights.land('b', answer('B'));
    assert.equal((await onA.answer)?.body.toString(), 'A');
    assert.equal((await onB.answer)?.body.toString(), 'B');
    assert.equal(flights.waiting, 0);
  });

  test('landing a key with no flight changes nothing', () => {
    const flights = new Flights();
    flights.land('nobody', answer('x'));
    assert.equal(flights.size, 0);
    assert.equal(flights.waiting, 0);
    flights.join('k');
    flights.join('k');
    flights.land('other', undefined);
    assert.equal(flights.size, 1);
    assert.equal(flights.waiting, 1);
  });

  test('landing twice is harmless: the second finds no flight', async () => {
    const flights = new Flights();
    flights.join('k');
    const follower = flights.join('k')!;
    flights.land('k', answer('first'));
    flights.land('k', answer('second'));
    assert.equal(flights.waiting, 0);
    assert.equal((await follower.answer)?.body.toString(), 'first');
  });

  test('after landing, the next miss for the key leads a fresh flight', async () => {
    const flights = new Flights();
    flights.join('k');
    const old = flights.join('k')!;
    flights.land('k', answer('old'));
    assert.equal(flights.join('k'), undefined, 'leads again');
    const fresh = flights.join('k')!;
    assert.notEqual(fresh, old);
    assert.equal(flights.waiting, 1);
    flights.land('k', answer('new'));
    assert.equal((await old.answer)?.body.toString(), 'old');
    assert.equal((await fresh.answer)?.body.toString(), 'new');
    assert.equal(flights.waiting, 0);
    assert.equal(flights.size, 0);
  });

  test('a leader with no followers lands with nothing waiting', () => {
    const flights = new Flights();
    flights.join('k');
    assert.equal(flights.waiting, 0);
    flights.land('k', answer('x'));
    assert.equal(flights.size, 0);
    assert.equal(flights.waiting, 0);
  });
});
