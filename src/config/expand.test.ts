// Tests for `${VAR}` / `${VAR:-default}` expansion over a parsed YAML tree.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal ${VAR} text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expandVars } from './expand.ts';

describe('expandVars', () => {
  test('replaces a string that is one variable with its value', () => {
    assert.equal(expandVars('${GROQ_API_KEY}', { GROQ_API_KEY: 'gsk_123' }), 'gsk_123');
  });

  test('uses the default when the variable is unset', () => {
    assert.equal(expandVars('${PORT:-8787}', {}), '8787');
    assert.equal(expandVars('${PORT:-8787}', { PORT: '9000' }), '9000');
  });

  test('allows an empty default', () => {
    assert.equal(expandVars('${NAME:-}', {}), '');
  });

  test('treats an empty variable as unset', () => {
    assert.equal(expandVars('${PORT:-8787}', { PORT: '' }), '8787');
    assert.deepEqual(expandVars({ keys: '${KEYS}' }, { KEYS: '' }), {});
  });

  test('expands variables embedded in a longer string', () => {
    const env = { HOST: 'proxy.local', PORT: '3128' };
    assert.equal(expandVars('http://${HOST}:${PORT}/path', env), 'http://proxy.local:3128/path');
    assert.equal(expandVars('http://${HOST}:${PROXY_PORT:-8080}', env), 'http://proxy.local:8080');
  });

  test('expands an unset embedded variable with no default to nothing, keeping the string', () => {
    assert.equal(expandVars('Bearer ${TOKEN}', {}), 'Bearer ');
    assert.deepEqual(expandVars({ auth: 'Bearer ${TOKEN}' }, {}), { auth: 'Bearer ' });
  });

  test('drops a key whose whole value is an unset variable', () => {
    const tree = { url: 'https://api.groq.com', keys: '${GROQ_API_KEYS}' };
    const out = expandVars(tree, {});
    assert.deepEqual(out, { url: 'https://api.groq.com' });
    assert.equal(Object.hasOwn(out as object, 'keys'), false);
  });

  test('drops an array item whose whole value is an unset variable', () => {
    assert.deepEqual(expandVars(['${A}', '${B}', 'literal'], { A: 'a' }), ['a', 'literal']);
  });

  test('leaves strings without variables, and non-strings, untouched', () => {
    const tree = { name: 'plain $HOME text', n: 5, on: true, off: false, nothing: null };
    assert.deepEqual(expandVars(tree, { HOME: '/root' }), tree);
    assert.equal(expandVars(42, {}), 42);
    assert.equal(expandVars(null, {}), null);
    assert.equal(expandVars(true, {}), true);
  });

  test('leaves text that is not a variable reference as it is', () => {
    assert.equal(expandVars('${1BAD}', { '1BAD': 'x' }), '${1BAD}');
    assert.equal(expandVars('${unclosed', { unclosed: 'x' }), '${unclosed');
  });

  test('expands inside nested objects and arrays', () => {
    const tree = {
      server: { admin_token: '${ADMIN}', port: 8787 },
      upstreams: {
        groq: { url: 'https://${GROQ_HOST:-api.groq.com}/openai/v1', keys: ['${K1}', '${K2}', '${K3}'] },
      },
      routes: { models: [{ match: 'gpt-*', upstream: '${UP}' }] },
    };
    const env = { ADMIN: 'secret', K1: 'one', K3: 'three', UP: 'openai' };
    assert.deepEqual(expandVars(tree, env), {
      server: { admin_token: 'secret', port: 8787 },
      upstreams: { groq: { url: 'https://api.groq.com/openai/v1', keys: ['one', 'three'] } },
      routes: { models: [{ match: 'gpt-*', upstream: 'openai' }] },
    });
  });

  test('does not change the tree it is given', () => {
    const tree = { a: '${A}', list: ['${A}'] };
    expandVars(tree, { A: 'x' });
    assert.deepEqual(tree, { a: '${A}', list: ['${A}'] });
  });

  test('does not expand a value a second time', () => {
    assert.equal(expandVars('${A}', { A: '${B}', B: 'nested' }), '${B}');
  });
});
