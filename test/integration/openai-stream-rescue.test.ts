// Stream rescue for OpenAI-style chat streams: a stream cut after bytes went out is continued on
// another key or the fallback, by prefill where the target can continue a final assistant message,
// else by asking for the whole answer again and going on only if it starts with what the client
// has. The official OpenAI SDK sees one answer.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { startGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const KEYS = ['sk-rescue-openai-key-dddddddddddddddddddd1', 'sk-rescue-openai-key-dddddddddddddddddddd2'];
const SPARE_KEY = 'sk-rescue-spare-key-eeeeeeeeeeeeeeeeeeeeee1';
const REPLY = 'The lighthouse keeper counted ships until the fog lifted at dawn.';
const MODEL = 'local-model';

interface Setup {
  main?: Record<string, unknown>;
  keys?: number;
  mainMock?: Parameters<typeof startMockUpstream>[0];
  spareMock?: Parameters<typeof startMockUpstream>[0];
  fallback?: Record<string, unknown>;
}

async function setup(o: Setup = {}) {
  const main = await startMockUpstream({ reply: REPLY, streamChunks: 8, ...o.mainMock });
  const spare = await startMockUpstream({ reply: REPLY, streamChunks: 8, ...o.spareMock });
  const gw = await startGateway({
    upstreams: {
      main: { url: main.url, keys: KEYS.slice(0, o.keys ?? 2), balance: 'round_robin', ...o.main },
      spare: { url: spare.url, keys: [SPARE_KEY] },
    },
    routes: {
      models: [
        {
          match: MODEL,
          upstream: 'main',
          stream_rescue: true,
          fallbacks: o.fallback ? [{ upstream: 'spare', ...o.fallback }] : [],
        },
      ],
    },
  });
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  const close = async () => {
    await gw.close();
    await main.close();
    await spare.close();
  };
  return { main, spare, client, close };
}

interface Read {
  text: string;
  ids: Set<string>;
  roles: number;
  usage: OpenAI.CompletionUsage | undefined;
  finish: string | null | undefined;
}

async function read(client: OpenAI, usage = false): Promise<Read> {
  const stream = await client.chat.completions.create({
    model: MODEL,
    max_tokens: 200,
    stream: true,
    ...(usage ? { stream_options: { include_usage: true } } : {}),
    messages: [{ role: 'user', content: 'Tell me a very short story.' }],
  });
  const out: Read = { text: '', ids: new Set(), roles: 0, usage: undefined, finish: undefined };
  for await (const chunk of stream) {
    out.ids.add(chunk.id);
    const choice = chunk.choices[0];
    if (choice?.delta.role) out.roles++;
    out.text += choice?.delta.content ?? '';
    if (choice?.finish_reason) out.finish = choice.finish_reason;
    if (chunk.usage) out.usage = chunk.usage;
  }
  return out;
}

const messagesOf = (mock: MockUpstream, i: number) =>
  (mock.received[i]!.json as { messages: Record<string, unknown>[] }).messages;

