// Proves the mock upstream is faithful: the official SDKs talk to it directly, and faults look real on the wire.
import assert from 'node:assert/strict';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { formatGoDuration } from '../src/mock/limit-headers.ts';
import { type MockUpstream, type MockUpstreamOptions, startMockUpstream } from './support/mock-upstream.ts';

const REPLY = 'Hello from the mock upstream.';

async function withMock(
  options: MockUpstreamOptions,
  fn: (mock: MockUpstream) => Promise<void>,
): Promise<void> {
  const mock = await startMockUpstream(options);
  try {
    await fn(mock);
  } finally {
    await mock.close();
  }
}

const openaiClient = (mock: MockUpstream, apiKey = 'k1') =>
  new OpenAI({ baseURL: `${mock.url}/v1`, apiKey, maxRetries: 0 });
const anthropicClient = (mock: MockUpstream, apiKey = 'k1') =>
  new Anthropic({ baseURL: mock.url, apiKey, maxRetries: 0 });

const question = [{ role: 'user' as const, content: 'Say hello, please.' }]; // 18 chars -> 5 tokens

const chatBody = (
  extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {},
): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming => ({
  model: 'gpt-4o-mini',
  messages: question,
  ...extra,
});
const chatStreamBody = (
  extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsStreaming> = {},
): OpenAI.Chat.ChatCompletionCreateParamsStreaming => ({ ...chatBody(), stream: true, ...extra });
const messagesBody = (
  extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {},
): Anthropic.MessageCreateParamsNonStreaming => ({
  model: 'claude-haiku-4-5',
  max_tokens: 100,
  messages: question,
  ...extra,
});

