// Tests for joining an upstream's base URL with a client's path.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { joinUpstreamPath, parseUpstreamBase } from './url-join.ts';

function join(url: string, clientPath: string): string {
  return joinUpstreamPath(parseUpstreamBase(url), clientPath);
}

describe('parseUpstreamBase', () => {
  test('splits the origin from the base path', () => {
    assert.deepEqual(parseUpstreamBase('https://api.groq.com/openai/v1'), {
      origin: 'https://api.groq.com',
      basePath: '/openai/v1',
    });
  });

  test('gives an empty base path for a URL without a path', () => {
    assert.deepEqual(parseUpstreamBase('https://api.anthropic.com'), {
      origin: 'https://api.anthropic.com',
      basePath: '',
    });
    assert.equal(parseUpstreamBase('https://api.anthropic.com/').basePath, '');
  });

  test('keeps a non-default port in the origin', () => {
    assert.equal(parseUpstreamBase('http://localhost:11434/v1').origin, 'http://localhost:11434');
  });

  test('drops trailing slashes from the base path', () => {
    assert.equal(parseUpstreamBase('https://api.groq.com/openai/v1/').basePath, '/openai/v1');
    assert.equal(parseUpstreamBase('https://api.groq.com/openai/v1//').basePath, '/openai/v1');
  });
});

describe('joinUpstreamPath', () => {
  test('a base path replaces the client leading /v1 and keeps the query', () => {
    assert.equal(
      join('https://api.groq.com/openai/v1', '/v1/chat/completions?x=1'),
      '/openai/v1/chat/completions?x=1',
    );
    assert.equal(join('https://integrate.api.nvidia.com/v1', '/v1/models'), '/v1/models');
  });

  test('a client path of /v1 alone, or /v1 with a query, maps to the base path', () => {
    assert.equal(join('https://api.groq.com/openai/v1', '/v1'), '/openai/v1');
    assert.equal(join('https://api.groq.com/openai/v1', '/v1?limit=5'), '/openai/v1?limit=5');
  });

  test('without a base path the client path is appended whole', () => {
    assert.equal(join('https://api.anthropic.com', '/v1/messages'), '/v1/messages');
    assert.equal(join('https://api.github.com', '/repos/a/b?per_page=5'), '/repos/a/b?per_page=5');
    assert.equal(join('https://api.anthropic.com/', '/v1/messages?beta=true'), '/v1/messages?beta=true');
  });

  test('a client path outside /v1 goes below the base path', () => {
    assert.equal(join('https://example.com/api', '/repos/a/b'), '/api/repos/a/b');
    assert.equal(join('https://api.groq.com/openai/v1', '/health'), '/openai/v1/health');
  });

  test('a client path that only starts with the letters v1 is not treated as /v1', () => {
    assert.equal(join('https://example.com/api', '/v1beta/models'), '/api/v1beta/models');
  });

  test('a base URL with trailing slashes joins without a double slash', () => {
    assert.equal(
      join('https://api.groq.com/openai/v1/', '/v1/chat/completions'),
      '/openai/v1/chat/completions',
    );
    assert.equal(join('https://example.com/api/', '/repos'), '/api/repos');
  });
});
