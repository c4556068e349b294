// Context optimization through a real gateway and the mock provider, with the official clients: the
// upstream receives the smaller body, the client gets the savings header, /stats and /metrics count
// it, `x-cooldown-optimize: off` and `--no-optimize` send the request as it came, and Anthropic
// prompt-cache breakpoints are placed and their cache reads counted.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mockConfig, startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { parseMetrics, sampleSum } from '../support/prometheus.ts';

/** A search tool's answer: 300 similar records, one of them a failure. */
function records(): string {
  const items = Array.from({ length: 300 }, (_, i) => ({
    id: 1000 + i,
    name: `service-${i}`,
    region: ['eu-west-1', 'us-east-1', 'ap-south-1'][i % 3],
    status: i === 137 ? 'error: connection refused' : 'healthy',
    latency_ms: 20 + (i % 7),
  }));
  return JSON.stringify(items, null, 2);
}

const TOOL_OUTPUT = records();

function openaiBody(): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  return {
    model: 'gpt-4o-mini',
    max_tokens: 20,
    messages: [
      { role: 'user', content: 'Which service is failing?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'list_services', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: TOOL_OUTPUT },
    ],
  };
}

interface SentChat {
  messages: { role: string; content: unknown; tool_calls?: unknown }[];
}

describe('context optimization', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let openai: OpenAI;

  before(async () => {
    mock = await startMockUpstream();
    gw = await startGateway(mockConfig(mock.url, { optimize: { prompt_cache: true } }));
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });
  beforeEach(() => mock.reset());

  test('a big JSON tool output goes upstream cut down, errors kept, and the client is told what was saved', async () => {
    const { data, response } = await openai.chat.completions.create(openaiBody()).withResponse();
    assert.equal(data.object, 'chat.completion');
    const saved = Number(response.headers.get('x-cooldown-tokens-saved'));
    assert.ok(saved > 0, `x-cooldown-tokens-saved: ${response.headers.get('x-cooldown-tokens-saved')}`);

    const sent = JSON.parse(mock.received[0]!.body.toString()) as SentChat;
    const tool = sent.messages[2]!;
    assert.equal(typeof tool.content, 'string');
    const text = tool.content as string;
    assert.ok(
      text.length < TOOL_OUTPUT.length / 2,
      `${text.length} of ${TOOL_OUTPUT.length} characters sent`,
    );
    const kept = JSON.parse(text) as Record<string, unknown>[];
    assert.ok(kept.some((item) => item.id === 1137 && item.status === 'error: connection refused'));
    assert.ok(kept.length < 300);
    // The user's words and the tool call are as the client sent them.
    assert.equal(sent.messages[0]!.content, 'Which service is failing?');
    assert.deepEqual(
      sent.messages[1]!.tool_calls,
      (openaiBody().messages[1] as { tool_calls: unknown }).tool_calls,
    );

    const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
      optimize: { optimized: number; tokens_saved: number; crushed: number };
      totals: { tokens: { saved: number } };
    };
    assert.ok(stats.optimize.optimized >= 1);
    assert.ok(stats.optimize.crushed >= 1);
    assert.ok(stats.optimize.tokens_saved >= saved);
    assert.equal(stats.totals.tokens.saved, stats.optimize.tokens_saved);
    const metrics = parseMetrics(await (await fetch(`${gw.url}/metrics`)).text());
    assert.equal(sampleSum(metrics.get('cooldown_tokens_saved_total')), stats.optimize.tokens_saved);
  });

  test('x-cooldown-optimize: off sends the request byte for byte as the client wrote it', async () => {
    const body = JSON.stringify(openaiBody());
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-client',
        'x-cooldown-optimize': 'Off',
      },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-cooldown-tokens-saved'), null);
    assert.equal(mock.received[0]!.body.toString(), body);
    assert.equal(mock.received[0]!.headers['x-cooldown-optimize'], undefined);
  });

  test('plain conversation is sent unchanged and carries no savings header', async () => {
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'Hello   \n\n\n\n\nthere  ' }],
    });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-cooldown-tokens-saved'), null);
    assert.equal(mock.received[0]!.body.toString(), body);
  });

  test('Anthropic: tool results are cut down, breakpoints go on the long prefix, and cache reads are counted', async () => {
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'sk-ant-client', maxRetries: 0 });
    const system = `You are an operations assistant. ${'Follow the runbook carefully. '.repeat(800)}`;
    const ask = () =>
      anthropic.messages
        .create({
          model: 'claude-haiku-4-5',
          max_tokens: 20,
          system,
          messages: [
            { role: 'user', content: 'Which service is failing?' },
            {
              role: 'assistant',
              content: [{ type: 'tool_use', id: 'toolu_1', name: 'list_services', input: {} }],
            },
            {
              role: 'user',
              content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: TOOL_OUTPUT }],
            },
          ],
        })
        .withResponse();
    const first = await ask();
    assert.ok(Number(first.response.headers.get('x-cooldown-tokens-saved')) > 0);
    const sent = JSON.parse(mock.received[0]!.body.toString()) as {
      system: { type: string; text: string; cache_control?: unknown }[];
      messages: { content: { type: string; content?: unknown; cache_control?: unknown }[] }[];
    };
    assert.equal(sent.system.at(-1)!.text, system);
    assert.deepEqual(sent.system.at(-1)!.cache_control, { type: 'ephemeral' });
    const result = sent.messages[2]!.content[0]!;
    assert.equal(result.type, 'tool_result');
    assert.ok(JSON.stringify(result.content).length < TOOL_OUTPUT.length / 2);
    assert.equal(first.data.usage.cache_creation_input_tokens! > 0, true);

    const second = await ask();
    assert.ok(second.data.usage.cache_read_input_tokens! > 0, JSON.stringify(second.data.usage));
    const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
      optimize: { breakpoints: number; cache_read_tokens: number };
    };
    assert.ok(stats.optimize.breakpoints >= 2);
    assert.ok(stats.optimize.cache_read_tokens >= second.data.usage.cache_read_input_tokens!);
  });
});

describe('optimization turned off', () => {
  test('with optimize.enabled false (--no-optimize) the tool output goes upstream as sent', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway(mockConfig(mock.url, { optimize: { enabled: false } }));
    try {
      const body = JSON.stringify(openaiBody());
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' },
        body,
      });
      assert.equal(res.status, 200);
      assert.equal(mock.received[0]!.body.toString(), body);
      const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
        optimize: { enabled: boolean; requests: number };
      };
      assert.deepEqual([stats.optimize.enabled, stats.optimize.requests], [false, 0]);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