interface RawReply {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

/** A POST (or other) with node:http, collecting the whole answer. */
function send(
  mock: MockUpstream,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  method = body === undefined ? 'GET' : 'POST',
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(`${mock.url}${path}`, {
      method,
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json', ...headers },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** An open streaming exchange: text so far, a wait for more, and how it ended. */
interface OpenStream {
  req: ClientRequest;
  response: Promise<IncomingMessage>;
  text(): string;
  /** Resolves once the received text contains `needle`. */
  until(needle: string): Promise<void>;
  /** Resolves with 'end' or the error the body failed with. */
  ended: Promise<'end' | Error>;
}

function openStream(mock: MockUpstream, path: string, body: unknown, headers: Record<string, string> = {}) {
  let text = '';
  const watchers: Array<() => void> = [];
  const req = request(`${mock.url}${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer k1', 'content-type': 'application/json', ...headers },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  const ended = response.then(
    (res) =>
      new Promise<'end' | Error>((resolve) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          for (const watch of watchers.splice(0)) watch();
        });
        res.on('end', () => resolve('end'));
        res.on('error', (error) => resolve(error));
      }),
    (error: Error) => error,
  );
  req.end(JSON.stringify(body));
  const until = (needle: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (text.includes(needle)) resolve();
        else watchers.push(check);
      };
      void ended.then((how) => {
        if (!text.includes(needle))
          reject(new Error(`stream ended (${String(how)}) without ${needle}: ${text}`));
      });
      check();
    });
  const stream: OpenStream = { req, response, text: () => text, until, ended };
  return stream;
}

function dataEvents(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: ') && !block.includes('[DONE]'))
    .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as unknown);
}

describe('OpenAI SDK against the mock', () => {
  it('chat completion JSON echoes the model and bills prompt tokens by characters', async () => {
    await withMock({}, async (mock) => {
      const { data, response } = await openaiClient(mock).chat.completions.create(chatBody()).withResponse();
      assert.equal(data.choices[0]?.message.content, REPLY);
      assert.equal(data.choices[0]?.finish_reason, 'stop');
      assert.equal(data.model, 'gpt-4o-mini');
      assert.deepEqual(
        [data.usage?.prompt_tokens, data.usage?.completion_tokens, data.usage?.total_tokens],
        [5, 8, 13],
      );
      assert.match(response.headers.get('x-request-id') ?? '', /^req_/);
      assert.equal(mock.received.length, 1);
      assert.equal(mock.received[0]?.key, 'k1');
      assert.equal(mock.received[0]?.status, 200);
      assert.equal(mock.received[0]?.route, 'chat');
      assert.equal((mock.received[0]?.json as { model?: string } | undefined)?.model, 'gpt-4o-mini');
    });
  });

  it('chat stream with include_usage: content concatenates, usage arrives in a last choices-less chunk', async () => {
    await withMock({ streamChunks: 4 }, async (mock) => {
      const stream = await openaiClient(mock).chat.completions.create(
        chatStreamBody({ stream_options: { include_usage: true } }),
      );
      let content = '';
      const chunks = [];
      for await (const chunk of stream) {
        chunks.push(chunk);
        content += chunk.choices[0]?.delta.content ?? '';
      }
      assert.equal(content, REPLY);
      const last = chunks.at(-1);
      assert.deepEqual(last?.choices, []);
      assert.equal(last?.usage?.total_tokens, 13);
      assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
      assert.equal(chunks.length, 6); // 4 content + finish + usage
      // [DONE] is a chunk too.
      assert.equal(mock.chunksSent(mock.received[0]?.id ?? 0), 7);
    });
  });

  it('chat stream without include_usage sends no usage at all', async () => {
    await withMock({}, async (mock) => {
      const res = await send(mock, '/v1/chat/completions', chatStreamBody());
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      assert.ok(res.text.endsWith('data: [DONE]\n\n'));
      assert.ok(!res.text.includes('"usage"'));
    });
  });

  it('embeddings are deterministic unit vectors that put paraphrases close, decoded from base64 by the SDK', async () => {
    await withMock({}, async (mock) => {
      const client = openaiClient(mock);
      const a = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['abcd', 'efgh'] });
      const b = await client.embeddings.create({
        model: 'text-embedding-3-small',
        input: 'abcd',
        dimensions: 64,
      });
      assert.equal(a.data.length, 2);
      assert.equal(a.data[0]?.embedding.length, 1536);
      assert.equal(b.data[0]?.embedding.length, 64);
      assert.deepEqual(a.usage, { prompt_tokens: 2, total_tokens: 2 });
      const norm = Math.hypot(...(a.data[0]?.embedding ?? []));
      assert.ok(Math.abs(norm - 1) < 1e-3);
      assert.notDeepEqual(a.data[0]?.embedding, a.data[1]?.embedding);
      const again = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['abcd'] });
      assert.deepEqual(again.data[0]?.embedding, a.data[0]?.embedding);
      // Bag-of-words vectors: a paraphrase lands close, another subject far.
      const texts = [
        'What is the capital of France?',
        'Tell me the capital city of France',
        'How do I bake sourdough bread?',
      ];
      const [question, paraphrase, other] = (
        await client.embeddings.create({ model: 'text-embedding-3-small', input: texts })
      ).data.map((d) => d.embedding);
      const dot = (x: number[] = [], y: number[] = []) => x.reduce((sum, v, i) => sum + v * (y[i] ?? 0), 0);
      assert.ok(dot(question, paraphrase) >= 0.8);
      assert.ok(dot(question, other) <= 0.3);
      assert.equal(
        (mock.received[0]?.json as { encoding_format?: string } | undefined)?.encoding_format,
        'base64',
      );
    });
  });

  it('models.list answers in OpenAI shape, and in the dialect catalog', async () => {
    await withMock({ dialect: 'groq' }, async (mock) => {
      const ids = [];
      for await (const model of openaiClient(mock).models.list()) ids.push(model.id);
      assert.ok(ids.includes('llama-3.1-8b-instant'));
      const one = await openaiClient(mock).models.retrieve('llama-3.3-70b-versatile');
      assert.equal(one.object, 'model');
    });
    await withMock({ dialect: 'cerebras', models: ['qwen-3-32b'] }, async (mock) => {
      const page = await openaiClient(mock).models.list();
      assert.deepEqual(page.data, [
        { id: 'qwen-3-32b', object: 'model', created: 1_700_000_000, owned_by: 'Cerebras' },
      ]);
    });
  });

  it('legacy completions', async () => {
    await withMock({}, async (mock) => {
      const done = await openaiClient(mock).completions.create({
        model: 'gpt-3.5-turbo-instruct',
        prompt: 'abcdefgh',
      });
      assert.equal(done.choices[0]?.text, REPLY);
      assert.equal(done.usage?.prompt_tokens, 2);
    });
  });

  it('responses: create, and a stream whose response.completed carries usage', async () => {
    await withMock({}, async (mock) => {
      const client = openaiClient(mock);
      const created = await client.responses.create({ model: 'gpt-4o-mini', input: 'Say hello, please.' });
      assert.equal(created.output_text, REPLY);
      assert.equal(created.usage?.input_tokens, 5);
      assert.equal(created.usage?.output_tokens, 8);

      const events: string[] = [];
      let text = '';
      const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'Say hello, please.' });
      stream.on('response.output_text.delta', (event) => {
        text += event.delta;
      });
      for await (const event of stream) events.push(event.type);
      const final = await stream.finalResponse();
      assert.equal(text, REPLY);
      assert.equal(final.usage?.total_tokens, 13);
      assert.equal(events[0], 'response.created');
      assert.equal(events.at(-1), 'response.completed');
    });
  });

  it('max_tokens cuts the answer short with finish_reason length', async () => {
    await withMock({}, async (mock) => {
      const done = await openaiClient(mock).chat.completions.create(chatBody({ max_completion_tokens: 2 }));
      assert.equal(done.choices[0]?.message.content, 'Hello fr');
      assert.equal(done.choices[0]?.finish_reason, 'length');
      assert.equal(done.usage?.completion_tokens, 2);
    });
  });
});

describe('Anthropic SDK against the mock', () => {
  it('messages JSON with usage and request-id', async () => {
    await withMock({}, async (mock) => {
      const { data, response } = await anthropicClient(mock).messages.create(messagesBody()).withResponse();
      assert.deepEqual(data.content, [{ type: 'text', text: REPLY }]);
      assert.equal(data.model, 'claude-haiku-4-5');
      assert.equal(data.stop_reason, 'end_turn');
      assert.equal(data.usage.input_tokens, 5);
      assert.equal(data.usage.output_tokens, 8);
      assert.match(response.headers.get('request-id') ?? '', /^req_011C/);
      assert.ok(response.headers.get('anthropic-ratelimit-requests-limit'));
      assert.equal(mock.received[0]?.route, 'messages');
    });
  });

  it('messages stream: finalMessage has the text and cumulative usage', async () => {
    await withMock({ streamChunks: 3 }, async (mock) => {
      const stream = anthropicClient(mock).messages.stream(messagesBody());
      let text = '';
      stream.on('text', (delta) => {
        text += delta;
      });
      const final = await stream.finalMessage();
      assert.equal(text, REPLY);
      assert.equal(final.usage.input_tokens, 5);
      assert.equal(final.usage.output_tokens, 8);
      assert.equal(final.stop_reason, 'end_turn');
      // message_start, content_block_start, ping, 3 deltas, content_block_stop, message_delta, message_stop
      assert.equal(mock.chunksSent(mock.received[0]?.id ?? 0), 9);
    });
  });

  it('count_tokens and models.list answer in Anthropic shape', async () => {
    await withMock({}, async (mock) => {
      const client = anthropicClient(mock);
      const count = await client.messages.countTokens({
        model: 'claude-haiku-4-5',
        system: 'abcd',
        messages: [{ role: 'user', content: 'Say hello, please.' }],
      });
      assert.equal(count.input_tokens, 6);
      const ids = [];
      for await (const model of client.models.list()) ids.push(model.id);
      assert.ok(ids.includes('claude-haiku-4-5'));
    });
  });

  it('models.list pages as Anthropic does (limit, after_id, before_id); `models` sets what is listed', async () => {
    const models = ['claude-a', 'claude-b', 'claude-c', 'claude-d', 'claude-e'];
    await withMock({ dialect: 'anthropic', models }, async (mock) => {
      const client = anthropicClient(mock);
      const first = await client.models.list({ limit: 2 });
      assert.deepEqual(
        first.data.map((m) => m.id),
        ['claude-a', 'claude-b'],
      );
      assert.equal(first.has_more, true);
      assert.equal(first.last_id, 'claude-b');
      const ids = [];
      for await (const model of client.models.list({ limit: 2 })) ids.push(model.id);
      assert.deepEqual(ids, models, 'the SDK follows last_id to the end');
      const before = await client.models.list({ before_id: 'claude-d', limit: 2 });
      assert.deepEqual(
        before.data.map((m) => m.id),
        ['claude-b', 'claude-c'],
      );
      assert.equal(before.has_more, true);
      const all = await client.models.list();
      assert.equal(all.data.length, 5, 'a default page holds 20');
      assert.equal(all.has_more, false);
      assert.equal(all.data[0]?.display_name, 'claude-a');
    });
  });

  it('validates like the real API: anthropic-version and max_tokens are required', async () => {
    await withMock({}, async (mock) => {
      const noVersion = await send(mock, '/v1/messages', messagesBody());
      assert.equal(noVersion.status, 400);
      assert.match(noVersion.text, /anthropic-version/);
      const noMax = await send(mock, '/v1/messages', messagesBody({ max_tokens: undefined }), {
        'anthropic-version': '2023-06-01',
      });
      assert.equal(noMax.status, 400);
      const body = JSON.parse(noMax.text) as { type: string; error: { type: string; message: string } };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'invalid_request_error');
      assert.match(body.error.message, /max_tokens/);
      await assert.rejects(
        anthropicClient(mock).messages.create({ ...messagesBody(), model: undefined as unknown as string }),
        (error: unknown) => error instanceof Anthropic.BadRequestError,
      );
    });
  });
});

describe('hidden rate limits', () => {
  it('openai: 429 after the request limit, with headers and the SDK error class', async () => {
    await withMock({ limits: { requests: 2 } }, async (mock) => {
      const client = openaiClient(mock);
      await client.chat.completions.create(chatBody());
      await client.chat.completions.create(chatBody());
      const error = await client.chat.completions.create(chatBody()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.status, 429);
      assert.equal(error.headers.get('x-ratelimit-limit-requests'), '2');
      assert.equal(error.headers.get('x-ratelimit-remaining-requests'), '0');
      assert.match(error.headers.get('x-ratelimit-reset-requests') ?? '', /^(\d+m)?[\d.]+m?s$/);
      assert.match(error.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      assert.equal(error.code, 'rate_limit_exceeded');
      assert.equal(error.type, 'requests');
      assert.match(error.message, /Please try again in/);
      assert.equal(mock.received.at(-1)?.status, 429);
    });
  });

  it('cerebras: 429 with the top-level body and -day/-minute headers', async () => {
    await withMock({ dialect: 'cerebras', limits: { requests: 1, tokens: 1000 } }, async (mock) => {
      const client = openaiClient(mock);
      const { response } = await client.chat.completions.create(chatBody()).withResponse();
      assert.equal(response.headers.get('x-ratelimit-limit-requests-minute'), '1');
      assert.equal(response.headers.get('x-ratelimit-remaining-requests-minute'), '0');
      assert.equal(response.headers.get('x-ratelimit-remaining-tokens-minute'), String(1000 - 13));
      assert.match(response.headers.get('x-ratelimit-reset-tokens-minute') ?? '', /^\d+(\.\d+)?$/);
      assert.ok(response.headers.get('x-ratelimit-limit-requests-day'));
      const error = await client.chat.completions.create(chatBody()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.status, 429);
      const raw = await send(mock, '/v1/chat/completions', chatBody());
      assert.deepEqual(JSON.parse(raw.text), {
        message: 'Requests per minute limit exceeded - too many requests sent.',
        type: 'too_many_requests_error',
        param: 'quota',
        code: 'request_quota_exceeded',
      });
    });
  });

  it('anthropic: 429 rate_limit_error with RFC 3339 resets, retry-after and a date header', async () => {
    await withMock({ limits: { requests: 1 } }, async (mock) => {
      const client = anthropicClient(mock);
      await client.messages.create(messagesBody());
      const error = await client.messages.create(messagesBody()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof Anthropic.RateLimitError);
      assert.equal(error.status, 429);
      assert.equal(error.headers?.get('anthropic-ratelimit-requests-remaining'), '0');
      assert.match(
        error.headers?.get('anthropic-ratelimit-requests-reset') ?? '',
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      );
      assert.match(error.headers?.get('retry-after') ?? '', /^[1-9]\d*$/);
      assert.ok(error.headers?.get('date'));
      assert.equal((error.error as { error: { type: string } }).error.type, 'rate_limit_error');
    });
  });

  it('remaining values fall per key, tokens by input estimate plus the output allowance', async () => {
    await withMock({ limits: { requests: 5, tokens: 10_000 } }, async (mock) => {
      const remaining = async (key: string) => {
        const res = await send(mock, '/v1/chat/completions', chatBody({ max_tokens: 100 }), {
          authorization: `Bearer ${key}`,
        });
        return [res.headers['x-ratelimit-remaining-requests'], res.headers['x-ratelimit-remaining-tokens']];
      };
      assert.deepEqual(await remaining('a'), ['4', '9895']);
      assert.deepEqual(await remaining('a'), ['3', '9790']);
      assert.deepEqual(await remaining('b'), ['4', '9895']);
    });
  });

  it('fixed windows follow the injected clock; Go-style and float resets', async () => {
    let clock = Date.UTC(2026, 0, 1, 12, 0, 0);
    await withMock(
      { dialect: 'groq', limits: { requests: 1, windowMs: 90_500 }, now: () => clock },
      async (mock) => {
        const first = await send(mock, '/openai/v1/chat/completions', chatBody());
        assert.equal(first.status, 200);
        assert.equal(first.headers['x-ratelimit-reset-requests'], '1m30.5s');
        clock += 60_000;
        const second = await send(mock, '/openai/v1/chat/completions', chatBody());
        assert.equal(second.status, 429);
        assert.equal(second.headers['retry-after'], '31');
        assert.equal(second.headers['x-ratelimit-reset-requests'], '30.5s');
        assert.match(JSON.parse(second.text).error.message, /requests per day \(RPD\).*try again in 30\.5s/);
        assert.equal(JSON.parse(second.text).error.param, undefined);
        clock += 30_500;
        assert.equal((await send(mock, '/openai/v1/chat/completions', chatBody())).status, 200);
      },
    );
  });

  it('a request larger than the token limit is refused without a retry hint (Groq: 413)', async () => {
    await withMock({ limits: { tokens: 50 } }, async (mock) => {
      const res = await send(mock, '/v1/chat/completions', chatBody({ max_tokens: 1000 }));
      assert.equal(res.status, 429);
      assert.equal(res.headers['retry-after'], undefined);
      assert.match(JSON.parse(res.text).error.message, /^Request too large/);
    });
    await withMock({ dialect: 'groq', limits: { tokens: 50 } }, async (mock) => {
      assert.equal((await send(mock, '/v1/chat/completions', chatBody({ max_tokens: 1000 }))).status, 413);
    });
  });

  it('nvidia sends no limit headers and a problem-details 429 without retry-after', async () => {
    await withMock({ dialect: 'nvidia', limits: { requests: 1 } }, async (mock) => {
      const ok = await send(mock, '/v1/chat/completions', chatBody());
      assert.equal(ok.status, 200);
      assert.ok(!Object.keys(ok.headers).some((name) => name.includes('ratelimit')));
      const refused = await send(mock, '/v1/chat/completions', chatBody());
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['retry-after'], undefined);
      assert.deepEqual(JSON.parse(refused.text), {
        status: 429,
        title: 'Too Many Requests',
        detail: 'Too Many Requests',
      });
    });
  });

  it('without limits the headers still come, with a large constant limit', async () => {
    await withMock({}, async (mock) => {
      const a = await send(mock, '/v1/chat/completions', chatBody());
      const b = await send(mock, '/v1/chat/completions', chatBody());
      assert.equal(a.headers['x-ratelimit-limit-requests'], '10000000');
      assert.equal(b.headers['x-ratelimit-remaining-requests'], '10000000');
      assert.equal(b.headers['x-ratelimit-reset-tokens'], '0s');
    });
  });
});

describe('keys and validation', () => {
  it('401 for an unknown key in each dialect shape', async () => {
    await withMock({ keys: ['good'] }, async (mock) => {
      await assert.rejects(
        openaiClient(mock, 'bad').chat.completions.create(chatBody()),
        (error: unknown) => error instanceof OpenAI.AuthenticationError && error.code === 'invalid_api_key',
      );
      await assert.rejects(
        anthropicClient(mock, 'bad').messages.create(messagesBody()),
        (error: unknown) => error instanceof Anthropic.AuthenticationError,
      );
      const good = await openaiClient(mock, 'good').chat.completions.create(chatBody());
      assert.equal(good.choices[0]?.message.content, REPLY);
    });
  });

  it('400 in the dialect shape when model is missing', async () => {
    await withMock({}, async (mock) => {
      const res = await send(mock, '/v1/chat/completions', { messages: [] });
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.text).error.type, 'invalid_request_error');
      const bad = await send(mock, '/v1/chat/completions', undefined, {}, 'POST');
      assert.equal(bad.status, 400);
    });
  });
});

describe('faults', () => {
  it('reset destroys the socket before any response byte', async () => {
    await withMock({}, async (mock) => {
      mock.addFault({ fault: { kind: 'reset' }, times: 1 });
      await assert.rejects(send(mock, '/v1/chat/completions', chatBody()), { code: 'ECONNRESET' });
      assert.equal(mock.received[0]?.status, undefined);
      assert.equal(mock.received[0]?.closedEarly, undefined);
      assert.equal((await send(mock, '/v1/chat/completions', chatBody())).status, 200);
    });
  });

  it('drop-mid-stream: partial data, then the body fails', async () => {
    await withMock({}, async (mock) => {
      mock.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 2 }, path: '/chat/completions' });
      const stream = openStream(mock, '/v1/chat/completions', chatStreamBody());
      const how = await stream.ended;
      assert.ok(how instanceof Error);
      assert.equal(dataEvents(stream.text()).length, 2);
      assert.ok(!stream.text().includes('[DONE]'));
      assert.equal(mock.chunksSent(mock.received[0]?.id ?? 0), 2);
    });
  });

  it('hang: waitForClose resolves after the client aborts', async () => {
    await withMock({}, async (mock) => {
      mock.addFault({ fault: { kind: 'hang' } });
      const controller = new AbortController();
      const pending = fetch(`${mock.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify(chatBody()),
        signal: controller.signal,
      });
      await mock.waitForRequests(1);
      controller.abort();
      await assert.rejects(pending, { name: 'AbortError' });
      await mock.waitForClose(mock.received[0]?.id ?? 0);
      assert.equal(mock.received[0]?.closedEarly, true);
      assert.equal(mock.received[0]?.status, undefined);
    });
  });

