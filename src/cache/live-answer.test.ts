// A stream shared live: a follower gets the head, the bytes so far, then each chunk as it comes, and
// the leader's end; a late joiner gets the same bytes; one that cannot start (the recorder let go)
// is refused, one streaming already keeps getting chunks; a follower that does not read is cut off.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError } from '../errors/gateway-error.ts';
import { AnswerRecorder, RecordingPool } from './answer-recorder.ts';
import { LiveAnswer, type LiveEnd, type LiveFollower } from './live-answer.ts';

const HEAD = {
  status: 200,
  headers: ['content-type', 'text/event-stream'],
  upstream: 'openai',
  storedAt: 0,
  errorsInBand: true,
};

/** A follower's socket: takes up to `room` bytes unsent before it reports backpressure. */
class FakeSocket {
  readonly got: string[] = [];
  writableLength = 0;
  room = Number.POSITIVE_INFINITY;
  destroyed = false;

  write(chunk: Buffer): boolean {
    this.got.push(chunk.toString());
    if (this.writableLength + chunk.length <= this.room) return true;
    this.writableLength += chunk.length;
    return false;
  }

  destroy(): void {
    this.destroyed = true;
  }
}

class FakeFollower implements LiveFollower {
  readonly res = new FakeSocket();
  /** How many writes came before the head: 0 when it went first. */
  headAt = -1;
  end: LiveEnd | undefined;

  joined(): void {
    this.headAt = this.res.got.length;
  }

  ended(end: LiveEnd): void {
    this.end = end;
  }

  text(): string {
    return this.res.got.join('');
  }
}

function setup(limit = 1000, maxBuffered = 100) {
  const recorder = new AnswerRecorder(limit, new RecordingPool(10_000));
  return { recorder, live: new LiveAnswer(recorder, HEAD, maxBuffered) };
}

describe('LiveAnswer', () => {
  test('the head first, then the bytes so far, then each chunk as it goes out, then the end', () => {
    const { recorder, live } = setup();
    recorder.data('data: 1\n\n');
    const early = new FakeFollower();
    assert.equal(live.join(early), true);
    assert.equal(early.headAt, 0, 'the head went out before any byte');
    recorder.data(Buffer.from('data: 2\n\n'));
    const late = new FakeFollower();
    assert.equal(live.join(late), true);
    recorder.data('data: [DONE]\n\n');
    const whole = 'data: 1\n\ndata: 2\n\ndata: [DONE]\n\n';
    assert.equal(early.text(), whole);
    assert.equal(late.text(), whole, 'a late joiner gets the same bytes');
    assert.equal(live.followers, 2);
    const end: LiveEnd = { kind: 'ended', usage: { inputTokens: 3, outputTokens: 4 } };
    live.end(end);
    assert.equal(early.end, end);
    assert.equal(late.end, end);
    assert.equal(live.followers, 0);
    assert.equal(live.join(new FakeFollower()), false, 'nobody joins an answer that is over');
  });

  test('once the recorder let go, nobody new can start, and those streaming keep getting chunks', () => {
    const { recorder, live } = setup(20);
    const streaming = new FakeFollower();
    recorder.data('data: 1\n\n');
    live.join(streaming);
    recorder.data('data: a much longer event than the bound\n\n');
    recorder.data('data: [DONE]\n\n');
    assert.equal(streaming.text(), 'data: 1\n\ndata: a much longer event than the bound\n\ndata: [DONE]\n\n');
    const late = new FakeFollower();
    assert.equal(live.join(late), false);
    assert.equal(late.headAt, -1, 'nothing was sent to it');
  });

  test('a follower that leaves gets nothing more; the others go on', () => {
    const { recorder, live } = setup();
    const a = new FakeFollower();
    const b = new FakeFollower();
    live.join(a);
    live.join(b);
    recorder.data('one ');
    live.leave(a);
    live.leave(a);
    recorder.data('two');
    live.end({ kind: 'broken', error: new GatewayError('upstream_unavailable', 'broke') });
    assert.equal(a.text(), 'one ');
    assert.equal(a.end, undefined);
    assert.equal(b.text(), 'one two');
    assert.equal(b.end?.kind, 'broken');
  });

  test('a follower whose socket holds more than the bound unsent is cut off, not buffered for', () => {
    const { recorder, live } = setup(1000, 10);
    const slow = new FakeFollower();
    slow.res.room = 0;
    const fast = new FakeFollower();
    live.join(slow);
    live.join(fast);
    recorder.data('12345');
    assert.equal(slow.res.destroyed, false, 'backpressure within the bound is waited out');
    recorder.data('678901');
    assert.equal(slow.res.destroyed, true);
    recorder.data('!');
    assert.equal(slow.text(), '12345678901');
    assert.equal(fast.text(), '12345678901!');
    assert.equal(live.followers, 1);
  });

  test('a late joiner is not cut off for the bytes so far it was given on joining', () => {
    const { recorder, live } = setup(1000, 10);
    const early = new FakeFollower();
    live.join(early);
    recorder.data('0123456789');
    recorder.data('abcdefghij');
    const late = new FakeFollower();
    late.res.room = 0;
    live.join(late);
    recorder.data('12345');
    assert.equal(late.res.destroyed, false, 'within the bound past what it joined with');
    recorder.data('678901');
    assert.equal(late.res.destroyed, true, 'past it: cut off');
    assert.equal(early.text(), '0123456789abcdefghij12345678901');
  });

  test('nothing is done per chunk without followers: the recorder is watched only while one follows', () => {
    const { recorder, live } = setup();
    const watched: boolean[] = [];
    const watch = recorder.watch.bind(recorder);
    recorder.watch = (w) => {
      watched.push(w !== undefined);
      watch(w);
    };
    const a = new FakeFollower();
    const b = new FakeFollower();
    live.join(a);
    live.join(b);
    live.leave(a);
    live.leave(b);
    assert.deepEqual(watched, [true, false]);
  });
});
