// The answer recorder: a body only for a whole, successful, unspoiled answer; bounds per answer and
// for all recordings together; bytes returned to the pool; a single chunk copied off a bigger buffer.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnswerRecorder, RecordingPool } from './answer-recorder.ts';

function recorder(limit = 1000, poolLimit = 10_000) {
  const pool = new RecordingPool(poolLimit);
  return { pool, rec: new AnswerRecorder(limit, pool) };
}

describe('AnswerRecorder body', () => {
  test('no body until the answer succeeded', () => {
    const { rec } = recorder();
    rec.data(Buffer.from('hello'));
    assert.equal(rec.body(), undefined);
    rec.succeeded = true;
    assert.deepEqual(rec.body(), Buffer.from('hello'));
  });

  test('a spoiled answer has no body even when it succeeded', () => {
    const { rec } = recorder();
    rec.data(Buffer.from('hello'));
    rec.succeeded = true;
    rec.spoiled = true;
    assert.equal(rec.body(), undefined);
  });

  test('several chunks come back as the bytes written, in order', () => {
    const { rec } = recorder();
    const parts = [Buffer.from('data: a\n\n'), Buffer.from([0, 255, 128]), Buffer.from('data: [DONE]\n\n')];
    for (const p of parts) rec.data(p);
    rec.succeeded = true;
    const body = rec.body()!;
    assert.deepEqual(body, Buffer.concat(parts));
    assert.equal(
      body.length,
      parts.reduce((n, p) => n + p.length, 0),
    );
  });

  test('string chunks are taken as latin1, one byte per char', () => {
    const { rec, pool } = recorder();
    rec.data('caf\u00e9\u00ff');
    rec.data(Buffer.from('!'));
    rec.succeeded = true;
    assert.deepEqual(rec.body(), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0xff, 0x21]));
    assert.equal(pool.used, 6, 'latin1 bytes, not utf-8 bytes, count against the pool');
  });

  test('a single chunk that is a view into a bigger buffer is copied to one of its own size', () => {
    const socketRead = Buffer.alloc(64 * 1024, 0x61);
    socketRead.write('{"id":1}', 100);
    const view = socketRead.subarray(100, 108);
    const { rec } = recorder();
    rec.data(view);
    rec.succeeded = true;
    const body = rec.body()!;
    assert.equal(body.toString(), '{"id":1}');
    assert.equal(body.buffer.byteLength, body.length, 'does not keep the 64 KiB read alive');
    assert.notEqual(body.buffer, socketRead.buffer);
    socketRead.fill(0);
    assert.equal(body.toString(), '{"id":1}', 'later writes to the read buffer do not reach it');
  });

  test('a single chunk that owns its whole buffer is returned as it is', () => {
    const own = Buffer.allocUnsafeSlow(5);
    own.write('hello');
    const { rec } = recorder();
    rec.data(own);
    rec.succeeded = true;
    assert.equal(rec.body(), own);
  });
});

describe('AnswerRecorder bounds', () => {
  test('up to the per-answer limit exactly is kept', () => {
    const { rec, pool } = recorder(10);
    rec.data(Buffer.alloc(6));
    rec.data(Buffer.alloc(4));
    rec.succeeded = true;
    assert.equal(rec.body()?.length, 10);
    assert.equal(pool.used, 10);
  });

  test('past the per-answer limit: no body, and its bytes go back to the pool', () => {
    const { rec, pool } = recorder(10);
    rec.data(Buffer.alloc(6));
    assert.equal(pool.used, 6);
    rec.data(Buffer.alloc(5));
    assert.equal(pool.used, 0);
    rec.data(Buffer.alloc(1));
    assert.equal(pool.used, 0, 'nothing more is taken once it let go');
    rec.succeeded = true;
    assert.equal(rec.body(), undefined);
  });

  test('past the pool limit the recording lets go, and other recordings keep theirs', () => {
    const pool = new RecordingPool(10);
    const first = new AnswerRecorder(100, pool);
    const second = new AnswerRecorder(100, pool);
    first.data(Buffer.alloc(7));
    second.data(Buffer.alloc(2));
    assert.equal(pool.used, 9);
    second.data(Buffer.alloc(2));
    assert.equal(pool.used, 7, 'the second gave back what it held');
    first.succeeded = true;
    second.succeeded = true;
    assert.equal(first.body()?.length, 7);
    assert.equal(second.body(), undefined);
  });

  test('release returns the bytes to the pool, once', () => {
    const { rec, pool } = recorder();
    rec.data(Buffer.alloc(30));
    rec.data('abc');
    assert.equal(pool.used, 33);
    rec.release();
    assert.equal(pool.used, 0);
    rec.release();
    assert.equal(pool.used, 0, 'a second release takes nothing more');
  });

  test('room released by one recording can be used by another', () => {
    const pool = new RecordingPool(10);
    const first = new AnswerRecorder(100, pool);
    first.data(Buffer.alloc(8));
    first.release();
    const second = new AnswerRecorder(100, pool);
    second.data(Buffer.alloc(10));
    second.succeeded = true;
    assert.equal(second.body()?.length, 10);
    assert.equal(pool.used, 10);
  });
});

test('a released recorder takes no more bytes and has no body', () => {
  const pool = new RecordingPool(1000);
  const recorder = new AnswerRecorder(1000, pool);
  recorder.data(Buffer.from('abc'));
  recorder.release();
  recorder.data(Buffer.from('def'));
  recorder.succeeded = true;
  assert.equal(pool.used, 0);
  assert.equal(recorder.body(), undefined);
});

test('an answer of several small chunks is one buffer of its own, not a slice of the shared pool', () => {
  const recorder = new AnswerRecorder(1000, new RecordingPool(1000));
  recorder.data(Buffer.from('data: a\n\n'));
  recorder.data('data: b\n\n');
  recorder.succeeded = true;
  const body = recorder.body()!;
  assert.equal(body.toString(), 'data: a\n\ndata: b\n\n');
  assert.equal(body.buffer.byteLength, body.length);
});

describe('AnswerRecorder watched live', () => {
  test('the bytes so far, in order; then each chunk to the watcher, after it is kept', () => {
    const { rec } = recorder();
    rec.data('data: a\n\n');
    const seen: string[] = [];
    rec.watch((bytes) => seen.push(`${rec.sofar()?.length}:${bytes.toString()}`));
    rec.data(Buffer.from('data: b\n\n'));
    assert.deepEqual(seen, ['2:data: b\n\n'], 'a joiner at that moment would find the chunk kept');
    assert.deepEqual(
      rec.sofar()?.map((c) => c.toString()),
      ['data: a\n\n', 'data: b\n\n'],
    );
    rec.watch(undefined);
    rec.data('data: c\n\n');
    assert.equal(seen.length, 1, 'unwatched: nothing more is seen');
  });

  test('past the bound the start is let go, and the watcher still sees every chunk', () => {
    const { rec, pool } = recorder(10);
    const seen: string[] = [];
    rec.watch((bytes) => seen.push(bytes.toString()));
    rec.data('12345');
    rec.data('678901');
    rec.data('!');
    assert.equal(rec.sofar(), undefined);
    assert.equal(pool.used, 0);
    assert.deepEqual(seen, ['12345', '678901', '!']);
    rec.succeeded = true;
    assert.equal(rec.body(), undefined);
  });
});
