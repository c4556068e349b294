import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateInputTokens } from '../dialects/wire/estimate.ts';
import {
  DEFAULT_OPTIMIZE_OPTIONS,
  type OptimizeOptions,
  optimizeRequest,
  sameOutputNote,
} from './optimize-request.ts';

const OPTS: OptimizeOptions = { ...DEFAULT_OPTIMIZE_OPTIONS, minTokens: 50 };

/** A JSON array tool output of `count` similar rows, one of them an error. */
function rowsText(count = 300, pretty = false): string {
  const rows = Array.from({ length: count }, (_, i) => ({
    id: i,
    name: `item-${i}`,
    status: i === 150 ? 'error' : 'ok',
    size: 100 + (i % 5),
  }));
  return pretty ? JSON.stringify(rows, null, 2) : JSON.stringify(rows);
}

const call = (id: string) => ({
  id,
  type: 'function',
  function: { name: 'list', arguments: '{"all":true}' },
});

function openaiBody(newest: string, older = rowsText(200)): Record<string, unknown> {
  return {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'You are an agent.  \n\n\n\n' },
      { role: 'user', content: 'List the items   \n\n\n\n\nplease' },
      { role: 'assistant', content: 'Looking.   ', tool_calls: [call('call_a')] },
      { role: 'tool', tool_call_id: 'call_a', content: older },
      { role: 'assistant', content: null, tool_calls: [call('call_b')] },
      { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: newest }] },
    ],
  };
}

function anthropicBody(newest: string, older = rowsText(200)): Record<string, unknown> {
  const use = (id: string) => ({ type: 'tool_use', id, name: 'list', input: { all: true } });
  const result = (id: string, text: string) => ({ type: 'tool_result', tool_use_id: id, content: text });
  return {
    model: 'claude-sonnet-4-5',
    system: 'Be brief.',
    messages: [
      { role: 'user', content: 'List the items  \n\n\n\n\n' },
      { role: 'assistant', content: [{ type: 'text', text: 'Looking.  ' }, use('toolu_a')] },
      { role: 'user', content: [result('toolu_a', older)] },
      { role: 'assistant', content: [use('toolu_b')] },
      {
        role: 'user',
        content: [result('toolu_b', newest), { type: 'text', text: 'and the   \n\n\n\n\nrest' }],
      },
    ],
  };
}

const messagesOf = (body: Record<string, unknown> | undefined) =>
  (body?.messages ?? []) as Record<string, unknown>[];

test('the newest tool output is crushed; the input body is not mutated; tokens are the estimator`s', () => {
  const body = openaiBody(rowsText(300, true));
  const before = structuredClone(body);
  const result = optimizeRequest('openai', body, OPTS);
  assert.deepEqual(body, before, 'input untouched');
  assert.ok(result.body && result.body !== body);
  assert.equal(result.changes.crushed, 1);
  assert.ok(result.changes.itemsDropped > 200);
  const text = (messagesOf(result.body)[5]!.content as { text: string }[])[0]!.text;
  const kept = JSON.parse(text) as Record<string, unknown>[];
  assert.ok(
    kept.some((r) => r.status === 'error'),
    'the error item is kept',
  );
  assert.equal(result.tokensBefore, estimateInputTokens(body));
  assert.equal(result.tokensAfter, estimateInputTokens(result.body));
  assert.ok(result.tokensAfter < result.tokensBefore / 2);
});

test('user, system and assistant text and tool calls never change (both dialects)', () => {
  for (const dialect of ['openai', 'anthropic'] as const) {
    const body = dialect === 'openai' ? openaiBody(rowsText()) : anthropicBody(rowsText());
    const result = optimizeRequest(dialect, body, { ...OPTS, lossyScope: 'all' });
    assert.ok(result.body);
    const before = messagesOf(body);
    messagesOf(result.body).forEach((m, i) => {
      if (m.role === 'tool') return;
      if (dialect === 'anthropic' && Array.isArray(m.content)) {
        const blocks = m.content as Record<string, unknown>[];
        const old = before[i]!.content as Record<string, unknown>[];
        blocks.forEach((b, k) => {
          if (b.type !== 'tool_result') assert.deepEqual(b, old[k], `${dialect} message ${i} block ${k}`);
        });
        return;
      }
      assert.deepEqual(m, before[i], `${dialect} message ${i}`);
    });
  }
});

test('every tool call keeps its result: ids and message order unchanged (both dialects)', () => {
  const openai = optimizeRequest('openai', openaiBody(rowsText()), { ...OPTS, lossyScope: 'all' });
  assert.deepEqual(
    messagesOf(openai.body).map((m) => [m.role, m.tool_call_id]),
    messagesOf(openaiBody('')).map((m) => [m.role, m.tool_call_id]),
  );
  const anthropic = optimizeRequest('anthropic', anthropicBody(rowsText()), { ...OPTS, lossyScope: 'all' });
  const ids = messagesOf(anthropic.body).flatMap((m) =>
    Array.isArray(m.content)
      ? (m.content as Record<string, unknown>[]).map((b) => b.tool_use_id ?? b.id ?? b.type)
      : [],
  );
  assert.deepEqual(ids, ['text', 'toolu_a', 'toolu_a', 'toolu_b', 'toolu_b', 'text']);
});

