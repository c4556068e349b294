// Tests for model lists: reading an upstream's (bounded), writing OpenAI's and Anthropic's shapes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  anthropicModel,
  anthropicModelPage,
  type GatewayModel,
  MAX_LISTED_MODELS,
  openaiModel,
  readModelList,
} from './map-model-list.ts';

const entry = (id: string): GatewayModel => ({ id, upstream: 'u', created: 0, listed: undefined });

describe('readModelList', () => {
  test("reads OpenAI's and Anthropic's lists; entries without an id are skipped", () => {
    const openai = readModelList(
      JSON.stringify({
        object: 'list',
        data: [
          { id: 'gpt-4o', object: 'model', created: 1_715_367_049, owned_by: 'system' },
          { object: 'model' },
        ],
      }),
      'openai',
    );
    assert.deepEqual(
      openai?.map((m) => [m.id, m.created]),
      [['gpt-4o', 1_715_367_049]],
    );
    const anthropic = readModelList(
      JSON.stringify({
        data: [
          { type: 'model', id: 'claude-x', display_name: 'Claude X', created_at: '2025-02-19T00:00:00Z' },
        ],
        has_more: false,
      }),
      'anthropic',
    );
    assert.equal(anthropic?.[0]?.created, Date.parse('2025-02-19T00:00:00Z') / 1000);
  });

  test('a body that is no model list is undefined; a huge list is cut at the bound', () => {
    assert.equal(readModelList('{"error":{"message":"x"}}', 'openai'), undefined);
    assert.equal(readModelList('not json', 'openai'), undefined);
    const data = Array.from({ length: MAX_LISTED_MODELS + 5 }, (_, i) => ({ id: `m${i}` }));
    assert.equal(readModelList(JSON.stringify({ data }), 'openai')?.length, MAX_LISTED_MODELS);
  });
});

describe('writing entries', () => {
  const groq = readModelList(
    JSON.stringify({
      data: [{ id: 'llama', object: 'model', created: 10, owned_by: 'Meta', context_window: 131072 }],
    }),
    'openai',
  )![0]!;
  const claude = readModelList(
    JSON.stringify({
      data: [
        {
          type: 'model',
          id: 'claude-x',
          display_name: 'Claude X',
          created_at: '2025-02-19T00:00:00Z',
          max_tokens: 64000,
        },
      ],
    }),
    'anthropic',
  )![0]!;

  test("an entry keeps its upstream's fields in its own shape, under the gateway's id", () => {
    assert.deepEqual(openaiModel({ id: 'groq/llama', upstream: 'groq', created: 10, listed: groq }), {
      id: 'groq/llama',
      object: 'model',
      created: 10,
      owned_by: 'Meta',
      context_window: 131072,
    });
    assert.deepEqual(anthropicModel({ id: 'claude-x', upstream: 'anthropic', created: 1, listed: claude }), {
      type: 'model',
      id: 'claude-x',
      display_name: 'Claude X',
      created_at: '2025-02-19T00:00:00Z',
      max_tokens: 64000,
    });
  });

  test('across shapes only the common fields go', () => {
    assert.deepEqual(
      anthropicModel({ id: 'llama', upstream: 'groq', created: 1_700_000_000, listed: groq }),
      {
        type: 'model',
        id: 'llama',
        display_name: 'llama',
        created_at: '2023-11-14T22:13:20Z',
      },
    );
    assert.deepEqual(openaiModel({ id: 'claude-x', upstream: 'anthropic', created: 5, listed: claude }), {
      id: 'claude-x',
      object: 'model',
      created: 5,
      owned_by: 'anthropic',
    });
  });
});

describe('anthropicModelPage', () => {
  const models = ['a', 'b', 'c', 'd', 'e'].map(entry);
  const ids = (page: Record<string, unknown>) => (page.data as Array<{ id: string }>).map((m) => m.id);

  test('limit, then after_id: the next page, has_more until the end', () => {
    const first = anthropicModelPage(models, { limit: 2 });
    assert.deepEqual(ids(first), ['a', 'b']);
    assert.equal(first.has_more, true);
    assert.equal(first.first_id, 'a');
    assert.equal(first.last_id, 'b');
    const last = anthropicModelPage(models, { limit: 2, afterId: 'd' });
    assert.deepEqual(ids(last), ['e']);
    assert.equal(last.has_more, false);
  });

  test('before_id: the entries just before it, has_more while there are earlier ones', () => {
    const page = anthropicModelPage(models, { limit: 2, beforeId: 'd' });
    assert.deepEqual(ids(page), ['b', 'c']);
    assert.equal(page.has_more, true);
    assert.equal(anthropicModelPage(models, { limit: 5, beforeId: 'c' }).has_more, false);
  });

  test('a cursor not on the list gives an empty page', () => {
    const page = anthropicModelPage(models, { limit: 2, afterId: 'zz' });
    assert.deepEqual(page, { data: [], has_more: false, first_id: null, last_id: null });
    assert.deepEqual(ids(anthropicModelPage(models, { limit: 2, beforeId: 'zz' })), []);
  });
});
