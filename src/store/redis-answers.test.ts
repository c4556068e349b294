// Cached answers in a real redis-server: every field and byte comes back as it went in, Redis
// expires them, two gateways' stores see one set of answers, clears walk the whole prefix in
// steps, and a Redis that goes away makes reads misses and writes no-ops, logged once, until it is
// back. The connection never shows the URL's password.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import pino from 'pino';
import { startRedisServer, type TestRedis } from '../../test/support/redis-server.ts';
import { answerSize, type StoredAnswer } from '../cache/stored-answer.ts';
import { ANSWER_PREFIX, RedisAnswers } from './redis-answers.ts';
import { RedisConnection } from './redis-connection.ts';

function answer(over: Partial<StoredAnswer> = {}): StoredAnswer {
  return {
    status: 200,
    headers: ['content-type', 'application/json'],
    body: Buffer.from('{"ok":true}'),
    stream: false,
    storedAt: 1_000,
    expiresAt: 61_000,
    upstream: 'openai',
    model: 'gpt-4o-mini',
    usage: undefined,
    ...over,
  };
}

/** A logger whose lines a test can read. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info', base: undefined },
    { write: (l: string) => lines.push(JSON.parse(l)) },
  );
  return { logger, lines };
}

async function connected(url: string, logger = capture().logger): Promise<RedisConnection> {
  const connection = new RedisConnection({ url, logger });
  if (!connection.healthy) await once(connection, 'up');
  return connection;
}

describe('RedisAnswers on a real redis-server', () => {
  let redis: TestRedis;
  let a: RedisConnection;
  let b: RedisConnection;
  const log = capture();
  let storeA: RedisAnswers;
  let storeB: RedisAnswers;
  before(async () => {
    redis = await startRedisServer();
    a = await connected(redis.url, log.logger);
    b = await connected(redis.url);
    storeA = new RedisAnswers({ connection: a, maxEntryBytes: 64 * 1024, logger: log.logger });
    storeB = new RedisAnswers({ connection: b, maxEntryBytes: 64 * 1024, logger: log.logger });
  });
  beforeEach(async () => {
    if (!a.healthy) await once(a, 'up');
    await a.client.flushdb();
  });
  after(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  test('every field comes back, the body byte for byte, through another connection', async () => {
    const body = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    const usage = { inputTokens: 12, outputTokens: 34, cachedInputTokens: 5 } as StoredAnswer['usage'];
    const put = answer({
      body,
      stream: true,
      status: 201,
      headers: ['content-type', 'text/event-stream'],
      usage,
    });
    await storeA.put('k1', put);
    const got = await storeB.get('k1', 2_000);
    assert.ok(got);
    assert.deepEqual(got, put);
    assert.ok(Buffer.isBuffer(got.body));
  });

  test('Redis holds it for its TTL, and an entry past its expiry on the gateway clock is a miss', async () => {
    await storeA.put('k2', answer({ storedAt: 1_000, expiresAt: 31_000 }));
    const pttl = await a.client.pttl(`${ANSWER_PREFIX}k2`);
    assert.ok(pttl > 0 && pttl <= 30_000, `PTTL ${pttl}`);
    assert.ok(await storeA.get('k2', 30_999));
    assert.equal(await storeA.get('k2', 31_000), undefined);
  });

  test('an answer over the bound per entry is not kept', async () => {
    await storeA.put('big', answer({ body: Buffer.alloc(65 * 1024) }));
    assert.equal(await storeA.get('big', 2_000), undefined);
    assert.equal(await a.client.exists(`${ANSWER_PREFIX}big`), 0);
  });

  test('a clear by model or upstream removes only those, across SCAN steps; an empty filter all', async () => {
    // More than one SCAN step's worth of keys.
    for (let i = 0; i < 1_200; i++)
      await storeA.put(`m${i}`, answer({ model: i % 2 === 0 ? 'even' : 'odd' }));
    await storeA.put('other', answer({ upstream: 'anthropic', model: 'even' }));
    assert.equal(await storeB.clear({ model: 'odd' }), 600);
    assert.equal(await storeB.clear({ upstream: 'openai', model: 'even' }), 600);
    assert.ok(await storeA.get('other', 2_000), 'another upstream keeps its answer');
    assert.equal(await storeA.get('m0', 2_000), undefined);
    await storeA.put('m0', answer());
    assert.equal(await storeB.clear({}), 2);
    assert.equal(await a.client.dbsize(), 0);
  });

  test('a sweep counts what all gateways hold, entries and bytes', async () => {
    await storeA.put('s1', answer());
    await storeB.put('s2', answer({ body: Buffer.alloc(1000) }));
    await storeB.sweep(0);
    assert.equal(storeB.entries, 2);
    assert.equal(storeB.bytes, answerSize(answer()) + answerSize(answer({ body: Buffer.alloc(1000) })));
  });

  test('a failing read is a miss and a failing write is dropped, both logged once', async () => {
    const from = log.lines.length;
    // Not a hash where an answer should be: HMGET fails with WRONGTYPE.
    await a.client.set(`${ANSWER_PREFIX}wrong`, 'a string');
    assert.equal(await storeA.get('wrong', 2_000), undefined);
    // A primary that must reach a replica it does not have refuses every write (NOREPLICAS).
    await a.client.config('SET', 'min-replicas-to-write', '1');
    try {
      await storeA.put('refused', answer());
      await storeA.put('refused', answer());
    } finally {
      await a.client.config('SET', 'min-replicas-to-write', '0');
    }
    assert.equal(await storeA.get('refused', 2_000), undefined);
    const warned = log.lines.slice(from).filter((l) => String(l.msg).includes('Redis response cache failed'));
    assert.equal(warned.length, 1, JSON.stringify(warned));
    assert.match(String(warned[0]!.err), /WRONGTYPE/);
  });

  test('Redis gone: reads miss and writes are dropped without a throw; back: it works again', async () => {
    await storeA.put('before', answer());
    // Each connection notices on its own and comes back on its own backoff: both are waited for.
    const down = Promise.all([once(a, 'down'), once(b, 'down')]);
    await redis.kill9();
    await down;
    assert.equal(a.healthy, false);
    assert.equal(await storeA.get('before', 2_000), undefined);
    await storeA.put('during', answer());
    await storeA.put('during-2', answer());
    const up = Promise.all([once(a, 'up'), once(b, 'up')]);
    await redis.restart();
    await up;
    assert.equal(await storeA.get('before', 2_000), undefined, 'a restarted Redis without saving is empty');
    await storeA.put('after', answer());
    assert.ok(await storeB.get('after', 2_000), 'scripts are loaded again into the new server');
  });
});

describe('RedisConnection', () => {
  test('never logs the URL password, and says once that Redis does not answer', async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    probe.close();
    await once(probe, 'close');
    const { logger, lines } = capture();
    const connection = new RedisConnection({ url: `redis://user:hunter2-secret@127.0.0.1:${port}`, logger });
    try {
      assert.equal(connection.location, `redis://user:***@127.0.0.1:${port}`);
      // Three failed attempts (each an error event), one warning. (events.once would reject on
      // the error events, which are the point here.)
      await new Promise<void>((resolve) => {
        let attempts = 0;
        connection.client.on('reconnecting', () => {
          if (++attempts === 3) resolve();
        });
      });
    } finally {
      await connection.close();
    }
    assert.equal(connection.healthy, false);
    const text = JSON.stringify(lines);
    assert.ok(!text.includes('hunter2-secret'), text);
    assert.equal(lines.filter((l) => String(l.msg).includes('Redis is not answering')).length, 1, text);
    assert.ok(text.includes(`user:***@127.0.0.1:${port}`), 'the masked URL says which Redis');
  });

  test('a script is registered once by name; another body under the same name is refused', async () => {
    const redis = await startRedisServer();
    try {
      const connection = await connected(redis.url);
      const lua = 'return tonumber(ARGV[1]) + #KEYS';
      const add = connection.script('cooldownTestAdd', lua);
      assert.equal(connection.script('cooldownTestAdd', lua), add);
      assert.throws(() => connection.script('cooldownTestAdd', 'return 0'), /another body/);
      assert.equal(await add(['x', 'y'], [40]), 42);
      await connection.close();
    } finally {
      await redis.stop();
    }
  });
});