  it('waitForClose rejects when the request finished normally', async () => {
    await withMock({}, async (mock) => {
      await send(mock, '/v1/chat/completions', chatBody());
      await assert.rejects(mock.waitForClose(mock.received[0]?.id ?? 0), /without the client closing early/);
    });
  });

  it('status 529 answers the dialect overload body', async () => {
    await withMock({}, async (mock) => {
      mock.addFault({ fault: { kind: 'status', status: 529 }, path: '/messages' });
      const res = await send(mock, '/v1/messages', messagesBody(), { 'anthropic-version': '2023-06-01' });
      assert.equal(res.status, 529);
      const body = JSON.parse(res.text) as { type: string; error: { type: string }; request_id: string };
      assert.equal(body.error.type, 'overloaded_error');
      assert.equal(body.request_id, res.headers['request-id']);
      // The rule matched only /messages.
      assert.equal((await send(mock, '/v1/chat/completions', chatBody())).status, 200);
    });
  });

  it('stall-mid-stream keeps the socket open until the client leaves', async () => {
    await withMock({}, async (mock) => {
      mock.addFault({ fault: { kind: 'stall-mid-stream', afterChunks: 1 } });
      const stream = openStream(mock, '/v1/chat/completions', chatStreamBody());
      await stream.until('\n\n');
      const id = mock.received[0]?.id ?? 0;
      assert.equal(mock.chunksSent(id), 1);
      stream.req.destroy();
      await mock.waitForClose(id);
      assert.equal(mock.received[0]?.closedEarly, true);
    });
  });

