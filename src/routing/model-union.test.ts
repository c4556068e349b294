// Tests for the gateway's own model list: names that reach each upstream, collisions, aliases.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import type { ListedModel } from '../dialects/wire/map-model-list.ts';
import { createModelRouter } from './model-routes.ts';
import { aliasRoutes, modelListUpstreams, unionModels } from './model-union.ts';

const listed = (id: string, created = 0): ListedModel => ({ id, created, shape: 'openai', raw: { id } });

function setup(tree: Record<string, unknown>, env: Record<string, string> = {}) {
  const config = loadConfig({ tree, env, cwd: '/nonexistent' });
  const router = createModelRouter(config.routes.models, Object.keys(config.upstreams));
  return { config, router, aliases: aliasRoutes(config, router) };
}

describe('modelListUpstreams', () => {
  test('the LLM upstreams the config chose, not the presets nobody chose nor REST ones', () => {
    const { config } = setup(
      {
        upstreams: {
          local: { url: 'http://127.0.0.1:1' },
          github: { url: 'https://api.github.com', dialect: 'generic' },
          hosted: { url: 'http://127.0.0.1:2' },
        },
        routes: { hosts: [{ match: 'example.test', upstream: 'hosted' }] },
      },
      { GROQ_API_KEY: 'gsk-one' },
    );
    assert.deepEqual(modelListUpstreams(config), ['local', 'groq'], 'in config order');
  });
});

describe('unionModels', () => {
  test('an id routed to its upstream is listed as it is; one routed elsewhere gets the upstream prefix', () => {
    const { router, aliases } = setup({
      upstreams: { a: { url: 'http://127.0.0.1:1' }, b: { url: 'http://127.0.0.1:2' } },
      routes: { models: [{ match: 'shared', upstream: 'a' }] },
    });
    const union = unionModels(
      [
        { upstream: 'a', models: [listed('shared', 5)] },
        { upstream: 'b', models: [listed('shared', 7), listed('only-b')] },
      ],
      aliases,
      router,
      256,
    );
    assert.deepEqual(
      union.map((m) => [m.id, m.upstream, m.created]),
      [
        ['shared', 'a', 5],
        ['b/shared', 'b', 7],
        ['b/only-b', 'b', 0],
      ],
    );
  });

  test('a model no name reaches (a catch-all takes even the prefixed one) is left out', () => {
    const { router, aliases } = setup({
      upstreams: { a: { url: 'http://127.0.0.1:1' }, b: { url: 'http://127.0.0.1:2' } },
      routes: { models: [{ match: '*', upstream: 'a' }] },
    });
    const union = unionModels(
      [
        { upstream: 'a', models: [listed('m1')] },
        { upstream: 'b', models: [listed('m2')] },
      ],
      aliases,
      router,
      256,
    );
    assert.deepEqual(
      union.map((m) => m.id),
      ['m1'],
    );
  });

  test("aliases come last with their target's date; preset names and shadowed routes are not aliases", () => {
    const { router, aliases } = setup(
      {
        upstreams: { groq: { keys: ['gsk-1'] }, local: { url: 'http://127.0.0.1:1' } },
        routes: {
          models: [
            { match: 'fast', upstream: 'groq', model: 'llama-3.1-8b-instant' },
            { match: 'llama-*', upstream: 'local' },
            { match: 'llama-special', upstream: 'groq' },
          ],
        },
      },
      { OPENAI_API_KEY: 'sk-1' },
    );
    assert.deepEqual(
      aliases.map((r) => r.match),
      ['fast'],
      'whisper-1 is a preset name; llama-special is taken by the glob before it',
    );
    const union = unionModels(
      [{ upstream: 'groq', models: [listed('llama-3.1-8b-instant', 42), listed('FAST')] }],
      aliases,
      router,
      256,
    );
    assert.deepEqual(
      union.map((m) => [m.id, m.created, m.listed === undefined]),
      [
        ['groq/llama-3.1-8b-instant', 42, false],
        ['groq/FAST', 0, false],
        ['fast', 42, true],
      ],
    );
  });

  test('ids differing only in case are one name; names over the bound are left out', () => {
    const { router, aliases } = setup({
      upstreams: { a: { url: 'http://127.0.0.1:1' }, b: { url: 'http://127.0.0.1:2' } },
      routes: { models: [{ match: 'qwen/*', upstream: 'a' }] },
    });
    const union = unionModels(
      [
        {
          upstream: 'a',
          models: [listed('Qwen/Qwen3'), listed('qwen/qwen3'), listed(`qwen/${'x'.repeat(20)}`)],
        },
      ],
      aliases,
      router,
      16,
    );
    assert.deepEqual(
      union.map((m) => m.id),
      ['Qwen/Qwen3'],
    );
  });
});