test("scope 'newest' leaves older tool outputs byte for byte but for lossless compaction; 'all' crushes them", () => {
  const older = rowsText(200, true);
  const newest = optimizeRequest('openai', openaiBody(rowsText(), older), OPTS);
  const olderOut = messagesOf(newest.body)[3]!.content as string;
  assert.equal(olderOut, JSON.stringify(JSON.parse(older)), 'only minified');
  assert.equal(newest.changes.crushed, 1);
  const all = optimizeRequest('openai', openaiBody(rowsText(), older), { ...OPTS, lossyScope: 'all' });
  assert.ok((messagesOf(all.body)[3]!.content as string).includes('"_omitted"'));
  assert.equal(all.changes.crushed, 2);
});

test('invalid JSON and prose tool outputs go out unchanged', () => {
  for (const text of [
    '[1, 2, {"a": ]',
    `[INFO] ${'started '.repeat(200)}done`,
    `${'plain words '.repeat(300)}end`,
  ]) {
    const result = optimizeRequest('openai', openaiBody(text, 'short'), OPTS);
    const out = messagesOf(result.body ?? openaiBody(text, 'short'))[5]!.content as { text: string }[];
    assert.equal(out[0]!.text, text);
  }
});

test('nothing to do: body undefined and the same token count', () => {
  const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
  const result = optimizeRequest('openai', body, OPTS);
  assert.equal(result.body, undefined);
  assert.equal(result.tokensAfter, result.tokensBefore);
  assert.deepEqual(result.changes, { crushed: 0, compacted: 0, deduped: 0, breakpoints: 0, itemsDropped: 0 });
});

test('idempotent: optimizing the optimized request changes nothing', () => {
  for (const dialect of ['openai', 'anthropic'] as const) {
    const body = dialect === 'openai' ? openaiBody(rowsText(300, true)) : anthropicBody(rowsText(300, true));
    const once = optimizeRequest(dialect, body, { ...OPTS, lossyScope: 'all' });
    assert.ok(once.body);
    const twice = optimizeRequest(dialect, once.body, { ...OPTS, lossyScope: 'all' });
    assert.equal(twice.body, undefined, dialect);
  }
});

test('dedupe: a repeat of an earlier output becomes a note naming the earlier tool call', () => {
  const text = 'total 12\n-rw-r--r-- 1 dev dev 2048 main.ts\n'.repeat(5);
  const openai = optimizeRequest('openai', openaiBody(text, text), OPTS);
  assert.deepEqual(messagesOf(openai.body)[5]!.content, [{ type: 'text', text: sameOutputNote('call_a') }]);
  assert.equal(messagesOf(openai.body)[5]!.tool_call_id, 'call_b', 'the result still answers its own call');
  assert.equal(messagesOf(openai.body)[3]!.content, text, 'the first one stays');
  const anthropic = optimizeRequest('anthropic', anthropicBody(text, text), OPTS);
  const block = (messagesOf(anthropic.body)[4]!.content as Record<string, unknown>[])[0]!;
  assert.deepEqual(block, {
    type: 'tool_result',
    tool_use_id: 'toolu_b',
    content: sameOutputNote('toolu_a'),
  });
  assert.equal(anthropic.changes.deduped, 1);
});

test('dedupe compares after compaction, and only within the lossy scope', () => {
  const pretty = JSON.stringify({ a: [1, 2, 3], b: 'x'.repeat(60) }, null, 2);
  const result = optimizeRequest('openai', openaiBody(JSON.stringify(JSON.parse(pretty)), pretty), OPTS);
  assert.deepEqual(messagesOf(result.body)[5]!.content, [{ type: 'text', text: sameOutputNote('call_a') }]);
  const same = 'same text '.repeat(10);
  const off = optimizeRequest('openai', openaiBody(same, same), { ...OPTS, dedupe: false });
  assert.equal(off.changes.deduped, 0);
  // Two repeats among the older outputs: under 'newest' neither is replaced, under 'all' the second is.
  const body = openaiBody('other', same);
  const messages = messagesOf(body);
  messages.splice(
    4,
    0,
    { role: 'assistant', content: null, tool_calls: [call('call_c')] },
    {
      role: 'tool',
      tool_call_id: 'call_c',
      content: same,
    },
  );
  assert.equal(optimizeRequest('openai', body, OPTS).changes.deduped, 0);
  const all = optimizeRequest('openai', body, { ...OPTS, lossyScope: 'all' });
  assert.equal(messagesOf(all.body)[5]!.content, sameOutputNote('call_a'));
});

test('lossless compaction of tool JSON: JSON.parse of the output equals the input', () => {
  const value = { items: [{ a: 1, b: 'two  spaces', c: [true, null, 2.5] }], note: 'x\ny' };
  const pretty = JSON.stringify(value, null, 4);
  const result = optimizeRequest('openai', openaiBody('short', pretty), OPTS);
  const out = messagesOf(result.body)[3]!.content as string;
  assert.ok(out.length < pretty.length);
  assert.deepEqual(JSON.parse(out), value);
  assert.equal(result.changes.compacted, 1);
});

test('a malformed request never throws: odd messages and contents pass through', () => {
  const body = {
    messages: [
      null,
      { role: 'tool', content: 42 },
      { role: 'tool', tool_call_id: 'x', content: [{ type: 'image_url', image_url: { url: 'data:' } }, 7] },
      { role: 'user', content: [{ type: 'tool_result', content: { weird: true } }] },
    ],
  };
  for (const dialect of ['openai', 'anthropic'] as const) {
    const result = optimizeRequest(dialect, body as Record<string, unknown>, { ...OPTS, promptCache: true });
    assert.equal(result.body, undefined);
  }
  assert.equal(optimizeRequest('openai', { messages: 'nope' }, OPTS).body, undefined);
});
