// Coalesced followers of a stream get it live, through a real gateway and the mock provider: one
// upstream call, the same bytes for all; a follower has its first event while the upstream is still
// held mid-stream; the leader's client leaving ends followers with an in-band error (never a stream
// that looks whole); a follower too late for an answer too big to keep goes upstream on its own;
// followers whose clients leave are not left counted as waiting.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { Streaming } from '../support/streaming-request.ts';

const question = (content: string) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    max_tokens: 200,
    stream: true,
    messages: [{ role: 'user', content }],
  });

const hasEvent = (text: string) => text.includes('data: {');

interface CacheStats {
  hits: number;
  misses: number;
  coalesced: number;
  in_flight: number;
  waiting: number;
  saved: { input_tokens: number; output_tokens: number };
}

async function allStats(gw: TestGateway) {
  return (await (await fetch(`${gw.url}/stats`)).json()) as {
    cache: CacheStats;
    totals: { tokens: { input: number; output: number } };
  };
}

async function cacheStats(gw: TestGateway): Promise<CacheStats> {
  return (await allStats(gw)).cache;
}

/** Reads /stats until `ok` holds (each read is a round trip through the gateway). */
async function statsUntil(gw: TestGateway, ok: (c: CacheStats) => boolean): Promise<CacheStats> {
  for (;;) {
    const stats = await cacheStats(gw);
    if (ok(stats)) return stats;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('coalesced followers of a stream get it live', { timeout: 30_000 }, () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  before(async () => {
    mock = await startMockUpstream();
  });
  beforeEach(async () => {
    await gw?.close();
    mock.reset();
    // Every answer a fresh one: each test starts with an empty cache.
    gw = await startGateway({
      upstreams: { openai: { url: mock.url, keys: ['sk-upstream-live-key-000000000001'] } },
      cache: { enabled: true, max_entry_mb: 0.004 },
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  /** The leader's upstream call, held before its head: the followers join while it waits. */
  async function heldLeader(body: string): Promise<{ leader: Streaming; id: number }> {
    mock.addFault({ fault: { kind: 'held' }, times: 1 });
    const leader = new Streaming(gw, body);
    await mock.waitForRequests(1);
    return { leader, id: mock.received[0]!.id };
  }

  test('ten identical streams at once: one upstream call, ten byte-identical streams', async () => {
    const body = question('ten at once');
    const { leader } = await heldLeader(body);
    const followers = Array.from({ length: 9 }, () => new Streaming(gw, body));
    await statsUntil(gw, (c) => c.waiting === 9);
    mock.release(1);
    const all = [leader, ...followers];
    const texts = await Promise.all(all.map((s) => s.done));
    assert.equal(mock.received.length, 1);
    assert.equal(new Set(texts).size, 1, 'the same bytes for all');
    assert.ok(texts[0]!.endsWith('data: [DONE]\n\n'));
    const heads = await Promise.all(all.map((s) => s.headers));
    assert.deepEqual(
      heads.map((h) => h.headers['x-cache']),
      ['MISS', ...Array(9).fill('HIT')],
    );
    for (const h of heads) {
      assert.equal(h.status, 200);
      assert.match(String(h.headers['content-type']), /^text\/event-stream/);
      assert.equal(h.headers['content-length'], undefined);
    }
    const stats = await statsUntil(gw, (c) => c.waiting === 0);
    assert.equal(stats.coalesced, 9);
    assert.equal(stats.in_flight, 0);
  });

  test('followers have the first event while the upstream is still held mid-stream', async () => {
    mock.setStepMode(true);
    const body = question('live, please');
    const { leader, id } = await heldLeader(body);
    const early = new Streaming(gw, body);
    await statsUntil(gw, (c) => c.waiting === 1);
    mock.release(1);
    await leader.until(hasEvent);
    await early.until(hasEvent);
    // A follower that joins now gets the bytes so far, then the rest as they come.
    const late = new Streaming(gw, body);
    await late.until(hasEvent);
    assert.equal(mock.chunksSent(id), 1, 'the upstream is still held after its first chunk');
    assert.equal(early.text, leader.text);
    assert.equal(late.text, leader.text);
    assert.equal((await late.headers).headers['x-cache'], 'HIT');
    assert.equal((await statsUntil(gw, (c) => c.waiting === 2)).in_flight, 1);
    mock.setStepMode(false);
    const [whole, fromEarly, fromLate] = await Promise.all([leader.done, early.done, late.done]);
    assert.ok(whole.endsWith('data: [DONE]\n\n'));
    assert.equal(fromEarly, whole);
    assert.equal(fromLate, whole);
    assert.equal(mock.received.length, 1);
    assert.equal((await statsUntil(gw, (c) => c.waiting === 0)).in_flight, 0);
    // Each follower saved what the one upstream call cost, known only at the end of the stream.
    const { cache, totals } = await allStats(gw);
    assert.ok(totals.tokens.output > 0);
    assert.equal(cache.saved.output_tokens, 2 * totals.tokens.output);
    assert.equal(cache.saved.input_tokens, 2 * totals.tokens.input);
  });

  test('the upstream breaking mid-stream ends the live followers as it ends the leader: in-band', async () => {
    mock.setStepMode(true);
    mock.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 2 }, times: 1 });
    const body = question('the upstream breaks');
    const leader = new Streaming(gw, body);
    await leader.until(hasEvent);
    const follower = new Streaming(gw, body);
    await follower.until(hasEvent);
    mock.release(2);
    const [broken, fromFollower] = await Promise.all([leader.done, follower.done]);
    for (const text of [broken, fromFollower]) {
      assert.ok(!text.includes('[DONE]'));
      assert.match(text.trimEnd().split('\n\n').at(-1)!, /^data: \{"error":/);
    }
    // The same events before the error; each error in its own words.
    const events = (text: string) => text.trimEnd().split('\n\n').slice(0, -1);
    assert.deepEqual(events(fromFollower), events(broken));
    assert.equal((await statsUntil(gw, (c) => c.waiting === 0)).in_flight, 0);
    assert.equal(mock.received.length, 1);
  });

  test("the leader's client leaving mid-stream ends the live followers with an in-band error", async () => {
    mock.setStepMode(true);
    const body = question('the leader leaves');
    const { leader, id } = await heldLeader(body);
    const follower = new Streaming(gw, body);
    await statsUntil(gw, (c) => c.waiting === 1);
    mock.release(1);
    await follower.until(hasEvent);
    const sofar = follower.text;
    leader.abort();
    // The upstream call goes with the leader's client.
    await mock.waitForClose(id);
    const text = await follower.done;
    assert.ok(text.startsWith(sofar));
    assert.ok(!text.includes('[DONE]'), 'never ended as if it were whole');
    const last = text.trimEnd().split('\n\n').at(-1)!;
    const error = JSON.parse(last.slice('data: '.length)) as { error: { type: string; message: string } };
    assert.equal(error.error.type, 'server_error');
    assert.match(error.error.message, /went away/);
    const stats = await statsUntil(gw, (c) => c.waiting === 0 && c.in_flight === 0);
    assert.equal(stats.coalesced, 1);
    // Nothing was kept: the next identical request goes upstream.
    mock.setStepMode(false);
    const again = new Streaming(gw, body);
    assert.equal((await again.headers).headers['x-cache'], 'MISS');
    assert.ok((await again.done).endsWith('data: [DONE]\n\n'));
  });

  test('a follower waiting when the leader leaves before its first byte goes upstream on its own', async () => {
    const body = question('left before the head');
    const { leader, id } = await heldLeader(body);
    const follower = new Streaming(gw, body);
    await statsUntil(gw, (c) => c.waiting === 1);
    leader.abort();
    await mock.waitForClose(id);
    assert.equal((await follower.headers).headers['x-cache'], 'MISS');
    assert.ok((await follower.done).endsWith('data: [DONE]\n\n'));
    assert.equal(mock.received.length, 2);
  });

  test('an answer too big to keep: followers streaming get all of it, a later one goes on its own', async () => {
    mock.setStepMode(true);
    // Far more than max_entry_mb (about 4 KiB): the recorder lets go part way.
    const body = question('a long one');
    const chunks = { 'x-mock-chunks': '200' };
    mock.addFault({ fault: { kind: 'held' }, times: 1 });
    const leader = new Streaming(gw, body, chunks);
    await mock.waitForRequests(1);
    const id = mock.received[0]!.id;
    const early = new Streaming(gw, body, chunks);
    await statsUntil(gw, (c) => c.waiting === 1);
    mock.release(1);
    await early.until(hasEvent);
    // Past the bound (about 4 KiB) while the upstream is held again.
    mock.release(60);
    await mock.waitForChunks(id, 61);
    await leader.until((t) => t.length > 5000);
    await early.until((t) => t.length === leader.text.length);
    const late = new Streaming(gw, body, chunks);
    assert.equal((await late.headers).headers['x-cache'], 'MISS');
    mock.setStepMode(false);
    const [whole, fromEarly, own] = await Promise.all([leader.done, early.done, late.done]);
    assert.ok(whole.endsWith('data: [DONE]\n\n'));
    assert.equal(fromEarly, whole, 'the follower streaming already got the whole stream');
    assert.ok(own.endsWith('data: [DONE]\n\n'));
    assert.equal(mock.received.length, 2);
    assert.equal((await statsUntil(gw, (c) => c.waiting === 0)).in_flight, 0);
  });

  test('followers whose clients leave (waiting, or streaming live) are no longer counted', async () => {
    mock.setStepMode(true);
    const body = question('followers leave');
    const { leader } = await heldLeader(body);
    const waiting = new Streaming(gw, body);
    const streaming = new Streaming(gw, body);
    await statsUntil(gw, (c) => c.waiting === 2);
    waiting.abort();
    await statsUntil(gw, (c) => c.waiting === 1);
    mock.release(1);
    await streaming.until(hasEvent);
    streaming.abort();
    const during = await statsUntil(gw, (c) => c.waiting === 0);
    assert.equal(during.in_flight, 1, 'the leader still streams');
    mock.setStepMode(false);
    assert.ok((await leader.done).endsWith('data: [DONE]\n\n'));
    assert.equal((await statsUntil(gw, (c) => c.in_flight === 0)).waiting, 0);
    await assert.rejects(waiting.done);
    await assert.rejects(streaming.done);
    assert.equal(mock.received.length, 1);
  });
});
