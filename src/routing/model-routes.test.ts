// Tests for model routes: first matching glob wins, renames, and the `upstream/model` prefix rule.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelRouteConfig } from '../config/schema.ts';
import { createModelRouter } from './model-routes.ts';

function route(match: string, upstream: string, model?: string): ModelRouteConfig {
  return {
    match,
    upstream,
    fallbacks: [],
    fallback_after: 0.5,
    stream_rescue: false,
    ...(model === undefined ? {} : { model }),
  };
}

const UPSTREAMS = ['openai', 'anthropic', 'groq', 'nvidia'];

describe('createModelRouter', () => {
  test('the first matching route wins', () => {
    const first = route('gpt-4o*', 'groq');
    const router = createModelRouter([first, route('gpt-*', 'openai')], UPSTREAMS);
    assert.deepEqual(router.match('gpt-4o-mini'), { upstream: 'groq', model: 'gpt-4o-mini', route: first });
    assert.equal(router.match('gpt-3.5-turbo')?.upstream, 'openai');
  });

  test('an exact route matches only that name', () => {
    const router = createModelRouter([route('gpt-4o', 'openai')], UPSTREAMS);
    assert.equal(router.match('gpt-4o')?.upstream, 'openai');
    assert.equal(router.match('gpt-4o-mini'), undefined);
  });

  test('a star matches any run of characters', () => {
    const router = createModelRouter([route('gpt-*', 'openai'), route('claude-*', 'anthropic')], UPSTREAMS);
    assert.equal(router.match('gpt-4.1-2025-04-14')?.upstream, 'openai');
    assert.equal(router.match('claude-sonnet-4-5')?.upstream, 'anthropic');
    assert.equal(router.match('chatgpt-4o-latest'), undefined);
  });

  test('a bracket class matches one character of the class', () => {
    const router = createModelRouter([route('o[0-9]*', 'openai')], UPSTREAMS);
    assert.equal(router.match('o1')?.upstream, 'openai');
    assert.equal(router.match('o3-mini')?.upstream, 'openai');
    assert.equal(router.match('o4-mini-2025-04-16')?.upstream, 'openai');
    assert.equal(router.match('openx'), undefined);
    assert.equal(router.match('omni-moderation-latest'), undefined);
  });

  test('a question mark matches exactly one character', () => {
    const router = createModelRouter([route('gpt-?', 'openai')], UPSTREAMS);
    assert.equal(router.match('gpt-4')?.upstream, 'openai');
    assert.equal(router.match('gpt-4o'), undefined);
  });

  test('a star crosses slashes', () => {
    const router = createModelRouter([route('meta/*', 'nvidia'), route('*-instruct', 'groq')], UPSTREAMS);
    assert.equal(router.match('meta/llama-3.1-70b-instruct')?.upstream, 'nvidia');
    assert.equal(router.match('meta/llama/nested')?.upstream, 'nvidia');
    assert.equal(router.match('mistralai/mistral-7b-instruct')?.upstream, 'groq');
  });

  test('globs ignore case', () => {
    const router = createModelRouter([route('gpt-*', 'openai'), route('meta/*', 'nvidia')], UPSTREAMS);
    assert.equal(router.match('GPT-4o')?.upstream, 'openai');
    assert.equal(router.match('Meta/Llama-3.1-8B-Instruct')?.upstream, 'nvidia');
  });

  test('an exact route ignores case like a glob does', () => {
    const router = createModelRouter([route('gpt-4o', 'openai')], UPSTREAMS);
    assert.equal(router.match('GPT-4o')?.upstream, 'openai');
  });

  test('a route with a model renames the model sent upstream', () => {
    const rename = route('fast', 'groq', 'llama-3.1-8b-instant');
    const router = createModelRouter([rename], UPSTREAMS);
    assert.deepEqual(router.match('fast'), {
      upstream: 'groq',
      model: 'llama-3.1-8b-instant',
      route: rename,
    });
  });

  test('a route without a model keeps the client model, as written', () => {
    const router = createModelRouter([route('gpt-*', 'openai')], UPSTREAMS);
    assert.equal(router.match('GPT-4o')?.model, 'GPT-4o');
  });

  test('an upstream name as prefix picks that upstream and is stripped when no route matches', () => {
    const router = createModelRouter([route('gpt-*', 'openai')], UPSTREAMS);
    assert.deepEqual(router.match('groq/llama-3.1-8b-instant'), {
      upstream: 'groq',
      model: 'llama-3.1-8b-instant',
      route: undefined,
    });
    assert.deepEqual(router.match('groq/openai/gpt-oss-120b'), {
      upstream: 'groq',
      model: 'openai/gpt-oss-120b',
      route: undefined,
    });
  });

  test('a prefix that is not an upstream name picks nothing', () => {
    const router = createModelRouter([route('gpt-*', 'openai')], UPSTREAMS);
    assert.equal(router.match('mistral/mistral-large'), undefined);
    assert.equal(router.match('/gpt-4o'), undefined);
  });

  test('a route that matches wins over the prefix rule and keeps the prefix', () => {
    const nvidiaRoute = route('nvidia/*', 'nvidia');
    const router = createModelRouter([nvidiaRoute], UPSTREAMS);
    assert.deepEqual(router.match('nvidia/llama-3.1-nemotron-70b-instruct'), {
      upstream: 'nvidia',
      model: 'nvidia/llama-3.1-nemotron-70b-instruct',
      route: nvidiaRoute,
    });
  });

  test('a route can send an upstream-prefixed name elsewhere', () => {
    const router = createModelRouter([route('groq/*', 'openai')], UPSTREAMS);
    assert.equal(router.match('groq/llama-3.1-8b-instant')?.upstream, 'openai');
    assert.equal(router.match('groq/llama-3.1-8b-instant')?.model, 'groq/llama-3.1-8b-instant');
  });

  test('matches nothing when no route or prefix applies', () => {
    const router = createModelRouter([route('gpt-*', 'openai')], UPSTREAMS);
    assert.equal(router.match('claude-sonnet-4-5'), undefined);
    assert.equal(router.match(''), undefined);
  });

  test('asking again gives the same answer', () => {
    const router = createModelRouter([route('gpt-*', 'openai')], UPSTREAMS);
    assert.deepEqual(router.match('gpt-4o'), router.match('gpt-4o'));
    assert.equal(router.match('unknown-model'), undefined);
    assert.equal(router.match('unknown-model'), undefined);
  });

  test('what it remembers is bounded: long names are not kept, and only so many names', () => {
    const router = createModelRouter([route('gpt-*', 'openai')], UPSTREAMS);
    assert.equal(router.match(`gpt-${'x'.repeat(1_000_000)}`)?.upstream, 'openai', 'still answered');
    assert.equal(router.cached, 0, 'a 1 MB name is not kept');
    for (let i = 0; i < 12_000; i++) router.match(`random-${i}`);
    assert.equal(router.cached, 10_000);
  });
});