  it('stall-mid-stream=0 sends the head and then nothing', async () => {
    await withMock({}, async (mock) => {
      const stream = openStream(mock, '/v1/chat/completions', chatStreamBody(), {
        'x-mock-fault': 'stall-mid-stream=0',
      });
      const res = await stream.response;
      assert.equal(res.statusCode, 200);
      const id = mock.received[0]?.id ?? 0;
      assert.equal(mock.chunksSent(id), 0);
      stream.req.destroy();
      await mock.waitForClose(id);
      assert.equal(stream.text(), '');
    });
  });

  it('malformed-chunk inserts a broken event and carries on', async () => {
    await withMock({}, async (mock) => {
      const res = await send(mock, '/v1/chat/completions', chatStreamBody(), {
        'x-mock-fault': 'malformed-chunk=1',
      });
      const blocks = res.text.split('\n\n');
      assert.equal(blocks[1], 'data: {not json');
      assert.ok(res.text.endsWith('data: [DONE]\n\n'));
    });
  });

  it('truncated-event sends half of an event, then ends the body cleanly', async () => {
    await withMock({}, async (mock) => {
      const res = await send(mock, '/v1/chat/completions', chatStreamBody(), {
        'x-mock-fault': 'truncated-event=2',
      });
      assert.equal(res.status, 200);
      const blocks = res.text.split('\n\n');
      assert.equal(blocks.length, 3, 'two whole events and a partial one');
      assert.ok(blocks[2]!.startsWith('data: {') && !blocks[2]!.endsWith('}'));
    });
  });

