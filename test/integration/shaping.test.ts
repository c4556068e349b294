// Upstream-aware limits end to end: bursts against mocks with hidden limits, in each header
// dialect, land without client-visible 429s and (almost) without upstream 429s.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { send } from '../support/http.ts';
import {
  type MockDialect,
  type MockLimits,
  type MockUpstream,
  startMockUpstream,
} from '../support/mock-upstream.ts';

const KEY = 'sk-shaping-test-key-000000000000001';

async function setup(
  dialect: MockDialect,
  limits: MockLimits,
  upstream: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  const mock = await startMockUpstream({ dialect, limits });
  const name = dialect === 'anthropic' ? 'anthropic' : 'openai';
  const gw = await startGateway({
    upstreams: { [name]: { url: mock.url, dialect, keys: [KEY], ...upstream } },
    ...extra,
  });
  return { mock, gw, anthropic: dialect === 'anthropic' };
}

function call(
  gw: TestGateway,
  anthropic: boolean,
  i: number,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) {
  return fetch(`${gw.url}/v1/${anthropic ? 'messages' : 'chat/completions'}`, {
    method: 'POST',
    ...(signal ? { signal } : {}),
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify({
      model: anthropic ? 'claude-test' : 'gpt-4o-mini',
      max_tokens: 40,
      messages: [{ role: 'user', content: `request number ${i}, please answer briefly` }],
      ...extra,
    }),
  });
}

async function burst(gw: TestGateway, anthropic: boolean, n: number): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await call(gw, anthropic, i);
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }),
  );
  return statuses;
}

const upstream429s = (mock: MockUpstream) => mock.received.filter((r) => r.status === 429).length;

describe('bursts against hidden limits, learned from headers', () => {
  for (const dialect of ['openai', 'anthropic', 'cerebras'] as const) {
    test(`${dialect}: a request-limited upstream`, async () => {
      const { mock, gw, anthropic } = await setup(dialect, { requests: 5, windowMs: 1000 });
      try {
        assert.deepEqual(await burst(gw, anthropic, 20), { 200: 20 });
        assert.equal(upstream429s(mock), 0);
      } finally {
        await gw.close();
        await mock.close();
      }
    });

    test(`${dialect}: a token-limited upstream`, async () => {
      const { mock, gw, anthropic } = await setup(dialect, { tokens: 1200, windowMs: 1000 });
      try {
        assert.deepEqual(await burst(gw, anthropic, 24), { 200: 24 });
        assert.equal(upstream429s(mock), 0);
      } finally {
        await gw.close();
        await mock.close();
      }
    });
  }
});