describe('OpenAI-style stream rescue', () => {
  test('by prefill: a cut stream continues on the other key and the client gets one whole answer', async () => {
    const { main, client, close } = await setup({
      main: { prefill: 'assistant' },
      mainMock: { prefill: { continue: [MODEL] } },
    });
    // The role chunk and three content chunks, then the connection drops.
    main.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 4 }, times: 1 });
    try {
      const got = await read(client, true);
      assert.equal(got.text, REPLY);
      assert.equal(got.finish, 'stop');
      assert.equal(got.ids.size, 1, 'one id across both parts');
      assert.equal(got.roles, 1);
      assert.equal(main.received.length, 2);
      assert.notEqual(main.received[0]!.key, main.received[1]!.key, 'continued on the other key');
      const prefill = messagesOf(main, 1).at(-1)!;
      assert.equal(prefill.role, 'assistant');
      assert.ok(REPLY.startsWith(prefill.content as string) && (prefill.content as string).length > 0);
      const body = main.received[1]!.json as { max_tokens: number };
      assert.ok(body.max_tokens < 200, 'the bound less what the client has');
      assert.ok(
        (got.usage?.completion_tokens ?? 0) >
          Math.ceil((REPLY.length - (prefill.content as string).length) / 4),
        'usage covers both parts',
      );
    } finally {
      await close();
    }
  });

  test('by regenerate and verify: a target that cannot prefill answers anew, and only the rest goes on', async () => {
    const { main, client, close } = await setup();
    main.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 4 }, times: 1 });
    try {
      const got = await read(client);
      assert.equal(got.text, REPLY);
      assert.equal(got.ids.size, 1);
      assert.equal(main.received.length, 2);
      assert.deepEqual(
        messagesOf(main, 1).map((m) => m.role),
        ['user'],
        'no prefill for a target that cannot take one',
      );
    } finally {
      await close();
    }
  });

  test('first_token_timeout does not cut a regenerated answer while it is being checked', async () => {
    const { main, client, close } = await setup({
      main: { first_token_timeout: '300ms' },
      mainMock: { chunkDelayMs: 100 },
    });
    // Seven chunks reach the client: regenerating them takes longer than the first-token bound.
    main.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 7 }, times: 1 });
    try {
      const got = await read(client);
      assert.equal(got.text, REPLY);
      assert.equal(main.received.length, 2);
    } finally {
      await close();
    }
  });

  test('a fallback entry can say how its model continues: here with a DeepSeek-style prefix flag', async () => {
    const { main, spare, client, close } = await setup({
      keys: 1,
      main: { retries: { max: 0 } },
      spareMock: { prefill: { continue: ['deepseek-chat'] } },
      fallback: { model: 'deepseek-chat', prefill: 'deepseek' },
    });
    main.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 4 }, times: 1 });
    try {
      const got = await read(client);
      assert.equal(got.text, REPLY);
      assert.equal(main.received.length, 1);
      assert.equal(spare.received.length, 1);
      const prefill = messagesOf(spare, 0).at(-1)!;
      assert.equal(prefill.role, 'assistant');
      assert.equal(prefill.prefix, true);
    } finally {
      await close();
    }
  });

  test('a target that refuses the prefill and answers differently: the stream ends with the in-band error', async () => {
    const { main, spare, client, close } = await setup({
      keys: 1,
      main: { retries: { max: 0 } },
      spareMock: { reply: 'A different story entirely, about a cat.', prefill: { refuse: [MODEL] } },
      fallback: { prefill: 'assistant' },
    });
    main.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 4 }, times: 1 });
    try {
      let text = '';
      await assert.rejects(
        (async () => {
          const stream = await client.chat.completions.create({
            model: MODEL,
            stream: true,
            messages: [{ role: 'user', content: 'Tell me a very short story.' }],
          });
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        })(),
        (err: unknown) =>
          err instanceof OpenAI.APIError && /differs from what was already sent/.test(err.message),
      );
      assert.ok(REPLY.startsWith(text) && text.length > 0, 'the client kept only the true part');
      assert.deepEqual(
        spare.received.map((r) => r.status),
        [400, 200],
        'the prefill was refused, then the answer asked for again',
      );
    } finally {
      await close();
    }
  });

  test('a stream of several choices (n: 2) is not continued: in-band error as without rescue', async () => {
    const { main, client, close } = await setup();
    main.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 4 }, times: 1 });
    try {
      const stream = await client.chat.completions.create({
        model: MODEL,
        stream: true,
        n: 2,
        messages: [{ role: 'user', content: 'Tell me a very short story.' }],
      });
      await assert.rejects(
        (async () => {
          for await (const _ of stream);
        })(),
        /broke off/,
      );
      assert.equal(main.received.length, 1, 'several choices: no rescue');
    } finally {
      await close();
    }
  });
});
