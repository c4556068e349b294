// Failover that decides fast when a fallback exists: a primary gets only its share of the time from
// the request's start, and gives up at once on what waiting will not cure (429s that never say
// when, a reset later than its share, an open breaker, silence); a recovered primary gets its
// traffic back within `probe_interval`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock } from '../../src/time/clock.ts';
import { chatSmart } from '../support/chat.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { startMockUpstream } from '../support/mock-upstream.ts';

const KEYS = ['sk-fast-primary-key-aaaaaaaaaaaaaaaaaaa1', 'sk-fast-primary-key-aaaaaaaaaaaaaaaaaaa2'];
const SPARE_KEY = 'sk-fast-spare-key-bbbbbbbbbbbbbbbbbbbbbb1';

interface Setup {
  primary?: Record<string, unknown>;
  route?: Record<string, unknown>;
  fallback?: boolean;
  keys?: number;
  /** Mock options of the primary. */
  mock?: { sendLimitHeaders?: boolean };
  clock?: ReturnType<typeof createManualClock>;
}

async function setup(o: Setup = {}) {
  const primary = await startMockUpstream({ ...o.mock });
  const spare = await startMockUpstream({});
  const gw = await startGateway(
    {
      upstreams: {
        main: { url: primary.url, keys: KEYS.slice(0, o.keys ?? 1), ...o.primary },
        spare: { url: spare.url, keys: [SPARE_KEY] },
      },
      routes: {
        models: [
          {
            match: 'smart',
            upstream: 'main',
            model: 'gpt-4o',
            fallbacks: o.fallback === false ? [] : [{ upstream: 'spare', model: 'gpt-4o-mini' }],
            ...o.route,
          },
        ],
      },
    },
    {},
    o.clock ? { clock: o.clock } : {},
  );
  const close = async () => {
    await gw.close();
    await primary.close();
    await spare.close();
  };
  return { primary, spare, gw, close };
}

async function chat(gw: TestGateway, extra: Record<string, unknown> = {}) {
  const res = await chatSmart(gw, extra);
  const text = await res.text();
  return { status: res.status, upstream: res.headers.get('x-cooldown-upstream'), text };
}

const rateLimited = (headers: Record<string, string> = {}) =>
  ({ kind: 'status', status: 429, headers }) as const;

