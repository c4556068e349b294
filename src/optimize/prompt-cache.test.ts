import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minCacheTokens } from './cache-minimums.ts';
import { DEFAULT_OPTIMIZE_OPTIONS, optimizeRequest } from './optimize-request.ts';
import { addCacheBreakpoints, MAX_BREAKPOINTS } from './prompt-cache.ts';

const OPTS = { ...DEFAULT_OPTIMIZE_OPTIONS, promptCache: true };
const EPHEMERAL = { type: 'ephemeral' };

function body(systemChars = 8000, model = 'claude-sonnet-4-5'): Record<string, unknown> {
  return {
    model,
    system: 'S'.repeat(systemChars),
    tools: [
      { name: 'read', input_schema: { type: 'object' } },
      { name: 'grep', input_schema: { type: 'object' } },
    ],
    messages: [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: [{ type: 'text', text: 'an answer' }] },
      { role: 'user', content: 'latest question' },
    ],
  };
}

function countBreakpoints(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countBreakpoints(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  const own = 'cache_control' in value ? 1 : 0;
  return own + Object.values(value).reduce((n: number, v) => n + countBreakpoints(v), 0);
}

test('breakpoints on the last tool, the system prompt and the second-to-last message', () => {
  const input = body();
  const result = optimizeRequest('anthropic', input, OPTS);
  const out = result.body!;
  assert.equal(result.changes.breakpoints, 3);
  assert.ok(countBreakpoints(out) <= MAX_BREAKPOINTS);
  assert.equal(countBreakpoints(out), 3);
  const tools = out.tools as Record<string, unknown>[];
  assert.deepEqual(tools[1]!.cache_control, EPHEMERAL);
  assert.equal(tools[0]!.cache_control, undefined);
  assert.deepEqual(out.system, [{ type: 'text', text: 'S'.repeat(8000), cache_control: EPHEMERAL }]);
  const messages = out.messages as Record<string, unknown>[];
  assert.deepEqual(messages[1]!.content, [{ type: 'text', text: 'an answer', cache_control: EPHEMERAL }]);
  assert.equal(messages[2]!.content, 'latest question', 'the last message is not part of the prefix');
  assert.equal(countBreakpoints(input), 0, 'the input is not mutated');
});

test('a client with its own breakpoint anywhere gets none added', () => {
  const input = body();
  const messages = input.messages as Record<string, unknown>[];
  messages[0] = { role: 'user', content: [{ type: 'text', text: 'first', cache_control: EPHEMERAL }] };
  assert.equal(addCacheBreakpoints(input), undefined);
  const result = optimizeRequest('anthropic', input, OPTS);
  assert.equal(result.body, undefined);
  assert.equal(result.changes.breakpoints, 0);
  assert.equal(addCacheBreakpoints({ ...body(), cache_control: EPHEMERAL }), undefined);
});

test('no breakpoints below the model`s minimum cacheable prefix, or when not asked for, or for OpenAI', () => {
  assert.equal(optimizeRequest('anthropic', body(400), OPTS).body, undefined);
  // ~1,500 tokens: enough for Sonnet (1024), too little for Haiku 3.5 (2048).
  assert.ok(optimizeRequest('anthropic', body(6000), OPTS).body);
  assert.equal(optimizeRequest('anthropic', body(6000, 'claude-3-5-haiku-20241022'), OPTS).body, undefined);
  assert.equal(optimizeRequest('anthropic', body(), { ...OPTS, promptCache: false }).body, undefined);
  assert.equal(optimizeRequest('openai', body(), OPTS).changes.breakpoints, 0);
});

test('the minimum table: 2048 for Haiku 3 and 3.5, 1024 by default', () => {
  assert.equal(minCacheTokens('claude-3-haiku-20240307'), 2048);
  assert.equal(minCacheTokens('claude-3-5-haiku-latest'), 2048);
  assert.equal(minCacheTokens('claude-sonnet-4-5'), 1024);
  assert.equal(minCacheTokens(undefined), 1024);
});

test('thinking and empty text blocks are skipped for the last-block breakpoint', () => {
  const input = body();
  const messages = input.messages as Record<string, unknown>[];
  messages[1] = {
    role: 'assistant',
    content: [
      { type: 'text', text: 'kept' },
      { type: 'thinking', thinking: 'hmm', signature: 'sig' },
      { type: 'text', text: '' },
    ],
  };
  const out = addCacheBreakpoints(input)!.body.messages as Record<string, unknown>[];
  const blocks = out[1]!.content as Record<string, unknown>[];
  assert.deepEqual(blocks[0], { type: 'text', text: 'kept', cache_control: EPHEMERAL });
  assert.equal(countBreakpoints(blocks.slice(1)), 0);
});
