import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { semanticPartsOf } from './semantic-request.ts';

const CHAT = '/v1/chat/completions';
const MESSAGES = '/v1/messages';

type Body = Record<string, unknown>;

function openai(question: string, over: Body = {}): Body {
  return {
    model: 'gpt-4o-mini',
    temperature: 0,
    messages: [
      { role: 'system', content: 'You answer briefly.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: question },
    ],
    ...over,
  };
}

function anthropic(question: unknown, over: Body = {}): Body {
  return {
    model: 'claude-haiku-4-5',
    max_tokens: 256,
    temperature: 0,
    system: [{ type: 'text', text: 'You answer briefly.', cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: question }],
    ...over,
  };
}

const scopeOf = (path: string, body: Body, anyTemperature = false) =>
  semanticPartsOf(path, body, anyTemperature)?.scope;

/** `body` with message `index` replaced, all others kept. */
function withMessage(body: Body, index: number, message: unknown): Body {
  const messages = [...(body.messages as unknown[])];
  messages[index] = message;
  return { ...body, messages };
}

describe('scope', () => {
  test('requests differing only in the last user text share a scope', () => {
    const a = semanticPartsOf(CHAT, openai('What is the capital of France?'), false);
    const b = semanticPartsOf(CHAT, openai('Tell me the capital city of France'), false);
    assert.match(a?.scope ?? '', /^[0-9a-f]{64}$/);
    assert.equal(a?.scope, b?.scope);
    assert.equal(a?.text, 'What is the capital of France?');
    assert.equal(b?.text, 'Tell me the capital city of France');
  });

  test('the key order of the JSON does not matter', () => {
    const body = openai('q', { top_p: 1, max_tokens: 9 });
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    assert.equal(scopeOf(CHAT, reordered), scopeOf(CHAT, body));
  });

  test('whatever shapes the answer changes the scope', () => {
    const base = scopeOf(CHAT, openai('q'))!;
    const tool = { type: 'function', function: { name: 'weather', parameters: { type: 'object' } } };
    const changed: Record<string, Body> = {
      model: openai('q', { model: 'gpt-4o' }),
      'system prompt': withMessage(openai('q'), 0, { role: 'system', content: 'You answer at length.' }),
      'developer prompt': withMessage(openai('q'), 0, { role: 'developer', content: 'You answer briefly.' }),
      'earlier turn': withMessage(openai('q'), 1, { role: 'user', content: 'Hello' }),
      tools: openai('q', { tools: [tool] }),
      tool_choice: openai('q', { tools: [tool], tool_choice: 'required' }),
      functions: openai('q', { functions: [tool.function] }),
      response_format: openai('q', { response_format: { type: 'json_object' } }),
      max_tokens: openai('q', { max_tokens: 10 }),
      stop: openai('q', { stop: ['\n'] }),
      seed: openai('q', { seed: 7 }),
      'a name on the last message': withMessage(openai('q'), 3, {
        role: 'user',
        content: 'q',
        name: 'alice',
      }),
    };
    // Pairwise apart too: tool_choice counts beyond the tools it comes with.
    const seen = new Map([[base, 'the base']]);
    for (const [what, body] of Object.entries(changed)) {
      const scope = scopeOf(CHAT, body);
      assert.ok(scope !== undefined, what);
      assert.equal(seen.get(scope), undefined, `${what} shares a scope with ${seen.get(scope)}`);
      seen.set(scope, what);
    }
  });

  test('temperature is part of the scope when any temperature is allowed', () => {
    const cold = scopeOf(CHAT, openai('q', { temperature: 0 }), true);
    const warm = scopeOf(CHAT, openai('q', { temperature: 0.7 }), true);
    assert.ok(cold && warm);
    assert.notEqual(cold, warm);
  });

  test('streaming, user, metadata and cache markers do not change the scope', () => {
    const base = scopeOf(MESSAGES, anthropic('q'));
    const same = anthropic('q', {
      stream: true,
      metadata: { user_id: 'u-1' },
      system: [{ type: 'text', text: 'You answer briefly.' }],
    });
    assert.equal(scopeOf(MESSAGES, same), base);
    const marked = anthropic([{ type: 'text', text: 'q', cache_control: { type: 'ephemeral' } }], {
      tools: [{ name: 't', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
    });
    const unmarked = anthropic([{ type: 'text', text: 'q' }], {
      tools: [{ name: 't', input_schema: { type: 'object' } }],
    });
    assert.equal(scopeOf(MESSAGES, marked), scopeOf(MESSAGES, unmarked));
    assert.equal(
      scopeOf(CHAT, openai('q', { stream: true, stream_options: { include_usage: true }, user: 'bob' })),
      scopeOf(CHAT, openai('q')),
    );
  });

  test('the two dialects never share a scope', () => {
    const body = { model: 'm', temperature: 0, messages: [{ role: 'user', content: 'q' }] };
    assert.notEqual(scopeOf(CHAT, body), scopeOf(MESSAGES, body));
  });
});

describe('eligibility', () => {
  test('only temperature 0, unless any temperature is allowed', () => {
    assert.ok(semanticPartsOf(CHAT, openai('q'), false));
    assert.equal(semanticPartsOf(CHAT, openai('q', { temperature: 0.2 }), false), undefined);
    assert.equal(semanticPartsOf(CHAT, openai('q', { temperature: '0' }), false), undefined);
    const { temperature: _, ...unset } = openai('q');
    assert.equal(semanticPartsOf(CHAT, unset, false), undefined, 'providers sample by default');
    assert.ok(semanticPartsOf(CHAT, unset, true));
    assert.ok(semanticPartsOf(CHAT, openai('q', { temperature: 1 }), true));
  });

  test('several choices are not comparable; one is', () => {
    assert.equal(semanticPartsOf(CHAT, openai('q', { n: 2 }), true), undefined);
    assert.ok(semanticPartsOf(CHAT, openai('q', { n: 1 }), true));
  });

  test('only the two chat paths', () => {
    assert.equal(semanticPartsOf('/v1/completions', openai('q'), true), undefined);
    assert.equal(semanticPartsOf('/v1/messages/count_tokens', anthropic('q'), true), undefined);
    assert.ok(semanticPartsOf(`${CHAT}?x=1`, openai('q'), true));
  });

  test('the last message must be the user asking in text', () => {
    const prefill = anthropic('q');
    (prefill.messages as Body[]).push({ role: 'assistant', content: 'The answer is' });
    assert.equal(semanticPartsOf(MESSAGES, prefill, true), undefined);
    const afterTool = withMessage(openai('q'), 3, { role: 'tool', tool_call_id: 'c1', content: '42' });
    assert.equal(semanticPartsOf(CHAT, afterTool, true), undefined);
    assert.equal(semanticPartsOf(CHAT, openai('q', { messages: [] }), true), undefined);
    assert.equal(semanticPartsOf(CHAT, openai('   '), true), undefined, 'no text to compare');
    assert.equal(semanticPartsOf(CHAT, openai('q', { messages: 'q' }), true), undefined);
  });

  test('text blocks are joined; any other block makes it not comparable', () => {
    const parts = semanticPartsOf(
      MESSAGES,
      anthropic([
        { type: 'text', text: 'Look at this:' },
        { type: 'text', text: 'what is it?' },
      ]),
      false,
    );
    assert.equal(parts?.text, 'Look at this:\nwhat is it?');
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } };
    assert.equal(
      semanticPartsOf(MESSAGES, anthropic([{ type: 'text', text: 'q' }, image]), false),
      undefined,
    );
    const toolResult = { type: 'tool_result', tool_use_id: 't1', content: '42' };
    assert.equal(semanticPartsOf(MESSAGES, anthropic([toolResult]), false), undefined);
    const openaiImage = { type: 'image_url', image_url: { url: 'https://example.com/a.png' } };
    assert.equal(
      semanticPartsOf(CHAT, openai('q', { messages: [{ role: 'user', content: [openaiImage] }] }), false),
      undefined,
    );
    const openaiText = openai('q', { messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }] });
    assert.equal(semanticPartsOf(CHAT, openaiText, false)?.text, 'q');
  });

  test('a body nested past any real request is not compared', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 1000; i++) deep = [deep];
    assert.equal(semanticPartsOf(CHAT, openai('q', { response_format: deep }), true), undefined);
  });
});