describe('upstream refusals and the queue', () => {
  test('an upstream 429 is retried after its retry-after, invisibly to the client', async () => {
    // Headers off: the gateway cannot see the limit coming, so the upstream's 429s are the signal.
    const { mock, gw, anthropic } = await setup(
      'openai',
      { requests: 3, windowMs: 1000 },
      { rate_limits: { use_headers: false } },
    );
    try {
      assert.deepEqual(await burst(gw, anthropic, 8), { 200: 8 });
      assert.ok(upstream429s(mock) > 0, 'the upstream did refuse');
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('an Anthropic 529 (overloaded) is retried after a pause, invisibly to the client', async () => {
    const { mock, gw, anthropic } = await setup('anthropic', {});
    try {
      mock.addFault({
        fault: {
          kind: 'status',
          status: 529,
          body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        },
        times: 1,
      });
      const res = await call(gw, anthropic, 0);
      assert.equal(res.status, 200);
      assert.deepEqual(
        mock.received.map((r) => r.status),
        [529, 200],
      );
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('a 429 that waiting cannot cure (out of quota) goes to the client as it is, once', async () => {
    const { mock, gw, anthropic } = await setup('openai', {});
    try {
      const quota = {
        error: {
          message: 'You exceeded your current quota.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
      };
      mock.addFault({ fault: { kind: 'status', status: 429, body: quota }, times: 1 });
      const res = await call(gw, anthropic, 0);
      assert.equal(res.status, 429);
      assert.deepEqual(await res.json(), quota);
      assert.equal(mock.received.length, 1, 'not retried');
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test("an output bound over a whole window is the upstream's to judge; a prompt over it is refused at once", async () => {
    const { mock, gw, anthropic } = await setup('openai', { tokens: 1000, windowMs: 1000 });
    try {
      assert.equal((await call(gw, anthropic, 0)).status, 200); // learns the 1000-token limit
      const before = mock.received.length;
      // The bound is only a ceiling: it waits for a whole window (a second here), is sent once, and
      // the upstream's answer is the client's.
      const bounded = await call(gw, anthropic, 1, { max_tokens: 5000 });
      assert.equal(bounded.status, 429);
      assert.match(((await bounded.json()) as { error: { message: string } }).error.message, /too large/);
      assert.equal(mock.received.length, before + 1, 'forwarded once');
      const prompt = 'word '.repeat(1000); // about 1250 tokens by the providers' rule
      const res = await call(gw, anthropic, 2, { messages: [{ role: 'user', content: prompt }] });
      assert.equal(res.status, 400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, 'request_too_large');
      assert.match(
        error.message,
        /about 1250 tokens.*tokens per minute limit of 1000 \(reported by the upstream\)/,
      );
      assert.equal(mock.received.length, before + 1, 'not forwarded');
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('a full queue answers 503 queue_full with Retry-After; a client that leaves frees its place', async () => {
    const { mock, gw, anthropic } = await setup(
      'openai',
      {},
      { limits: { max_concurrent: 1 }, queue: { max_size: 1 } },
    );
    const post = (content: string, signal: AbortSignal) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
        signal,
      }).catch(() => undefined);
    try {
      const held = new AbortController();
      const holding = call(gw, anthropic, 0, {}, { 'x-mock-fault': 'hang' }, held.signal).catch(
        () => undefined,
      );
      await mock.waitForRequests(1);
      const leaving = new AbortController();
      const queued = post('waits', leaving.signal);
      await waitForQueue(gw, 1);
      const full = await call(gw, anthropic, 2);
      assert.equal(full.status, 503);
      assert.equal(((await full.json()) as { error: { code: string } }).error.code, 'queue_full');
      assert.ok(Number(full.headers.get('retry-after')) >= 1);
      leaving.abort();
      await queued;
      await waitForQueue(gw, 0, true);
      // Its place is free again: the next one waits in the queue instead of being refused.
      const next = new AbortController();
      const nextCall = post('takes the place', next.signal);
      assert.equal(await waitForQueue(gw, 1), 1);
      next.abort();
      held.abort();
      await Promise.all([nextCall, holding]);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('the queue deadline: 503 queue_timeout with Retry-After', async () => {
    const { mock, gw, anthropic } = await setup(
      'openai',
      {},
      { limits: { max_concurrent: 1 }, queue: { timeout: '300ms' } },
    );
    try {
      const held = new AbortController();
      const holding = call(gw, anthropic, 0, {}, { 'x-mock-fault': 'hang' }, held.signal).catch(
        () => undefined,
      );
      await mock.waitForRequests(1);
      const res = await call(gw, anthropic, 1);
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'queue_timeout');
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      held.abort();
      await holding;
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  async function queueOrder(server: Record<string, unknown>): Promise<string[]> {
    const mock = await startMockUpstream({ streamChunks: 2 });
    const gw = await startGateway({
      server,
      upstreams: { openai: { url: mock.url, keys: [KEY], limits: { max_concurrent: 1 } } },
    });
    try {
      mock.setStepMode(true);
      const holder = call(gw, false, 0, { stream: true });
      await mock.waitForRequests(1);
      const queued = [
        ['normal-1', 'normal'],
        ['normal-2', 'normal'],
        ['high-1', 'high'],
        ['low-1', 'low'],
        ['high-2', 'high'],
      ].map(async ([name, priority], i) => {
        // Enqueue in this order: each waits until the one before is in the queue.
        await waitForQueue(gw, i);
        const res = await call(
          gw,
          false,
          i + 1,
          { messages: [{ role: 'user', content: name }] },
          { 'x-cooldown-priority': priority! },
        );
        await res.arrayBuffer();
      });
      await waitForQueue(gw, 5);
      mock.setStepMode(false);
      mock.release(100);
      await (await holder).arrayBuffer();
      await Promise.all(queued);
      return mock.received
        .slice(1)
        .map((r) => (r.json as { messages: Array<{ content: string }> }).messages[0]!.content);
    } finally {
      await gw.close();
      await mock.close();
    }
  }

  test('x-cooldown-priority: high goes before normal, FIFO within a priority', async () => {
    assert.deepEqual(await queueOrder({}), ['high-1', 'high-2', 'normal-1', 'normal-2', 'low-1']);
  });

  test('with client_priority off, no client can jump the queue: arrival order', async () => {
    assert.deepEqual(await queueOrder({ client_priority: false }), [
      'normal-1',
      'normal-2',
      'high-1',
      'low-1',
      'high-2',
    ]);
  });

  test('--no-rate-limit: no shaping, the upstream 429s reach the client', async () => {
    const { mock, gw, anthropic } = await setup(
      'openai',
      { requests: 2, windowMs: 60_000 },
      {},
      { rate_limit: { enabled: false } },
    );
    try {
      const statuses = await burst(gw, anthropic, 6);
      assert.equal(statuses[200], 2);
      assert.equal(statuses[429], 4);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

describe('what the limiter shows', () => {
  test('rate-limit headers on answers, and /stats with learned limits per key', async () => {
    const { mock, gw, anthropic } = await setup('openai', {
      requests: 50,
      tokens: 100_000,
      windowMs: 60_000,
    });
    try {
      await (await call(gw, anthropic, 0)).arrayBuffer();
      const res = await call(gw, anthropic, 1);
      await res.arrayBuffer();
      assert.equal(res.headers.get('x-ratelimit-limit-rpm'), '50');
      assert.equal(res.headers.get('x-ratelimit-current-tpm-limit'), '100000');
      assert.ok(Number(res.headers.get('x-ratelimit-remaining-tpm')) < 100_000);
      assert.equal(res.headers.get('x-ratelimit-queue-length'), '0');
      assert.ok(res.headers.get('x-cooldown-queue-ms') !== null);
      assert.ok(res.headers.get('x-ratelimit-limit-requests'), "the upstream's own headers pass through");
      const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
        upstreams: Array<{
          name: string;
          queues: Array<{ keys: Array<{ key: string; windows: Array<Record<string, unknown>> }> }>;
        }>;
      };
      const key = stats.upstreams.find((u) => u.name === 'openai')!.queues[0]!.keys[0]!;
      assert.equal(key.key, 'sk-sha...0001');
      const rpm = key.windows.find((w) => w.dimension === 'requests' && w.window === 'minute')!;
      assert.equal(rpm.learned_limit, 50);
      assert.equal(rpm.source, 'headers');
      assert.equal(rpm.remaining, 48);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('a stream is asked for usage, and the client that did not ask never sees that chunk', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway({ upstreams: { openai: { url: mock.url, keys: [KEY] } } });
    try {
      const res = await call(gw, false, 0, { stream: true });
      const text = await res.text();
      assert.equal(
        (mock.received.at(-1)!.json as { stream_options?: { include_usage?: boolean } }).stream_options
          ?.include_usage,
        true,
      );
      assert.ok(text.includes('data: [DONE]'));
      assert.ok(!text.includes('"choices":[]'), 'no usage-only chunk');
      const asked = await (
        await call(gw, false, 1, { stream: true, stream_options: { include_usage: true } })
      ).text();
      assert.ok(asked.includes('"choices":[]'), 'the client that asked gets it');
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

/**
 * Asks the gateway's /stats, request after request, until `n` requests wait in its queues (or, with
 * `exactly`, until exactly `n` do): the queue length is the gateway's own state, with no event to
 * listen to from outside.
 */
async function waitForQueue(gw: TestGateway, n: number, exactly = false): Promise<number> {
  for (;;) {
    const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
      upstreams: Array<{ queues: Array<{ queue_length: number }> }>;
    };
    const waiting = stats.upstreams.flatMap((u) => u.queues).reduce((a, q) => a + q.queue_length, 0);
    if (exactly ? waiting === n : waiting >= n) return waiting;
  }
}

describe('REST host routes', () => {
  test('each host route is spaced at its own rate; requests wait rather than fail', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway({
      upstreams: { rest: { url: mock.url, dialect: 'generic' } },
      routes: {
        hosts: [
          { match: 'fast.example.net', upstream: 'rest', limits: { rate: '20/s', burst: 1 } },
          { match: 'slow.example.net', upstream: 'rest', limits: { rate: '5/s', burst: 1 } },
        ],
      },
    });
    const get = async (host: string, i: number) =>
      (await send(gw.url, { path: `/${host}/${i}`, headers: { host } })).status;
    try {
      const statuses = await Promise.all([
        ...Array.from({ length: 5 }, (_, i) => get('fast.example.net', i)),
        ...Array.from({ length: 5 }, (_, i) => get('slow.example.net', i)),
      ]);
      assert.deepEqual(statuses, Array(10).fill(200));
      for (const [host, intervalMs] of [
        ['fast.example.net', 50],
        ['slow.example.net', 200],
      ] as const) {
        const times = mock.received.filter((r) => r.path.startsWith(`/${host}/`)).map((r) => r.at);
        assert.equal(times.length, 5);
        // The pace is kept from the first send: a late timer makes one gap longer and the next one
        // shorter, but the i-th request never leaves before i intervals. Counted from the second
        // arrival: the first one also opened the connection. Arrivals are read at the mock, so any
        // one of them can reach it late on a busy machine (a new connection, a stalled loop): the
        // slack is a fifth of an interval, far below what an unspaced burst would show (all five
        // within a few ms).
        for (let i = 2; i < times.length; i++) {
          assert.ok(
            times[i]! - times[1]! >= (i - 1) * intervalMs - intervalMs / 5 - 5,
            `${host}: request ${i} sent ${times[i]! - times[1]!} ms after the second`,
          );
        }
      }
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