  it('slow-first-token sends the head at once and the first chunk after the delay', async () => {
    await withMock({}, async (mock) => {
      const stream = openStream(mock, '/v1/chat/completions', chatStreamBody(), {
        'x-mock-fault': 'slow-first-token=300',
      });
      const res = await stream.response;
      assert.equal(res.statusCode, 200);
      assert.equal(mock.chunksSent(mock.received.at(-1)!.id), 0, 'the head came before any chunk');
      assert.equal(await stream.ended, 'end');
      assert.ok(stream.text().endsWith('data: [DONE]\n\n'));
      const json = await send(mock, '/v1/chat/completions', chatBody(), {
        'x-mock-fault': 'slow-first-token=50',
      });
      assert.equal(JSON.parse(json.text).object, 'chat.completion');
    });
  });

  it('no-terminator ends the body cleanly without [DONE] or message_stop', async () => {
    await withMock({}, async (mock) => {
      mock.addFault({ fault: { kind: 'no-terminator' } });
      const chat = await send(mock, '/v1/chat/completions', chatStreamBody());
      assert.equal(chat.status, 200);
      assert.ok(!chat.text.includes('[DONE]'));
      assert.ok(chat.text.includes('"finish_reason":"stop"'));
      const messages = await send(
        mock,
        '/v1/messages',
        { ...messagesBody(), stream: true },
        {
          'anthropic-version': '2023-06-01',
        },
      );
      assert.ok(messages.text.includes('event: message_delta'));
      assert.ok(!messages.text.includes('message_stop'));
    });
  });

