// Key pools under faults: bad keys among good ones, a whole upstream down and back, and what the
// breakers let through, asserted on what the mock upstream recorded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.ts';
import type { LogOutput } from '../../src/log/logger.ts';
import { chatNumbered } from '../support/chat.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { send } from '../support/http.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const GOOD = ['sk-good-key-aaaaaaaaaaaaaaaaaaaaaaaaaa01', 'sk-good-key-aaaaaaaaaaaaaaaaaaaaaaaaaa02'];
const FAILING = 'sk-bad-key-500-aaaaaaaaaaaaaaaaaaaaaa03';
const RESETTING = 'sk-bad-key-reset-aaaaaaaaaaaaaaaaaaaa04';
const HANGING = 'sk-bad-key-hang-aaaaaaaaaaaaaaaaaaaaa05';
const REVOKED = 'sk-bad-key-401-aaaaaaaaaaaaaaaaaaaaaa06';

/** `n` requests, `concurrency` at a time; the statuses seen. */
async function run(gw: TestGateway, n: number, concurrency: number): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const res = await chatNumbered(gw, next++);
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

const sentWith = (mock: MockUpstream, key: string) => mock.received.filter((r) => r.key === key).length;

function capturingLog(): { log: LogOutput; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'info', base: undefined }, { write: (line: string) => lines.push(line) });
  return { log: { logger, writeLine: (l) => lines.push(l), flush() {} }, lines };
}

interface KeyView {
  key: string;
  requests: number;
  errors: number;
  breaker: { state: string };
  removed?: string;
}

async function keyStats(gw: TestGateway): Promise<KeyView[]> {
  const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
    upstreams: { name: string; queues: { keys: KeyView[] }[] }[];
  };
  return stats.upstreams.find((u) => u.name === 'openai')!.queues[0]!.keys;
}

