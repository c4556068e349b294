// Tests for where model-less calls go: routes.default, a catch-all route, then the chosen upstreams.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { defaultUpstreams } from './default-upstream.ts';

const defaults = (tree: Record<string, unknown>, env: Record<string, string> = {}) =>
  defaultUpstreams(loadConfig({ tree, env, cwd: '/nonexistent' }));

test('routes.default wins for both dialects', () => {
  assert.deepEqual(
    defaults({ upstreams: { local: { url: 'http://127.0.0.1:1' } }, routes: { default: 'local' } }),
    { openai: 'local', anthropic: 'local' },
  );
});

test("a catch-all model route's upstream takes the model-less calls too", () => {
  assert.deepEqual(
    defaults({
      upstreams: { local: { url: 'http://127.0.0.1:1' } },
      routes: {
        models: [
          { match: 'gpt-*', upstream: 'openai' },
          { match: '*', upstream: 'local' },
        ],
      },
    }),
    { openai: 'local', anthropic: 'local' },
  );
});

test('an upstream the config chose comes before a preset nobody chose', () => {
  assert.deepEqual(defaults({ upstreams: { local: { url: 'http://127.0.0.1:1' } } }), {
    openai: 'local',
    anthropic: 'anthropic',
  });
  assert.deepEqual(
    defaults({ upstreams: { local: { url: 'http://127.0.0.1:1' } } }, { OPENAI_API_KEY: 'sk-1' }),
    { openai: 'openai', anthropic: 'anthropic' },
    'the preset of the dialect name, once it has keys',
  );
});

test('with nothing configured, the presets of the dialect names', () => {
  assert.deepEqual(defaults({}), { openai: 'openai', anthropic: 'anthropic' });
});