  it('error-event sends the in-band error after N chunks; both SDKs raise it', async () => {
    await withMock({}, async (mock) => {
      mock.addFault({ fault: { kind: 'error-event', afterChunks: 3 } });
      const chat = await openaiClient(mock).chat.completions.create(chatStreamBody());
      let content = '';
      await assert.rejects(
        (async () => {
          for await (const chunk of chat) content += chunk.choices[0]?.delta.content ?? '';
        })(),
        (error: unknown) => error instanceof OpenAI.APIError && /server had an error/.test(error.message),
      );
      assert.ok(content.length > 0 && content.length < REPLY.length);
      const stream = anthropicClient(mock).messages.stream(messagesBody());
      await assert.rejects(stream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError);
      assert.equal(mock.chunksSent(mock.received[1]?.id ?? 0), 4);
    });
  });

  it('the header override wins over rules; times and model filters count down', async () => {
    await withMock({}, async (mock) => {
      mock.addFault({ fault: { kind: 'status', status: 500 }, model: 'gpt-4o', times: 1 });
      assert.equal((await send(mock, '/v1/chat/completions', chatBody())).status, 200); // other model
      const overridden = await send(mock, '/v1/chat/completions', chatBody({ model: 'gpt-4o' }), {
        'x-mock-fault': 'status=503',
      });
      assert.equal(overridden.status, 503);
      assert.equal(JSON.parse(overridden.text).error.code, 'server_is_overloaded');
      const tooLong = await send(mock, '/v1/chat/completions', chatBody(), { 'x-mock-fault': 'status=400' });
      assert.equal(JSON.parse(tooLong.text).error.code, 'context_length_exceeded');
      assert.equal((await send(mock, '/v1/chat/completions', chatBody({ model: 'gpt-4o' }))).status, 500);
      assert.equal((await send(mock, '/v1/chat/completions', chatBody({ model: 'gpt-4o' }))).status, 200);
      mock.addFault({ fault: { kind: 'status', status: 502, body: { custom: true } } });
      const custom = await send(mock, '/v1/embeddings', { model: 'e', input: 'x' });
      assert.deepEqual([custom.status, JSON.parse(custom.text)], [502, { custom: true }]);
      mock.clearFaults();
      assert.equal((await send(mock, '/v1/embeddings', { model: 'e', input: 'x' })).status, 200);
    });
  });