describe('a pool with bad keys among good ones', () => {
  test('every request succeeds and the bad keys get only a handful of attempts', async () => {
    const mock = await startMockUpstream({ keys: [...GOOD, FAILING, RESETTING, HANGING] });
    mock.addFault({ key: FAILING, fault: { kind: 'status', status: 500 } });
    mock.addFault({ key: RESETTING, fault: { kind: 'reset' } });
    mock.addFault({ key: HANGING, fault: { kind: 'hang' } });
    const { log, lines } = capturingLog();
    const gw = await startGateway(
      {
        upstreams: {
          openai: {
            url: mock.url,
            keys: [GOOD[0], FAILING, RESETTING, HANGING, REVOKED, GOOD[1]],
            balance: 'round_robin',
            timeout: '300ms',
            retries: { max: 5, backoff: '10ms' },
            // Long enough that no breaker half-opens during the test: every attempt is counted.
            breaker: { failures: 2, cooldown: '10m', max_cooldown: '1h' },
          },
        },
      },
      {},
      { log, random: () => 0.5 },
    );
    try {
      const concurrency = 4;
      assert.deepEqual(await run(gw, 60, concurrency), { 200: 60 });
      // A bad key is tried until its breaker opens (2 failures), plus what was in flight by then.
      for (const key of [FAILING, RESETTING, HANGING])
        assert.ok(sentWith(mock, key) <= 2 + concurrency, `${key}: ${sentWith(mock, key)} attempts`);
      assert.ok(sentWith(mock, REVOKED) <= concurrency, `revoked: ${sentWith(mock, REVOKED)} attempts`);
      assert.ok(sentWith(mock, GOOD[0]!) + sentWith(mock, GOOD[1]!) >= 60);

      const keys = await keyStats(gw);
      const byEnd = (end: string) => keys.find((k) => k.key.endsWith(end))!;
      // The hanging key may fail only once before the good keys have served everything.
      for (const end of ['aa03', 'aa04']) assert.equal(byEnd(end).breaker.state, 'open');
      assert.ok(byEnd('aa05').errors >= 1);
      assert.match(byEnd('aa06').removed ?? '', /^the upstream answered 401/);
      assert.equal(byEnd('aa01').breaker.state, 'closed');
      assert.equal(byEnd('aa01').errors, 0);
      assert.ok(byEnd('aa03').errors >= 2);
      // Keys are shown masked, never in clear.
      assert.ok(keys.every((k) => !GOOD.includes(k.key) && !k.key.includes('aaaaaaaaaaaa')));
      const loud = lines.filter((l) => l.includes('out of the pool'));
      assert.equal(loud.length, 1);
      assert.ok(!loud[0]!.includes(REVOKED));
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('a key that fails once is not used again for that request', async () => {
    const mock = await startMockUpstream({});
    mock.addFault({ key: FAILING, fault: { kind: 'status', status: 502 }, times: 1 });
    const gw = await startGateway({
      upstreams: {
        openai: { url: mock.url, keys: [FAILING, GOOD[0]], balance: 'round_robin', retries: { max: 1 } },
      },
    });
    try {
      const res = await chatNumbered(gw, 1);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      assert.deepEqual(
        mock.received.map((r) => [r.key, r.status]),
        [
          [FAILING, 502],
          [GOOD[0], 200],
        ],
      );
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

describe('with egress shaping off (--no-rate-limit)', () => {
  test('a failing key still fails over, and 429s still reach the client', async () => {
    const mock = await startMockUpstream({});
    mock.addFault({ key: FAILING, fault: { kind: 'status', status: 500 } });
    mock.addFault({ key: GOOD[0], fault: { kind: 'status', status: 429 }, times: 1 });
    const gw = await startGateway({
      upstreams: {
        openai: { url: mock.url, keys: [FAILING, GOOD[0]], balance: 'round_robin', limits: { rpm: 1 } },
      },
      rate_limit: { enabled: false },
    });
    try {
      const statuses = await run(gw, 6, 1);
      // The 429 is passed on as it came; everything else lands, rpm: 1 notwithstanding.
      assert.deepEqual(statuses, { 200: 5, 429: 1 });
      assert.equal(mock.received.filter((r) => r.status === 429).length, 1);
      assert.ok(
        sentWith(mock, FAILING) <= 3,
        'the failing key stops getting requests once its breaker opens',
      );
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

describe('REST hosts', () => {
  test('a small PUT body is held and sent again, whole, on the other key; a POST is sent once', async () => {
    const mock = await startMockUpstream({});
    mock.addFault({ key: FAILING, fault: { kind: 'reset' } });
    const gw = await startGateway({
      upstreams: {
        api: { url: mock.url, dialect: 'generic', keys: [FAILING, GOOD[0]], balance: 'round_robin' },
      },
      routes: { hosts: [{ match: 'api.example.com', upstream: 'api' }] },
    });
    try {
      const payload = JSON.stringify({ name: 'lighthouse', tags: ['fog', 'dawn'] });
      const put = (method: string) =>
        send(gw.url, {
          method,
          path: '/v1/items/7',
          headers: { host: 'api.example.com', 'content-type': 'application/json' },
          body: payload,
        });
      const res = await put('PUT');
      assert.equal(res.status, 200);
      assert.deepEqual(
        mock.received.map((r) => r.key),
        [FAILING, GOOD[0]],
      );
      assert.equal(mock.received[1]!.body.toString(), payload);
      // A POST the upstream may have acted on before the reset is not repeated.
      const post = await put('POST');
      assert.equal(post.status, 502);
      assert.equal(mock.received.length, 3);
      assert.equal(mock.received[2]!.key, FAILING);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

describe('config reload', () => {
  test('keys kept keep what they spent; a refused key comes back; a new key joins', async () => {
    const mock = await startMockUpstream({ keys: [GOOD[0]!, GOOD[1]!] });
    const tree = (keys: string[]) => ({
      server: { host: '127.0.0.1', port: 0 },
      upstreams: {
        openai: { url: mock.url, keys, limits: { rpm: 2 }, rate_limits: { use_headers: false } },
      },
    });
    const gw = await startGateway(tree([GOOD[0]!, REVOKED]));
    try {
      // Two requests on the good key use up its minute; the revoked key answers 401 and leaves.
      assert.deepEqual(await run(gw, 2, 1), { 200: 2 });
      const before = await keyStats(gw);
      assert.match(before.find((k) => k.key.endsWith('aa06'))!.removed ?? '', /^the upstream answered 401/);

      gw.gateway.reload(
        loadConfig({ tree: tree([GOOD[0]!, REVOKED, GOOD[1]!]), env: {}, cwd: '/nonexistent' }),
      );
      const after = (await keyStats(gw)) as (KeyView & { windows: { remaining?: number }[] })[];
      assert.equal(after.length, 3);
      assert.equal(after[0]!.windows[0]!.remaining, 0, 'the kept key still has its minute used up');
      assert.equal(after[1]!.removed, undefined, 'the refused key is back until it is refused again');
      assert.equal(after[2]!.windows[0]!.remaining, 2);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

describe('403 answers', () => {
  test('a 403 about the request is the client answer, once, and the key stays in the pool', async () => {
    const mock = await startMockUpstream({});
    mock.addFault({
      fault: {
        kind: 'status',
        status: 403,
        body: {
          error: {
            message: 'Project does not have access to model gpt-4o-mini',
            type: 'invalid_request_error',
            code: 'model_not_found',
          },
        },
      },
      times: 1,
    });
    const gw = await startGateway({ upstreams: { openai: { url: mock.url, keys: GOOD } } });
    try {
      const res = await chatNumbered(gw, 1);
      assert.equal(res.status, 403);
      await res.arrayBuffer();
      assert.equal(mock.received.length, 1);
      assert.ok((await keyStats(gw)).every((k) => k.removed === undefined));
      const next = await chatNumbered(gw, 2);
      assert.equal(next.status, 200);
      await next.arrayBuffer();
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

describe('a whole upstream down', () => {
  test('clients get a 502 with Retry-After within their deadline, and traffic resumes by itself', async () => {
    const mock = await startMockUpstream({});
    const port = mock.port;
    const gw = await startGateway({
      upstreams: {
        openai: {
          url: mock.url,
          keys: [GOOD[0]],
          queue: { timeout: '1s' },
          retries: { max: 2, backoff: '20ms' },
          breaker: { failures: 2, cooldown: '100ms', max_cooldown: '200ms' },
        },
      },
    });
    await mock.close();
    try {
      const down = await Promise.all([1, 2, 3].map((i) => chatNumbered(gw, i)));
      for (const res of down) {
        assert.equal(res.status, 502);
        assert.ok(Number(res.headers.get('retry-after')) >= 1);
        const body = (await res.json()) as { error: { code: string } };
        assert.equal(body.error.code, 'upstream_unavailable');
      }
      const stats = await keyStats(gw);
      assert.notEqual(stats[0]!.breaker.state, 'closed');

      const back = await startMockUpstream({ port });
      try {
        // The breaker half-opens by itself; the first request through it is the probe.
        const res = await chatNumbered(gw, 4);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        assert.deepEqual(await run(gw, 5, 5), { 200: 5 });
        assert.equal((await keyStats(gw))[0]!.breaker.state, 'closed');
      } finally {
        await back.close();
      }
    } finally {
      await gw.close();
    }
  });

  test('an open breaker that outlasts the deadline is answered at once, not after a wait', async () => {
    const mock = await startMockUpstream({});
    mock.addFault({ fault: { kind: 'status', status: 500 } });
    const gw = await startGateway({
      upstreams: {
        openai: {
          url: mock.url,
          keys: [GOOD[0]],
          queue: { timeout: '2s' },
          retries: { max: 0 },
          breaker: { failures: 1, cooldown: '1h', max_cooldown: '1h' },
        },
      },
    });
    try {
      const first = await chatNumbered(gw, 1);
      // The upstream's own 500 is passed on as it came.
      assert.equal(first.status, 500);
      await first.arrayBuffer();
      const second = await chatNumbered(gw, 2);
      assert.equal(second.status, 502);
      assert.equal(second.headers.get('retry-after'), '3600');
      await second.arrayBuffer();
      assert.equal(mock.received.length, 1);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