describe('failover that decides fast', () => {
  test('429s that never say when count toward retries.max, then the fallback serves', async () => {
    const { primary, spare, gw, close } = await setup({
      primary: { retries: { max: 2, backoff: '20ms' } },
      mock: { sendLimitHeaders: false },
    });
    primary.addFault({ fault: rateLimited() });
    try {
      const res = await chat(gw);
      assert.equal(res.status, 200);
      assert.equal(res.upstream, 'spare');
      assert.equal(primary.received.length, 3, 'the first try and retries.max more');
      assert.equal(spare.received.length, 1);
    } finally {
      await close();
    }
  });

  test('without a fallback, such 429s reach the client after retries.max, not after the queue deadline', async () => {
    const { primary, gw, close } = await setup({
      primary: { retries: { max: 1, backoff: '20ms' }, queue: { timeout: '10m' } },
      mock: { sendLimitHeaders: false },
      fallback: false,
    });
    primary.addFault({ fault: rateLimited() });
    try {
      const res = await chat(gw);
      assert.equal(res.status, 429);
      assert.equal(primary.received.length, 2);
    } finally {
      await close();
    }
  });

  test('a 429 whose reset is later than the primary share of the deadline falls back at once', async () => {
    const { primary, spare, gw, close } = await setup({
      primary: { queue: { timeout: '4s' } },
      mock: { sendLimitHeaders: false },
    });
    primary.addFault({ fault: rateLimited({ 'retry-after': '30' }) });
    try {
      const res = await chat(gw);
      assert.equal(res.upstream, 'spare');
      assert.equal(primary.received.length, 1);
      assert.equal(spare.received.length, 1);
    } finally {
      await close();
    }
  });

  test("fallback_after bounds the primary's time from the request's start, not from each wait", async () => {
    // 2 s deadline, half of it for the primary. Each 429 asks for 600 ms: the first wait ends at
    // 0.6 s, inside the share; a second would end at 1.2 s, past it, so the fallback serves then.
    const { primary, spare, gw, close } = await setup({
      primary: { queue: { timeout: '2s' } },
      mock: { sendLimitHeaders: false },
    });
    primary.addFault({ fault: rateLimited({ 'retry-after-ms': '600' }) });
    try {
      const res = await chat(gw);
      assert.equal(res.upstream, 'spare');
      assert.equal(primary.received.length, 2);
      assert.equal(spare.received.length, 1);
    } finally {
      await close();
    }
  });

  test('an open breaker on a route with a fallback sends requests to the fallback at once', async () => {
    const { primary, spare, gw, close } = await setup({
      primary: { retries: { max: 0 }, breaker: { failures: 1, cooldown: '10m' } },
    });
    primary.addFault({ fault: { kind: 'status', status: 500 } });
    try {
      assert.equal((await chat(gw)).upstream, 'spare', 'the failing primary hands over');
      assert.equal(primary.received.length, 1);
      for (let i = 0; i < 3; i++) {
        const res = await chat(gw);
        assert.equal(res.status, 200);
        assert.equal(res.upstream, 'spare');
      }
      assert.equal(primary.received.length, 1, 'nothing more waited on the open breaker');
      assert.equal(spare.received.length, 4);
    } finally {
      await close();
    }
  });

  test('a recovered primary gets its traffic back within probe_interval (virtual time)', async () => {
    const clock = createManualClock();
    const { primary, spare, gw, close } = await setup({
      primary: { retries: { max: 0 }, breaker: { failures: 1, cooldown: '10m', probe_interval: '15s' } },
      clock,
    });
    primary.addFault({ fault: { kind: 'status', status: 500 }, times: 1 });
    try {
      assert.equal((await chat(gw)).upstream, 'spare');
      clock.advance(13_000);
      assert.equal((await chat(gw)).upstream, 'spare', 'still open before the interval');
      clock.advance(2_000);
      assert.equal((await chat(gw)).upstream, 'main', 'the probe goes to the primary, which answers');
      assert.equal((await chat(gw)).upstream, 'main', 'closed again');
      assert.equal(primary.received.length, 3);
      assert.equal(spare.received.length, 2);
    } finally {
      await close();
    }
  });

  test("while a half-open breaker's probe is out, other requests go to the fallback", async () => {
    const clock = createManualClock();
    const { primary, spare, gw, close } = await setup({
      primary: { retries: { max: 0 }, timeout: '300ms', breaker: { failures: 1, cooldown: '10s' } },
      clock,
    });
    primary.addFault({ fault: { kind: 'status', status: 500 }, times: 1 });
    try {
      assert.equal((await chat(gw)).upstream, 'spare');
      clock.advance(10_000);
      // The probe: the primary does not answer it for a while.
      primary.addFault({ fault: { kind: 'hang' }, times: 1 });
      const probe = chat(gw);
      await primary.waitForRequests(2);
      const other = await chat(gw);
      assert.equal(other.upstream, 'spare', 'not queued behind the probe');
      assert.equal((await probe).upstream, 'spare', 'the silent probe hands over too');
      assert.equal(primary.received.length, 2);
      assert.equal(spare.received.length, 3);
    } finally {
      await close();
    }
  });

  test('a silent primary with one key is tried once, then the fallback serves', async () => {
    const { primary, spare, gw, close } = await setup({ primary: { timeout: '300ms' } });
    primary.addFault({ fault: { kind: 'hang' } });
    try {
      const res = await chat(gw);
      assert.equal(res.status, 200);
      assert.equal(res.upstream, 'spare');
      assert.equal(primary.received.length, 1);
      assert.equal(spare.received.length, 1);
    } finally {
      await close();
    }
  });

  test('a silent primary with more keys gets one other key, then the fallback', async () => {
    const { primary, spare, gw, close } = await setup({ primary: { timeout: '300ms' }, keys: 2 });
    primary.addFault({ fault: { kind: 'hang' } });
    try {
      assert.equal((await chat(gw)).upstream, 'spare');
      assert.deepEqual(primary.received.map((r) => r.key).sort(), [...KEYS].sort());
      assert.equal(spare.received.length, 1);
    } finally {
      await close();
    }
  });

  test('first_token_timeout fails a slow stream over to the fallback before anything reached the client', async () => {
    const { primary, spare, gw, close } = await setup({ route: { first_token_timeout: '200ms' } });
    primary.addFault({ fault: { kind: 'slow-first-token', delayMs: 5000 } });
    try {
      const res = await chat(gw, { stream: true });
      assert.equal(res.status, 200);
      assert.equal(res.upstream, 'spare');
      assert.ok(res.text.trimEnd().endsWith('data: [DONE]'));
      assert.equal(primary.received.length, 1);
      assert.equal(spare.received.length, 1);
    } finally {
      await close();
    }
  });

  test('first_token_timeout without a fallback is a failure like any other: another key', async () => {
    const { primary, gw, close } = await setup({
      primary: { first_token_timeout: '200ms' },
      keys: 2,
      fallback: false,
    });
    primary.addFault({ fault: { kind: 'slow-first-token', delayMs: 5000 }, times: 1 });
    try {
      const res = await chat(gw);
      assert.equal(res.status, 200);
      assert.equal(res.upstream, 'main');
      assert.equal(primary.received.length, 2);
      assert.notEqual(primary.received[0]!.key, primary.received[1]!.key);
    } finally {
      await close();
    }
  });
});

describe('waiting for a long answer', () => {
  test('a slow non-streamed answer is waited for under the timeout, and is a timeout past it', async () => {
    // The default is 600 s (see config tests); here a short one shows it is what decides.
    const mock = await startMockUpstream({ latencyMs: 1200 });
    const patient = await startGateway({ upstreams: { openai: { url: mock.url, keys: [SPARE_KEY] } } });
    const hasty = await startGateway({
      upstreams: { openai: { url: mock.url, keys: [SPARE_KEY], timeout: '400ms', retries: { max: 0 } } },
    });
    const ask = (gw: TestGateway) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
    try {
      const slow = await ask(patient);
      assert.equal(slow.status, 200);
      assert.equal(((await slow.json()) as { object: string }).object, 'chat.completion');
      const cut = await ask(hasty);
      assert.equal(cut.status, 504);
      assert.equal(((await cut.json()) as { error: { code: string } }).error.code, 'upstream_timeout');
    } finally {
      await patient.close();
      await hasty.close();
      await mock.close();
    }
  });
});
