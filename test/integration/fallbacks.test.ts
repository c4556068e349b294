// Model fallbacks and stream failures: which failures move a request to the route's fallback,
// which are the client's answer once, and what a stream that breaks counts as.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chatSmart } from '../support/chat.ts';
import { startGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const PRIMARY_KEY = 'sk-primary-key-bbbbbbbbbbbbbbbbbbbbbbbb1';
const FALLBACK_KEY = 'sk-fallback-key-bbbbbbbbbbbbbbbbbbbbbbb2';

async function setup(primaryExtra: Record<string, unknown> = {}, route: Record<string, unknown> = {}) {
  const primary = await startMockUpstream({});
  const fallback = await startMockUpstream({ dialect: 'cerebras' });
  const gw = await startGateway({
    upstreams: {
      big: { url: primary.url, keys: [PRIMARY_KEY], ...primaryExtra },
      spare: { url: fallback.url, dialect: 'cerebras', keys: [FALLBACK_KEY] },
    },
    routes: {
      models: [
        {
          match: 'smart',
          upstream: 'big',
          model: 'gpt-4o',
          fallbacks: [{ upstream: 'spare', model: 'llama-3.3-70b' }],
          ...route,
        },
      ],
    },
  });
  const close = async () => {
    await gw.close();
    await primary.close();
    await fallback.close();
  };
  return { primary, fallback, gw, close };
}

const modelSent = (mock: MockUpstream) => mock.received.map((r) => (r.json as { model: string }).model);

function openaiError(code: string, message: string) {
  return { error: { message, type: 'invalid_request_error', param: 'messages', code } };
}

describe('model fallbacks', () => {
  test('a prompt over the primary model context goes to the fallback, renamed', async () => {
    const { primary, fallback, gw, close } = await setup();
    primary.addFault({
      fault: {
        kind: 'status',
        status: 400,
        body: openaiError('context_length_exceeded', "This model's maximum context length is 128000 tokens."),
      },
    });
    try {
      const res = await chatSmart(gw);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-cooldown-upstream'), 'spare');
      const body = (await res.json()) as { choices: unknown[] };
      assert.equal(body.choices.length, 1);
      assert.deepEqual(modelSent(primary), ['gpt-4o']);
      assert.deepEqual(modelSent(fallback), ['llama-3.3-70b']);
      assert.equal(fallback.received[0]!.key, FALLBACK_KEY);
    } finally {
      await close();
    }
  });

  test('a content-policy refusal is the answer, once, and the fallback is not asked', async () => {
    const { primary, fallback, gw, close } = await setup();
    primary.addFault({
      fault: {
        kind: 'status',
        status: 400,
        body: openaiError('content_policy_violation', 'Refused by policy.'),
      },
    });
    try {
      const res = await chatSmart(gw);
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('x-cooldown-upstream'), 'big');
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'content_policy_violation');
      assert.equal(primary.received.length, 1);
      assert.equal(fallback.received.length, 0);
    } finally {
      await close();
    }
  });

  test('a failing primary hands over to the fallback after its retries', async () => {
    const { primary, fallback, gw, close } = await setup({ retries: { max: 1, backoff: '10ms' } });
    primary.addFault({ fault: { kind: 'status', status: 500 } });
    try {
      const res = await chatSmart(gw);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-cooldown-upstream'), 'spare');
      await res.arrayBuffer();
      assert.equal(primary.received.length, 2);
      assert.equal(fallback.received.length, 1);
    } finally {
      await close();
    }
  });

  test('a primary that cannot admit within its share of the deadline hands over', async () => {
    const { primary, fallback, gw, close } = await setup(
      { limits: { rpm: 1 }, rate_limits: { use_headers: false }, queue: { timeout: '400ms' } },
      { fallback_after: 0.5 },
    );
    try {
      const first = await chatSmart(gw);
      assert.equal(first.headers.get('x-cooldown-upstream'), 'big');
      await first.arrayBuffer();
      const second = await chatSmart(gw);
      assert.equal(second.status, 200);
      assert.equal(second.headers.get('x-cooldown-upstream'), 'spare');
      await second.arrayBuffer();
      assert.equal(primary.received.length, 1);
      assert.equal(fallback.received.length, 1);
    } finally {
      await close();
    }
  });

  test('a fallback that speaks another API is a config error naming the route', async () => {
    await assert.rejects(
      startGateway({
        upstreams: {
          big: { url: 'http://127.0.0.1:9', keys: ['k'] },
          claude: { url: 'http://127.0.0.1:9', dialect: 'anthropic', keys: ['k'] },
        },
        routes: { models: [{ match: 'x', upstream: 'big', fallbacks: [{ upstream: 'claude' }] }] },
      }),
      /routes\.models\[0\]\.fallbacks\[0\]\.upstream: "claude" speaks the anthropic API/,
    );
  });
});

describe('stream failures', () => {
  test('a stream that dies before its first byte is sent again, and the client gets it whole', async () => {
    const { primary, gw, close } = await setup();
    primary.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 0 }, times: 1 });
    try {
      const res = await chatSmart(gw, { stream: true });
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.ok(text.trimEnd().endsWith('data: [DONE]'));
      assert.ok(!text.includes('"error"'));
      assert.equal(primary.received.length, 2);
    } finally {
      await close();
    }
  });

  test('a stream cut after bytes went out ends with an in-band error and counts against the key', async () => {
    const { primary, gw, close } = await setup();
    primary.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 2 }, times: 1 });
    try {
      const res = await chatSmart(gw, { stream: true });
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.ok(!text.includes('data: [DONE]'));
      assert.match(text, /"code":"upstream_unavailable"/);
      const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
        upstreams: { name: string; queues: { keys: { errors: number }[] }[] }[];
      };
      assert.equal(stats.upstreams.find((u) => u.name === 'big')!.queues[0]!.keys[0]!.errors, 1);
    } finally {
      await close();
    }
  });
});
