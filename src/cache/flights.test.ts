// Request coalescing: the first miss for a key leads, the rest follow and get its answer (or none,
// or its stream live), each follower counts as waiting until it leaves, and a later miss for the
// key leads a new flight.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnswerRecorder, RecordingPool } from './answer-recorder.ts';
import { Flights, type Follower } from './flights.ts';
import { LiveAnswer } from './live-answer.ts';
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

function live(): LiveAnswer {
  const head = { status: 200, headers: [], upstream: 'openai', storedAt: 0, errorsInBand: true };
  return new LiveAnswer(new AnswerRecorder(1000, new RecordingPool(1000)), head, 1000);
}

async function bodyOf(follower: Follower): Promise<string | undefined> {
  const landing = await follower.answer;
  return landing instanceof LiveAnswer ? 'live' : landing?.body.toString();
}

describe('Flights', () => {
  test('the first to join leads (undefined), the next ones follow the same flight', async () => {
    const flights = new Flights();
    assert.equal(flights.join('k'), undefined);
    const a = flights.join('k');
    const b = flights.join('k');
    assert.ok(a && b);
    assert.equal(flights.waiting, 2);
    assert.equal(flights.size, 1);
    flights.land('k', answer('same'));
    assert.equal(await a.answer, await b.answer);
  });

  test('landing gives every follower the answer; each stops waiting when it leaves', async () => {
    const flights = new Flights();
    flights.join('k');
    const followers = [flights.join('k')!, flights.join('k')!, flights.join('k')!];
    const kept = answer('{"ok":true}');
    flights.land('k', kept);
    assert.equal(flights.size, 0);
    const got = await Promise.all(followers.map((f) => f.answer));
    for (const g of got) assert.equal(g, kept);
    for (const f of followers) f.leave();
    assert.equal(flights.waiting, 0);
  });

  test('landing without an answer lets every follower go on its own', async () => {
    const flights = new Flights();
    flights.join('k');
    const followers = [flights.join('k')!, flights.join('k')!];
    flights.land('k', undefined);
    assert.deepEqual(await Promise.all(followers.map((f) => f.answer)), [undefined, undefined]);
  });

  test('leaving is counted once, whenever it happens, landed or not', () => {
    const flights = new Flights();
    flights.join('k');
    const a = flights.join('k')!;
    const b = flights.join('k')!;
    a.leave();
    a.leave();
    assert.equal(flights.waiting, 1, 'a follower whose client left no longer waits');
    flights.land('k', undefined);
    b.leave();
    b.leave();
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
    flights.land('b', answer('B'));
    assert.equal(await bodyOf(onA), 'A');
    assert.equal(await bodyOf(onB), 'B');
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
    assert.equal(await bodyOf(follower), 'first');
  });

  test('after landing, the next miss for the key leads a fresh flight', async () => {
    const flights = new Flights();
    flights.join('k');
    const old = flights.join('k')!;
    flights.land('k', answer('old'));
    old.leave();
    assert.equal(flights.join('k'), undefined, 'leads again');
    const fresh = flights.join('k')!;
    assert.equal(flights.waiting, 1);
    flights.land('k', answer('new'));
    assert.equal(await bodyOf(old), 'old');
    assert.equal(await bodyOf(fresh), 'new');
    fresh.leave();
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

  test('a stream gone live: followers so far and later ones get it; landing after changes nothing', async () => {
    const flights = new Flights();
    flights.join('k');
    const early = flights.join('k')!;
    const stream = live();
    flights.goLive('k', stream);
    const late = flights.join('k')!;
    assert.equal(flights.size, 1, 'the flight runs until the leader lands');
    assert.equal(await early.answer, stream);
    assert.equal(await late.answer, stream);
    flights.land('k', answer('kept'));
    assert.equal(await late.answer, stream);
    assert.equal(flights.size, 0);
  });

  test('the leader hears of its first follower once: at once when it has one, else when one joins', () => {
    const flights = new Flights();
    flights.join('k');
    let heard = 0;
    flights.whenFollowed('k', () => heard++);
    assert.equal(heard, 0, 'nobody follows yet');
    flights.join('k');
    flights.join('k');
    assert.equal(heard, 1);
    flights.whenFollowed('k', () => heard++);
    assert.equal(heard, 2, 'followed already: told now');
    flights.whenFollowed('nobody', () => heard++);
    assert.equal(heard, 2, 'no flight, nothing to hear');
  });
});