  it('close() does not wait for hanging requests', async () => {
    const mock = await startMockUpstream();
    mock.addFault({ fault: { kind: 'hang' } });
    const pending = send(mock, '/v1/chat/completions', chatBody());
    await mock.waitForRequests(1);
    await mock.close();
    await assert.rejects(pending);
    assert.equal(mock.received[0]?.closedEarly, undefined);
  });
});

describe('pacing', () => {
  it('step mode: chunksSent stays 1 until release()', async () => {
    await withMock({}, async (mock) => {
      mock.setStepMode(true);
      const stream = openStream(mock, '/v1/chat/completions', chatStreamBody());
      await stream.until('\n\n');
      const id = mock.received[0]?.id ?? 0;
      assert.equal(mock.chunksSent(id), 1);
      // A whole other exchange goes by while the stream waits.
      assert.equal((await send(mock, '/v1/models')).status, 200);
      assert.equal(mock.chunksSent(id), 1);
      assert.equal(dataEvents(stream.text()).length, 1);
      mock.release();
      await mock.waitForChunks(id, 2);
      assert.equal(mock.chunksSent(id), 2);
      mock.release(2);
      await mock.waitForChunks(id, 4);
      mock.setStepMode(false);
      assert.equal(await stream.ended, 'end');
      assert.ok(stream.text().endsWith('data: [DONE]\n\n'));
    });
  });

  it('latency holds the head and chunk delay holds the next chunk (client aborts end both)', async () => {
    await withMock({}, async (mock) => {
      const slowHead = openStream(mock, '/v1/chat/completions', chatBody(), {
        'x-mock-latency-ms': '600000',
      });
      await mock.waitForRequests(1);
      const slowChunks = openStream(mock, '/v1/chat/completions', chatStreamBody(), {
        'x-mock-chunk-delay-ms': '600000',
      });
      await slowChunks.until('\n\n');
      assert.equal((await send(mock, '/v1/models')).status, 200);
      const [first, second] = [mock.received[0]?.id ?? 0, mock.received[1]?.id ?? 0];
      assert.equal(mock.received[0]?.status, undefined);
      assert.equal(mock.chunksSent(second), 1);
      slowHead.req.destroy();
      slowChunks.req.destroy();
      await Promise.all([mock.waitForClose(first), mock.waitForClose(second)]);
      assert.equal(mock.chunksSent(second), 1);
    });
  });

  it('x-mock-chunks sets the number of content chunks; the text repeats to fill them', async () => {
    await withMock({}, async (mock) => {
      const res = await send(mock, '/v1/chat/completions', chatStreamBody(), {
        'x-mock-chunks': '12',
      });
      const events = dataEvents(res.text) as Array<{ choices: Array<{ delta: { content?: string } }> }>;
      assert.equal(events.length, 13);
      const text = events.map((e) => e.choices[0]?.delta.content ?? '').join('');
      assert.equal(text, `${REPLY} ${REPLY} ${REPLY}`);
      assert.ok(events.slice(0, 12).every((e) => (e.choices[0]?.delta.content ?? '') !== ''));
    });
  });

  it('groq puts stream usage in x_groq.usage of the final chunk and ignores include_usage', async () => {
    await withMock({ dialect: 'groq' }, async (mock) => {
      const stream = await openaiClient(mock).chat.completions.create(
        chatStreamBody({ stream_options: { include_usage: true } }),
      );
      const chunks = [];
      for await (const chunk of stream)
        chunks.push(chunk as typeof chunk & { x_groq?: { usage?: { total_tokens: number } } });
      assert.equal(chunks.at(-1)?.x_groq?.usage?.total_tokens, 13);
      assert.ok(chunks.every((c) => c.choices.length === 1));
    });
  });
});

describe('REST echo', () => {
  it('reads uploads as a stream: the mock sees bytes before the client finishes', async () => {
    await withMock({}, async (mock) => {
      const req = request(`${mock.url}/api/upload?x=1`, { method: 'PUT', headers: { 'x-custom': 'yes' } });
      const response = new Promise<RawReply>((resolve, reject) => {
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        });
      });
      req.write(Buffer.alloc(1000, 1));
      const seen = await mock.waitForBodyBytes(1000);
      assert.equal(seen.body.length, 0); // not complete yet
      assert.equal(seen.route, 'echo');
      req.end(Buffer.alloc(500, 2));
      const res = await response;
      assert.deepEqual(
        (({ method, path, bodyBytes }) => ({ method, path, bodyBytes }))(JSON.parse(res.text)),
        { method: 'PUT', path: '/api/upload?x=1', bodyBytes: 1500 },
      );
      assert.equal(JSON.parse(res.text).headers['x-custom'], 'yes');
      assert.equal(mock.received[0]?.body.length, 1500);
      assert.ok(res.headers['x-ratelimit-limit-requests']);
    });
  });

  it('never echoes credentials, only that they came', async () => {
    await withMock({}, async (mock) => {
      const res = await send(mock, '/v1', undefined, {
        authorization: 'Bearer sk-secret-echo-key',
        'x-api-key': 'k2',
      });
      assert.ok(!res.text.includes('sk-secret-echo-key') && !res.text.includes('k2'), res.text);
      assert.equal(JSON.parse(res.text).headers.authorization, '[redacted]');
    });
  });

  it('GET .../stream is a small SSE feed', async () => {
    await withMock({ dialect: 'generic', streamChunks: 3 }, async (mock) => {
      const res = await send(mock, '/events/stream');
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      assert.equal(dataEvents(res.text).length, 3);
      assert.ok(res.headers['x-ratelimit-remaining']);
    });
  });
});

describe('waits and reset', () => {
  it('waitForRequests is event-driven and reset() clears the record and the limits', async () => {
    await withMock({ limits: { requests: 1 } }, async (mock) => {
      const waiting = mock.waitForRequests(2);
      await send(mock, '/v1/chat/completions', chatBody());
      assert.equal((await send(mock, '/v1/chat/completions', chatBody())).status, 429);
      await waiting;
      mock.reset();
      assert.equal(mock.received.length, 0);
      assert.equal((await send(mock, '/v1/chat/completions', chatBody())).status, 200);
      assert.equal(mock.received[0]?.id, 3);
    });
  });

  it('formats durations like Go', () => {
    assert.deepEqual([0, 12, 1000, 1560, 59_560, 60_000, 360_000, 179_560, 3_723_500].map(formatGoDuration), [
      '0s',
      '12ms',
      '1s',
      '1.56s',
      '59.56s',
      '1m0s',
      '6m0s',
      '2m59.56s',
      '1h2m3.5s',
    ]);
  });
});
